package dev.kascade.ptx;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * Compiles a kernel method (see {@code dev.kascade.kernel.Kernel}) from its Java bytecode to PTX.
 * Placeholder until the compiler lands: the signature is the contract the runtime codes against.
 */
public final class PtxCompiler {
    private final PtxTarget target;

    public PtxCompiler(PtxTarget target) {
        this.target = target;
    }

    public PtxTarget target() {
        return target;
    }

    /**
     * @param kernel    a static kernel method whose first parameter is a {@code KernelContext}
     * @param constants values of its {@code @Const} parameters, keyed by parameter name
     * @return the compiled module
     * @throws PtxCompileException naming the kernel, the Java file and line and the construct, for
     *                             anything outside the supported subset
     */
    public PtxModule compile(Method kernel, Map<String, Object> constants) {
        throw new UnsupportedOperationException("the Java-to-PTX compiler is not built yet");
    }
}
