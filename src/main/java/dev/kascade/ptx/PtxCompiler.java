package dev.kascade.ptx;

import dev.kascade.kernel.Kernel;
import dev.kascade.ptx.emit.PtxPrinter;
import dev.kascade.ptx.emit.SourceText;
import dev.kascade.ptx.frontend.KernelFrontEnd;
import dev.kascade.ptx.passes.Cleanup;
import dev.kascade.ptx.passes.Pipeline;
import dev.kascade.ptx.passes.Uniformity;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compiles a kernel method (see {@code dev.kascade.kernel.Kernel}) from its Java bytecode to PTX.
 *
 * <p>Pipeline (docs/compiler.md): the class file is read with {@code java.lang.classfile}; the front end
 * interprets the bytecode abstractly into a typed three-address IR (blocks, virtual registers), inlining
 * static helpers, folding constants and {@code @Const} parameters, unrolling marked loops and keeping local
 * arrays in registers; {@link Cleanup} tidies the CFG; {@link Uniformity} rejects barriers and warp
 * collectives under thread-dependent branches; {@link PtxPrinter} writes the module with Java-semantics
 * lowering and {@code .loc} lines. One module per kernel and set of constants.
 */
public final class PtxCompiler {
    private final PtxTarget target;
    private final SourceText sources = new SourceText();

    public PtxCompiler(PtxTarget target) {
        if (target == null) throw new IllegalArgumentException("target: expected a PtxTarget but got null");
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
        if (kernel == null) throw new IllegalArgumentException("kernel: expected a kernel method but got null");
        Map<String, Object> consts = constants == null ? Map.of() : constants;
        String entry = entryName(kernel, consts);
        KernelFrontEnd.Output out = KernelFrontEnd.translate(kernel, consts, entry);
        Kernel annotation = kernel.getAnnotation(Kernel.class);
        if (annotation != null) {
            if (annotation.maxThreads() < 0 || annotation.maxThreads() > 1024 || annotation.minBlocksPerSm() < 0
                    || (annotation.minBlocksPerSm() > 0 && annotation.maxThreads() == 0)) {
                throw new PtxCompileException("kernel " + entry + ": @Kernel(maxThreads = " + annotation.maxThreads()
                        + ", minBlocksPerSm = " + annotation.minBlocksPerSm() + "): expected maxThreads in 0..1024 and "
                        + "minBlocksPerSm >= 0, with maxThreads stated when minBlocksPerSm is");
            }
            out.fn().maxThreads = annotation.maxThreads();
            out.fn().minBlocksPerSm = annotation.minBlocksPerSm();
        }
        Pipeline.run(out.fn(), kernel.getName());
        StringBuilder header = new StringBuilder("kernel " + kernel.getDeclaringClass().getName() + "." + kernel.getName());
        if (!consts.isEmpty()) header.append("\nconstants ").append(new TreeMap<>(consts));
        for (String w : out.warnings()) header.append("\nwarning: ").append(w);
        String ptx = new PtxPrinter(out.fn(), target, sources).print(header.toString());
        return new PtxModule(entry, ptx, target, out.params(), out.fn().staticSharedBytes());
    }

    /**
     * {@code @Kernel(name)} or {@code Class_method}, plus a suffix naming the constants when there are any
     * ({@code _headDim128_tile64}), or a short hash of them when that would be long or not an identifier.
     */
    public static String entryName(Method kernel, Map<String, Object> constants) {
        Kernel k = kernel.getAnnotation(Kernel.class);
        String base = k != null && !k.name().isEmpty() ? k.name()
                : kernel.getDeclaringClass().getSimpleName() + "_" + kernel.getName();
        if (constants.isEmpty()) return base;
        StringBuilder sfx = new StringBuilder();
        for (var e : new TreeMap<>(constants).entrySet()) {
            sfx.append('_').append(e.getKey()).append(String.valueOf(e.getValue()).replace('-', 'm').replace('.', 'p'));
        }
        String s = sfx.toString();
        if (s.length() <= 40 && s.matches("[A-Za-z0-9_]+")) return base + s;
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return base + "__" + HexFormat.of().formatHex(h, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
