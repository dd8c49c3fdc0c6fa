package dev.kascade.cli;

import dev.kascade.emulator.Emulator;
import dev.kascade.kernel.KernelLauncher;
import dev.kascade.kernels.corpus.CaseResult;
import dev.kascade.kernels.corpus.CorpusCase;
import dev.kascade.kernels.corpus.CorpusCases;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Set;

/**
 * {@code kascade selftest}: runs every corpus kernel on the chosen device on fresh random inputs and compares
 * it with its plain-Java reference, printing one table row per kernel; the exit code is 1 if any fails.
 */
public final class SelftestCommand implements Command {
    /** The CUDA engineer's launcher factory, looked up by name so the CLI does not depend on the runtime. */
    static final String CUDA_LAUNCHER = "dev.kascade.runtime.CudaKernelLauncher";

    @Override
    public String name() {
        return "selftest";
    }

    @Override
    public String summary() {
        return "run every corpus kernel against its Java reference (CPU emulator or CUDA)";
    }

    @Override
    public String usage() {
        return """
                usage: kascade selftest [--device cpu|cuda] [--seed N] [--scale K] [--kernel NAME[,NAME...]]

                Runs each kernel of the test corpus (vector add, reductions, transpose, softmax, f16/bf16,
                control flow, Java-semantics edge cases, tensor-core mma) on fresh random inputs and compares
                every output with a plain-Java reference: bit-exact where Java semantics define the result,
                within the printed tolerance for approximate math (exp2, tensor-core accumulation).

                  --device cpu|cuda   cpu: the GPU-semantics emulator (default); cuda: the GPU runtime
                  --seed N            random seed (default: time based; printed so a failure can be replayed)
                  --scale K           multiply problem sizes (and most grids) by K, 1..1000 (default 1); large
                                      scales exercise many blocks on the GPU and are slow in the emulator
                  --kernel NAMES      only these corpus kernels
                Exit code 0 when every kernel passes, 1 otherwise.""";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        Options o = Options.parse(args, Set.of("--device", "--seed", "--scale", "--kernel"), Set.of());
        if (!o.positional().isEmpty()) {
            throw new UsageException("unexpected argument " + o.positional().getFirst());
        }
        String device = o.get("--device", "cpu");
        long seed;
        try {
            seed = Long.parseLong(o.get("--seed", Long.toString(System.nanoTime())));
        } catch (NumberFormatException e) {
            throw new UsageException("--seed: expected an integer but got '" + o.get("--seed", "") + "'");
        }
        int scale = o.getInt("--scale", 1);
        if (scale < 1 || scale > CorpusCases.MAX_SCALE) {
            throw new UsageException("--scale: expected 1.." + CorpusCases.MAX_SCALE + " but got " + scale);
        }
        List<CorpusCase> cases = select(o.get("--kernel", null));
        KernelLauncher launcher;
        switch (device) {
            case "cpu" -> launcher = Emulator.launcher();
            case "cuda" -> {
                launcher = cudaLauncher(out);
                if (launcher == null) {
                    return 1;
                }
            }
            default -> throw new UsageException("--device: expected cpu or cuda but got '" + device + "'");
        }
        out.printf("kascade selftest --device %s --seed %d --scale %d (%d kernels)%n%n", device, seed, scale,
                cases.size());
        out.printf("%-20s %-12s %12s %10s  %s%n", "kernel", "size", "max error", "tolerance", "result");
        int failed = 0;
        int skipped = 0;
        for (CorpusCase c : cases) {
            System.err.print("\rrunning " + c.kernel() + "...                    ");
            System.err.flush();
            CaseResult r = c.run(launcher, seed, scale);
            System.err.print("\r                                                  \r");
            if (r.skipped()) {
                skipped++;
                out.printf("%-20s %-12s %12s %10s  %s%n    %s%n", r.kernel(), "-", "-", "-", "skip", r.detail());
                continue;
            }
            out.printf("%-20s %-12s %12s %10s  %s%n", r.kernel(), r.size(), number(r.maxError()),
                    r.tolerance() == 0 ? "exact" : number(r.tolerance()), r.passed() ? "pass" : "FAIL");
            if (!r.passed()) {
                failed++;
                out.println("    " + r.detail());
            }
        }
        out.println();
        String skips = skipped == 0 ? "" : " (" + skipped + " skipped: this GPU lacks their instructions)";
        out.println(failed == 0 ? "all " + (cases.size() - skipped) + " kernels passed" + skips
                : failed + " of " + cases.size() + " kernels FAILED" + skips + " (replay with --seed " + seed + ")");
        return failed == 0 ? 0 : 1;
    }

    private static List<CorpusCase> select(String names) {
        List<CorpusCase> all = CorpusCases.all();
        if (names == null) {
            return all;
        }
        List<String> wanted = List.of(names.split(","));
        for (String w : wanted) {
            if (all.stream().noneMatch(c -> c.kernel().equals(w))) {
                throw new UsageException("--kernel: no corpus kernel named '" + w + "'; known: "
                        + all.stream().map(CorpusCase::kernel).toList());
            }
        }
        return all.stream().filter(c -> wanted.contains(c.kernel())).toList();
    }

    /** The CUDA launcher from the runtime's {@code static KernelLauncher create()}, or null after printing why not. */
    static KernelLauncher cudaLauncher(PrintStream out) {
        Method create;
        try {
            create = Class.forName(CUDA_LAUNCHER).getMethod("create");
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            out.println("selftest: no CUDA runtime in this build (" + CUDA_LAUNCHER + ".create() not found)");
            return null;
        }
        if (!Modifier.isStatic(create.getModifiers()) || !KernelLauncher.class.isAssignableFrom(create.getReturnType())) {
            out.println("selftest: " + CUDA_LAUNCHER + ".create() is not a static factory of KernelLauncher");
            return null;
        }
        try {
            return (KernelLauncher) create.invoke(null);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            out.println("selftest: no CUDA device / runtime: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
            return null;
        } catch (IllegalAccessException e) {
            out.println("selftest: cannot call " + CUDA_LAUNCHER + ".create(): " + e.getMessage());
            return null;
        }
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v == 0) {
            return "0";
        }
        return String.format("%.3g", v);
    }
}
