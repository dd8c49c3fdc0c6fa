package dev.kascade.cli;

import dev.kascade.bench.BandwidthProbe;
import dev.kascade.bench.BenchMode;
import dev.kascade.bench.BenchResult;
import dev.kascade.bench.BenchRunner;
import dev.kascade.bench.BenchSpec;
import dev.kascade.bench.DeviceBackend;
import dev.kascade.bench.Progress;
import dev.kascade.bench.SweepPlan;
import dev.kascade.bench.SyntheticWorkload;
import dev.kascade.bench.WorkloadStats;
import dev.kascade.tensor.DType;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code kascade bench}: dense vs Kascade attention, each layer role timed side by side on synthetic sparse data,
 * with fidelity and the memory-bandwidth ceiling measured in the same run.
 */
public final class BenchCommand implements Command {
    private static final Set<String> VALUED = Set.of("--device", "--context", "--batch", "--layers", "--q-heads",
            "--kv-heads", "--head-dim", "--topk", "--anchors", "--dtype", "--warmup", "--iters", "--seed", "--contexts",
            "--topks", "--out", "--batches", "--n", "--reps", "--blocks-per-sm", "--min-keys");
    private static final Set<String> FLAGS = Set.of("--json", "--sweep", "--quiet");

    private final Function<String, DeviceBackend> backends;
    private final PrintStream err;

    public BenchCommand() {
        this(DeviceBackend::forName, System.err);
    }

    /** For tests: a chosen backend factory and stderr. */
    public BenchCommand(Function<String, DeviceBackend> backends, PrintStream err) {
        this.backends = backends;
        this.err = err;
    }

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "time dense vs Kascade attention per layer role (decode, prefill, --sweep, probe)";
    }

    @Override
    public String usage() {
        return """
                usage: kascade bench decode|prefill [options]     one configuration
                       kascade bench --sweep [decode|prefill] [options] [--contexts a,b] [--topks p,q] [--out FILE]
                       kascade bench probe                        memory read bandwidth only
                       kascade bench workload [options]           sparsity statistics of the synthetic data
                       kascade bench decode --device cuda [--batches 1,8,64] [--contexts 8192,32768] [options]
                                          GPU decode roles on device-resident buffers (JSON lines; --out appends);
                                          split plan: --blocks-per-sm N [16] --min-keys N [256];
                                          --warmup N [3] pairs per warm-up round, rounds for 200 ms
                                          (1 s for the first role), --iters N [10] per role
                       kascade bench vecadd [--device cuda] [--n 268435456] [--reps 50] [--blocks-per-sm 8]
                                          the Java corpus vector add on the GPU (JSON line)
                options (defaults in brackets):
                  --device cpu|cuda   [decode: cuda when a GPU is present, else cpu; prefill and --sweep: cpu]
                  --context N         cached keys (decode) or prompt tokens (prefill) [32768 decode, 8192 prefill]
                  --batch B [1]  --layers L [32]  --q-heads Hq [32]  --kv-heads G [8]  --head-dim d [128]
                  --dtype f32|f16|bf16 [bf16]  --topk p [0.10]  --anchors a,b,.. [0,2,8,13,14]
                  --warmup N [3 decode, 1 prefill]  --iters N [45 decode, 3 prefill]  --seed S [42]
                  --json              one JSON object per line (keys: dense_ms layer0_ms anchor_ms reuse_ms
                                      kascade_ms speedup rel_error mass_recall bandwidth_gbs dense_gbs
                                      dense_bw_share, all of the best round / best probe repetition;
                                      the same with _median, shapes, device, dtype, date)
                  --sweep             a grid: contexts x the given top-k, and top-k fractions at the middle
                                      context, for both modes unless one is named; prints JSON lines
                  --contexts a,b,..   sweep contexts [decode 8192,16384,32768; prefill 1024,2048,4096]
                  --topks p,q,..      sweep top-k fractions [0.05,0.1,0.2]
                  --out FILE          also write the JSON lines to FILE (for kascade report)
                  --quiet             no progress line on stderr
                kascade_ms = (T_layer0 + nAnchors * T_anchor + nReuse * T_reuse) / L with the plan's counts.""";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        Options o = Options.parse(args, VALUED, FLAGS);
        List<String> pos = o.positional();
        if (pos.size() > 1) throw new UsageException("expected one mode (decode, prefill, probe, workload) but got " + pos);
        String what = pos.isEmpty() ? null : pos.get(0).toLowerCase(Locale.ROOT);
        Progress progress = new Progress(err, !o.has("--quiet"));
        if ("vecadd".equals(what)) {
            if (!"cuda".equalsIgnoreCase(o.get("--device", "cuda"))) {
                throw new UsageException("vecadd: only --device cuda is supported");
            }
            out.println(dev.kascade.gpubench.CudaBench.vecadd(o.getInt("--n", 1 << 28), o.getInt("--reps", 50),
                    o.getInt("--blocks-per-sm", 8)));
            return 0;
        }
        if ("decode".equals(what) && "cuda".equalsIgnoreCase(o.get("--device", defaultDecodeDevice()))) {
            BenchSpec s = spec(o, BenchMode.DECODE);
            int[] batches = o.getIntList("--batches", new int[] {s.batch()});
            int[] contexts = o.getIntList("--contexts", new int[] {s.context()});
            dev.kascade.gpubench.CudaBench.decode(batches, contexts, s.dtype(), s.qHeads(), s.kvHeads(), s.headDim(),
                    s.topk(), s.anchors(), s.layers(), o.getInt("--warmup", 3), o.getInt("--iters", 10),
                    o.getInt("--blocks-per-sm", dev.kascade.kernels.attention.SplitPlan.DEFAULT_BLOCKS_PER_SM),
                    o.getInt("--min-keys", dev.kascade.kernels.attention.SplitPlan.DEFAULT_MIN_KEYS_PER_SPLIT),
                    o.has("--out") ? Path.of(o.get("--out", "")) : null, out, err);
            return 0;
        }
        if ("probe".equals(what)) {
            progress.update("probing memory bandwidth");
            BandwidthProbe.Result r = BandwidthProbe.measure();
            progress.done();
            out.printf(Locale.ROOT, "memory read bandwidth: best %.1f GB/s, median %.1f GB/s (%d threads x %d streams, "
                    + "%d MiB, %d reps)%n", r.bestGbs(), r.medianGbs(), r.threads(), r.streams(), r.bytes() >> 20,
                    r.reps());
            for (BandwidthProbe.Pattern p : r.patterns()) {
                out.printf(Locale.ROOT, "  %d stream(s) per thread: best %.1f GB/s, median %.1f GB/s%n", p.streams(),
                        p.bestGbs(), p.medianGbs());
            }
            return 0;
        }
        boolean sweep = o.has("--sweep");
        if (what == null && !sweep) throw new UsageException("expected a mode: decode, prefill, probe or workload");
        BenchMode mode = null;
        if (what != null && !what.equals("workload")) {
            try {
                mode = BenchMode.parse(what);
            } catch (IllegalArgumentException e) {
                throw new UsageException("expected decode, prefill, probe or workload but got '" + what + "'");
            }
        }
        BenchSpec spec = spec(o, mode == null ? BenchMode.DECODE : mode);
        if ("workload".equals(what)) {
            return workload(spec, out);
        }
        DeviceBackend backend = backends.apply(spec.device());
        progress.update("probing memory bandwidth");
        BandwidthProbe.Result bw = backend.measureBandwidth();
        progress.done();
        BenchRunner runner = new BenchRunner(backend, bw, progress);
        List<BenchSpec> specs = sweep ? SweepPlan.of(spec, mode, o.has("--contexts") ? o.getIntList("--contexts", null) : null,
                topks(o)) : List.of(spec);
        boolean json = sweep || o.has("--json");
        try (BufferedWriter file = o.has("--out") ? Files.newBufferedWriter(Path.of(o.get("--out", "")), StandardCharsets.UTF_8) : null) {
            for (int i = 0; i < specs.size(); i++) {
                if (specs.size() > 1) progress.prefix("[" + (i + 1) + "/" + specs.size() + "] ");
                BenchResult r = runner.run(specs.get(i));
                String line = r.toJsonLine();
                if (json) out.println(line);
                else printTable(r, out);
                if (file != null) {
                    file.write(line);
                    file.newLine();
                    file.flush();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--out: cannot write " + o.get("--out", "") + ": " + e.getMessage());
        }
        return 0;
    }

    private static double[] topks(Options o) {
        if (!o.has("--topks")) return null;
        String[] parts = o.get("--topks", "").split(",");
        double[] p = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                p[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--topks: expected comma-separated fractions but got '" + o.get("--topks", "") + "'");
            }
        }
        return p;
    }

    /** The spec from the options, with the mode's defaults; bad values are usage errors naming the option. */
    static BenchSpec spec(Options o, BenchMode mode) {
        BenchSpec d = BenchSpec.defaults(mode);
        boolean decode = mode == BenchMode.DECODE;
        DType dtype;
        try {
            dtype = DType.parse(o.get("--dtype", d.dtype().label()));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--dtype: " + e.getMessage());
        }
        try {
            return new BenchSpec(mode, o.get("--device", "cpu").toLowerCase(Locale.ROOT), o.getInt("--context", d.context()),
                    o.getInt("--batch", d.batch()), o.getInt("--layers", d.layers()), o.getInt("--q-heads", d.qHeads()),
                    o.getInt("--kv-heads", d.kvHeads()), o.getInt("--head-dim", d.headDim()), dtype,
                    o.getDouble("--topk", d.topk()), o.getIntList("--anchors", d.anchors()),
                    o.getInt("--warmup", decode ? 3 : 1), o.getInt("--iters", decode ? 45 : 3), o.getInt("--seed", 42));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static int workload(BenchSpec spec, PrintStream out) {
        SyntheticWorkload w = new SyntheticWorkload(spec.workload());
        out.println("synthetic workload: " + spec.workload());
        out.println("true head mapping of the plan: " + java.util.Arrays.deepToString(w.plan().headMap()));
        for (int layer : new int[] {0, 1, Math.min(spec.layers() - 1, 3)}) {
            double share = WorkloadStats.meanHeavyMassShare(w.layer(layer));
            out.printf(Locale.ROOT, "layer %d: %.1f%% of the decode softmax mass on the %d heavy keys (%.1f%% of %d)%n",
                    layer, 100 * share, spec.workload().heavyCount(), 100 * spec.workload().heavyFraction(), spec.context());
        }
        return 0;
    }

    private static void printTable(BenchResult r, PrintStream out) {
        BenchSpec s = r.spec();
        out.println(s + " on " + r.deviceName());
        out.printf(Locale.ROOT, "  %-10s %12s %10s %12s%n", "role", "best ms", "vs dense", "median ms");
        BenchResult.RoleTimes m = r.median();
        double[] t = {r.denseMs(), r.layer0Ms(), r.anchorMs(), r.reuseMs()};
        double[] tm = {m.denseMs(), m.layer0Ms(), m.anchorMs(), m.reuseMs()};
        String[] names = {"dense", "layer 0", "anchor", "reuse"};
        for (int i = 0; i < t.length; i++) {
            out.printf(Locale.ROOT, "  %-10s %12.3f %9.2fx %12.3f%n", names[i], t[i], t[i] / r.denseMs(), tm[i]);
        }
        out.printf(Locale.ROOT, "  %-10s %12.3f %9.2fx %12.3f   = (T0 + %d Ta + %d Tr) / %d%n", "Kascade", r.kascadeMs(),
                r.kascadeMs() / r.denseMs(), r.kascadeMs(m), s.anchorLayers(), s.reuseLayers(), s.layers());
        out.printf(Locale.ROOT, "  speedup %.2fx (medians %.2fx)   rel_error %.4f   mass_recall %.4f%n", r.speedup(),
                m.denseMs() / r.kascadeMs(m), r.fidelity().relError(), r.fidelity().massRecall());
        if (r.bandwidth() != null) {
            out.printf(Locale.ROOT, "  memory bandwidth probe %.1f GB/s (best repetition, %d stream(s) per thread)",
                    r.bandwidth().bestGbs(), r.bandwidth().streams());
            if (s.mode() == BenchMode.DECODE) {
                out.printf(Locale.ROOT, "; dense decode reads %d MiB of K+V at %.1f GB/s = %.0f%% of the probe",
                        r.denseBytes() >> 20, r.denseGbs(), 100 * r.denseBwShare());
            }
            out.println();
        }
        if (r.layerCopies() > 1) {
            out.printf(Locale.ROOT, "  calls rotated over %d copies of the layer, so none found the previous call's rows"
                    + " in the caches%n", r.layerCopies());
        }
        if ("cpu".equalsIgnoreCase(s.device())) out.println("  " + dev.kascade.tensor.HugePages.status());
    }

    /** {@code bench decode} with no {@code --device}: the GPU when the driver reports one, otherwise the CPU. */
    private static String defaultDecodeDevice() {
        try {
            return dev.kascade.runtime.Devices.cudaDeviceCount() > 0 ? "cuda" : "cpu";
        } catch (RuntimeException | LinkageError e) {
            return "cpu"; // a broken driver install is not a reason to refuse the CPU benchmark
        }
    }
}
