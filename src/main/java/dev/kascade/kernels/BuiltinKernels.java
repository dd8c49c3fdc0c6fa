package dev.kascade.kernels;

import java.util.ArrayList;
import java.util.List;

/**
 * Every kernel that ships with the library: the test corpus (saxpy, reductions, transpose, softmax,
 * conversions, Java-semantics cases) and the attention kernels. {@code kascade ptx} compiles these and
 * {@code kascade selftest} runs them.
 */
public final class BuiltinKernels {
    private BuiltinKernels() {
    }

    public static List<KernelSpec> all() {
        List<KernelSpec> all = new ArrayList<>();
        // Each kernel family adds its specs here.
        all.addAll(dev.kascade.kernels.corpus.CorpusKernels.specs());
        all.addAll(dev.kascade.kernels.attention.AttentionKernels.specs());
        return List.copyOf(all);
    }

    /** The kernel called {@code name}, or a clear error listing the known names. */
    public static KernelSpec named(String name) {
        List<KernelSpec> all = all();
        for (KernelSpec s : all) {
            if (s.name().equals(name)) return s;
        }
        throw new IllegalArgumentException("kernel: no built-in kernel named '" + name + "'; known: "
                + all.stream().map(KernelSpec::name).toList());
    }
}
