package dev.kascade.runtime;

import dev.kascade.ptx.PtxCompiler;
import dev.kascade.ptx.PtxModule;
import dev.kascade.ptx.PtxTarget;
import java.lang.reflect.Method;
import java.util.Map;

/** Turns a kernel method and its constants into a PTX module; the Java-to-PTX compiler by default. */
@FunctionalInterface
public interface KernelCompiler {
    PtxModule compile(Method kernel, Map<String, Object> constants, PtxTarget target);

    /** The project's compiler ({@link PtxCompiler}). */
    static KernelCompiler javaToPtx() {
        return (kernel, constants, target) -> new PtxCompiler(target).compile(kernel, constants);
    }
}
