package dev.kascade.cli;

import dev.kascade.emulator.Emulator;
import dev.kascade.kernel.KernelLauncher;
import dev.kascade.kernels.attention.DecodeCheck;
import dev.kascade.kernels.attention.SplitPlan;
import dev.kascade.ptx.interp.IrInterpreter;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code kascade decode-check}: runs every Kascade decode role (dense, layer 0, anchor, reuse) through the
 * GPU kernels on the chosen device and compares with float64 references, one table row per case.
 */
public final class DecodeCheckCommand implements Command {
    @Override
    public String name() {
        return "decode-check";
    }

    @Override
    public String summary() {
        return "check the GPU decode kernels (dense, layer 0, anchor, reuse) against float64 references";
    }

    @Override
    public String usage() {
        return """
                usage: kascade decode-check [--device cpu|ir|cuda] [--small] [--seed N]

                Runs each decode role on fresh random KV caches (bf16 and f16, head dims 64/128/256, GQA 1 to 16,
                lengths that are not multiples of the kernel steps) and checks the outputs against float64
                attention over the same keys, and the index sets of layer 0 and anchors against a sort-based
                top-k of the pooled scores. cpu and ir run small cases; cuda runs larger cases.

                  --device cpu|ir|cuda  cpu: the GPU-semantics emulator running the Java (default);
                                        ir: the compiler's IR interpreter running the compiled kernels
                                        with PTX semantics; cuda: the GPU runtime
                  --session           instead: a decode session on the device against the CPU session
                                      (prefill, decode steps of every role, cache export)
                  --large             with --session on cpu: the GPU's sizes in the emulator (minutes)
                  --small             with cuda: the small cases of cpu/ir (quick under compute-sanitizer)
                  --seed N            random seed (default: time based; printed so a failure can be replayed)
                Exit code 0 when every case passes, 1 otherwise.""";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        Options o = Options.parse(args, Set.of("--device", "--seed"), Set.of("--small", "--session", "--large"));
        if (!o.positional().isEmpty()) {
            throw new UsageException("unexpected argument " + o.positional().getFirst());
        }
        long seed;
        try {
            seed = Long.parseLong(o.get("--seed", Long.toString(System.nanoTime())));
        } catch (NumberFormatException e) {
            throw new UsageException("--seed: expected an integer but got '" + o.get("--seed", "") + "'");
        }
        String device = o.get("--device", "cpu");
        KernelLauncher launcher;
        List<DecodeCheck.Case> cases;
        int smCount;
        int minKeys;
        switch (device) {
            case "cpu" -> {
                launcher = Emulator.launcher();
                cases = DecodeCheck.emulatorCases();
                smCount = 1; // a few splits per row even for tiny rows
                minKeys = 64;
            }
            case "ir" -> {
                launcher = new IrInterpreter();
                cases = DecodeCheck.emulatorCases();
                smCount = 1;
                minKeys = 64;
            }
            case "cuda" -> {
                launcher = SelftestCommand.cudaLauncher(out);
                if (launcher == null) {
                    return 1;
                }
                if (o.has("--small")) { // the emulator's small cases, several splits each: for compute-sanitizer
                    cases = DecodeCheck.emulatorCases();
                    smCount = 1;
                    minKeys = 64;
                } else {
                    cases = DecodeCheck.gpuCases();
                    smCount = SplitPlan.H200_SM_COUNT;
                    minKeys = SplitPlan.DEFAULT_MIN_KEYS_PER_SPLIT;
                }
            }
            default -> throw new UsageException("--device: expected cpu, ir or cuda but got '" + device + "'");
        }
        if (o.has("--session")) {
            return session(device, launcher, seed, o.has("--large"), out);
        }
        out.printf("kascade decode-check --device %s --seed %d (%d cases; error in units of %.0e + %.0e*|expected|)%n%n",
                device, seed, cases.size(), DecodeCheck.ABS, DecodeCheck.REL);
        out.printf("%-48s %10s %9s  %s%n", "case", "max error", "bad sets", "result");
        int failed = 0;
        for (int i = 0; i < cases.size(); i++) {
            DecodeCheck.Case c = cases.get(i);
            System.err.print("\rrunning case " + (i + 1) + " of " + cases.size() + "...   ");
            System.err.flush();
            DecodeCheck.Result r = DecodeCheck.run(c, launcher, seed + i, smCount, minKeys);
            System.err.print("\r                                        \r");
            out.printf("%-48s %10.3g %9d  %s%n", c.label(), r.maxError(), r.badSetRows(), r.passed() ? "pass" : "FAIL");
            if (!r.passed()) {
                failed++;
                out.println("    " + r.detail());
            }
        }
        out.println();
        out.println(failed == 0 ? "all " + cases.size() + " cases passed"
                : failed + " of " + cases.size() + " cases FAILED (replay with --seed " + seed + ")");
        return failed == 0 ? 0 : 1;
    }

    /** The session case: a device session against the CPU session on the same inputs. */
    private static int session(String device, KernelLauncher launcher, long seed, boolean large, PrintStream out) {
        boolean cuda = device.equals("cuda");
        boolean big = cuda || large; // --large: the GPU's sizes on the emulator (slow; to compare hosts)
        dev.kascade.runtime.Device d = cuda ? dev.kascade.runtime.Devices.cuda(dev.kascade.runtime.CudaConfig.get().device())
                : dev.kascade.runtime.Devices.cpu();
        // GPU: Llama-like heads, a 1.5K-token prompt; CPU/IR: the emulator runs the kernels, so small.
        int qHeads = big ? 32 : 8, kvHeads = big ? 8 : 2, headDim = big ? 128 : 64, batch = big ? 4 : 2;
        int prompt = big ? 1500 : 150, capacity = prompt + 8, steps = 3, layers = 4;
        int sm = big ? dev.kascade.kernels.attention.SplitPlan.H200_SM_COUNT : 1;
        int minKeys = big ? dev.kascade.kernels.attention.SplitPlan.DEFAULT_MIN_KEYS_PER_SPLIT : 64;
        int worst = 0;
        for (dev.kascade.tensor.DType dtype : new dev.kascade.tensor.DType[] {dev.kascade.tensor.DType.BF16,
                dev.kascade.tensor.DType.F16}) {
            dev.kascade.session.SessionCheck.Result r = dev.kascade.session.SessionCheck.run(d, sm,
                    dev.kascade.kernels.attention.SplitPlan.DEFAULT_BLOCKS_PER_SM, minKeys, dtype, batch, qHeads, kvHeads,
                    headDim, layers, capacity, prompt, steps, seed);
            boolean exact = r.passed(2e-3);
            boolean ok = r.passedUpToNearTies(2e-3);
            out.printf("session %s %s %d/%d d%d b%d prompt %d, %d decode calls: max |device - cpu| %.3g, exported cache %s"
                            + " (layer 0 vs float64: cpu %.3g, device %.3g)  %s%n",
                    device, dtype.label(), qHeads, kvHeads, headDim, batch, prompt, r.decodeCalls(), r.maxDifference(),
                    r.cachesEqual() ? "equal" : "DIFFERS", r.layer0CpuError(), r.layer0DeviceError(),
                    exact ? "pass" : ok ? "pass up to near-ties" : "FAIL");
            if (!exact) {
                out.println("    max |device - cpu| by layer (roles " + java.util.Arrays.toString(new String[] {"layer0",
                        "reuse", "anchor", "reuse"}) + "): " + java.util.Arrays.toString(r.maxDifferenceByLayer()));
                out.println("    " + r.layer0SetReport());
                out.printf("    layer-0 sets differ at %d step(s), largest relative gap to the k-th pooled score %.3g"
                                + " (near-tie below %.0e); max |device - cpu| outside the reuse layers of those steps %.3g%n",
                        r.stepsWithDifferentSets(), r.largestTieGap(), dev.kascade.session.SessionCheck.Result.NEAR_TIE,
                        r.maxDifferenceOutsideTies());
                if (!ok) worst = 1;
            }
        }
        return worst;
    }
}
