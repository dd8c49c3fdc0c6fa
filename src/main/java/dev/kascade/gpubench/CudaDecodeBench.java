package dev.kascade.gpubench;

import dev.kascade.algorithm.Budget;
import dev.kascade.algorithm.LayerRole;
import dev.kascade.cuda.CudaEvent;
import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.kernels.attention.DecodeShape;
import dev.kascade.kernels.attention.DecodeTraffic;
import dev.kascade.kernels.attention.GpuDecode;
import dev.kascade.kernels.attention.IndexSets;
import dev.kascade.kernels.attention.KernelLaunch;
import dev.kascade.kernels.attention.KvLayer;
import dev.kascade.kernels.attention.SplitPlan;
import dev.kascade.runtime.CudaDevice;
import dev.kascade.runtime.Device;
import dev.kascade.runtime.ResidentLauncher;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Times Kascade's decode roles (dense, layer 0, anchor, reuse) on a CUDA GPU with every buffer resident on the
 * device: one layer's synthetic KV cache (filled on the device), f32 queries, full-length sequences. Each role
 * runs as its {@link GpuDecode} launch list, bracketed by two CUDA events per call (so launch gaps count), after
 * warm-up calls; the median is reported, and the median of each kernel's own event time. When one layer's K+V
 * is smaller than {@link #ROTATE_BYTES}, several copies of the layer are made and calls rotate over them so the
 * 60 MB L2 cannot serve the cache. Reuse calls read the index sets their copy's anchor call selected.
 */
public final class CudaDecodeBench {
    /** Rotate over layer copies until this many bytes of K+V separate two reads of the same copy. */
    static final long ROTATE_BYTES = 512L << 20;
    static final int MAX_COPIES = 8;
    /** Least host time of each role's warm-up rounds ({@link #time}). */
    static final long WARMUP_NANOS = 200_000_000L;
    /** Least host time of the warm-up rounds of the first role this process times ({@link #time}). */
    static final long FIRST_WARMUP_NANOS = 1_000_000_000L;
    /** Whether this process has timed a role already (its launch and timing paths are compiled by the JIT). */
    private static boolean processWarm;
    private static final Method FILL;

    static {
        try {
            FILL = FillKernel.class.getMethod("fillHalves", dev.kascade.kernel.KernelContext.class, I32Buffer.class,
                    long.class, int.class, int.class, int.class);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One configuration: the grid point of the benchmark. */
    public record Config(int batch, int context, DType dtype, int qHeads, int kvHeads, int headDim, double topk,
                         int[] anchors, int layers, int warmup, int iters, int blocksPerSm, int minKeysPerSplit) {
        /** With the default split plan ({@link SplitPlan}). */
        public Config(int batch, int context, DType dtype, int qHeads, int kvHeads, int headDim, double topk,
                      int[] anchors, int layers, int warmup, int iters) {
            this(batch, context, dtype, qHeads, kvHeads, headDim, topk, anchors, layers, warmup, iters,
                    SplitPlan.DEFAULT_BLOCKS_PER_SM, SplitPlan.DEFAULT_MIN_KEYS_PER_SPLIT);
        }

        public Config {
            if (dtype != DType.BF16 && dtype != DType.F16) {
                throw new IllegalArgumentException("dtype: expected bf16 or f16 for the GPU decode but got " + dtype.label());
            }
            if (warmup < 0 || iters < 1) throw new IllegalArgumentException("iters: expected >= 1 but got " + iters);
            if (anchors.length == 0 || anchors[0] != 0) {
                throw new IllegalArgumentException("anchors: expected a plan starting at layer 0 but got " + Arrays.toString(anchors));
            }
        }

        long layerBytes() {
            return 2L * batch * kvHeads * context * headDim * 2;
        }
    }

    private final Device device;
    private final int smCount;

    /** On a GPU: CUDA events. On the CPU device (emulator, for tests of the harness): wall clock per call. */
    public CudaDecodeBench(Device device, int smCount) {
        this.device = device;
        this.smCount = smCount;
    }

    public CudaDecodeBench(CudaDevice device) {
        this(device, device.info().multiprocessors());
    }

    private String gpuName() {
        return device instanceof CudaDevice c ? c.info().name() : device.name();
    }

    private String driver() {
        return device instanceof CudaDevice c ? c.info().driverCudaVersion() : "-";
    }

    private long freeBytes() {
        return device instanceof CudaDevice c ? c.context().memoryInfo()[0] : Runtime.getRuntime().maxMemory();
    }

    /** Runs one configuration and returns its JSON line. */
    public String run(Config c) {
        DecodeShape shape = new DecodeShape(c.batch(), c.qHeads(), c.kvHeads(), c.headDim(), c.context());
        long layerBytes = c.layerBytes();
        int copies = (int) Math.max(1, Math.min(MAX_COPIES, (ROTATE_BYTES + layerBytes - 1) / layerBytes));
        long free = freeBytes();
        if ((long) copies * layerBytes + (512L << 20) > free) {
            throw new IllegalArgumentException("batch " + c.batch() + " x context " + c.context() + ": one layer's K+V is "
                    + layerBytes + " bytes, more than the device's free " + free + " bytes allow");
        }
        List<HostReservation> reservations = new ArrayList<>();
        try (Arena arena = Arena.ofShared(); ResidentLauncher launcher = new ResidentLauncher(device);
             GpuDecode decode = new GpuDecode(launcher, shape, new Budget(c.topk(), 128, 1),
                     smCount, c.blocksPerSm(), c.minKeysPerSplit())) {
            SplittableRandom rnd = new SplittableRandom(42);
            F32Buffer q = F32Buffer.allocate(arena, shape.queryElements());
            for (long i = 0; i < q.length(); i++) q.set(i, (float) (rnd.nextDouble() * 2 - 1));
            I32Buffer lengths = I32Buffer.allocate(arena, c.batch());
            for (int b = 0; b < c.batch(); b++) lengths.set(b, c.context());
            F32Buffer out = F32Buffer.allocate(arena, shape.queryElements());
            int[] identity = new int[c.kvHeads()];
            for (int g = 0; g < identity.length; g++) identity[g] = g;

            Map<String, List<List<KernelLaunch>>> roles = new LinkedHashMap<>();
            for (String r : List.of("dense", "layer0", "anchor", "reuse")) roles.put(r, new ArrayList<>());
            for (int copy = 0; copy < copies; copy++) {
                KvLayer kv = syntheticLayer(launcher, shape, c.dtype(), copy, reservations);
                IndexSets sets = decode.allocateIndexSets(arena);
                roles.get("dense").add(decode.denseLaunches(q, kv, lengths, out));
                roles.get("layer0").add(decode.layer0Launches(q, kv, lengths, out, sets));
                roles.get("anchor").add(decode.anchorLaunches(q, kv, lengths, out, sets));
                roles.get("reuse").add(decode.reuseLaunches(q, kv, lengths, sets, identity, out));
            }
            launcher.synchronize();

            Map<String, double[]> medians = new LinkedHashMap<>();
            Map<String, Map<String, Double>> steps = new LinkedHashMap<>();
            for (var e : roles.entrySet()) {
                Timed t = time(launcher, e.getValue(), c.warmup(), c.iters());
                medians.put(e.getKey(), new double[] {t.medianMs, t.kernelMs});
                steps.put(e.getKey(), t.steps);
            }
            int[] lens = new int[c.batch()];
            Arrays.fill(lens, c.context());
            Budget budget = decode.budget();
            long denseBytes = DecodeTraffic.denseKvBytes(shape, 2, lens);
            Map<String, Long> bytes = new LinkedHashMap<>();
            bytes.put("dense", denseBytes);
            bytes.put("layer0", DecodeTraffic.kvBytes(LayerRole.LAYER0, shape, 2, lens, budget));
            bytes.put("anchor", DecodeTraffic.kvBytes(LayerRole.ANCHOR, shape, 2, lens, budget));
            bytes.put("reuse", DecodeTraffic.kvBytes(LayerRole.REUSE, shape, 2, lens, budget));
            double t0 = medians.get("layer0")[0], ta = medians.get("anchor")[0], tr = medians.get("reuse")[0];
            int nAnchors = c.anchors().length - 1;
            int nReuse = c.layers() - c.anchors().length;
            double kascade = (t0 + nAnchors * ta + nReuse * tr) / c.layers();
            double dense = medians.get("dense")[0];
            SplitPlan plan = decode.plan(c.context());

            StringBuilder s = new StringBuilder(512);
            s.append("{\"bench\":\"decode\",\"device\":\"cuda\",\"gpu\":\"").append(gpuName())
                    .append("\",\"driver_cuda\":\"").append(driver())
                    .append("\",\"date\":\"").append(LocalDate.now(ZoneOffset.UTC))
                    .append("\",\"batch\":").append(c.batch()).append(",\"context\":").append(c.context())
                    .append(",\"dtype\":\"").append(c.dtype().label()).append("\",\"q_heads\":").append(c.qHeads())
                    .append(",\"kv_heads\":").append(c.kvHeads()).append(",\"head_dim\":").append(c.headDim())
                    .append(",\"topk\":").append(c.topk()).append(",\"k\":").append(budget.keys(c.context()))
                    .append(",\"layers\":").append(c.layers()).append(",\"anchors\":\"")
                    .append(Arrays.toString(c.anchors()).replace(" ", "")).append("\",\"splits\":").append(plan.splits())
                    .append(",\"keys_per_split\":").append(plan.keysPerSplit())
                    .append(",\"blocks_per_sm\":").append(c.blocksPerSm()).append(",\"min_keys_per_split\":")
                    .append(c.minKeysPerSplit()).append(",\"split_tuning\":\"").append(decode.tuning().label())
                    .append("\",\"layer_copies\":").append(copies)
                    .append(",\"iters\":").append(c.iters());
            for (var e : medians.entrySet()) {
                double ms = e.getValue()[0];
                s.append(String.format(Locale.ROOT, ",\"%s_ms\":%.4f,\"%s_kernel_ms\":%.4f,\"%s_tbs\":%.3f", e.getKey(), ms,
                        e.getKey(), e.getValue()[1], e.getKey(), bytes.get(e.getKey()) / (ms * 1e-3) / 1e12));
            }
            s.append(String.format(Locale.ROOT, ",\"kascade_ms\":%.4f,\"speedup\":%.3f,\"dense_kv_bytes\":%d", kascade,
                    dense / kascade, denseBytes));
            s.append(",\"steps\":{");
            boolean first = true;
            for (var e : steps.entrySet()) {
                for (var st : e.getValue().entrySet()) {
                    if (!first) s.append(',');
                    first = false;
                    s.append(String.format(Locale.ROOT, "\"%s.%s\":%.4f", e.getKey(), st.getKey(), st.getValue()));
                }
            }
            s.append("}}");
            return s.toString();
        } finally {
            for (HostReservation r : reservations) r.close();
        }
    }

    /** One layer's K and V on the device only, filled with random 16-bit floats by {@link FillKernel}. */
    private KvLayer syntheticLayer(ResidentLauncher launcher, DecodeShape shape, DType dtype, int copy,
                                   List<HostReservation> reservations) {
        long bytes = shape.cacheElements() * 2;
        HostReservation kr = HostReservation.reserve(bytes);
        reservations.add(kr);
        HostReservation vr = HostReservation.reserve(bytes);
        reservations.add(vr);
        KernelBuffer k = dtype == DType.BF16 ? new BF16Buffer(kr.segment()) : new F16Buffer(kr.segment());
        KernelBuffer v = dtype == DType.BF16 ? new BF16Buffer(vr.segment()) : new F16Buffer(vr.segment());
        KvLayer kv = new KvLayer(k, v);
        int mask = dtype == DType.BF16 ? 0x83FF : 0x87FF;
        int bias = dtype == DType.BF16 ? 0x3C00 : 0x3000;
        int blocks = smCount * 8;
        for (I32Buffer words : List.of(kv.kWords(), kv.vWords())) {
            launcher.deviceOnly(words);
            launcher.submit(FILL, LaunchConfig.of1D(blocks, 256), words, words.length(), 7919 * (2 * copy + 1)
                    + (words == kv.vWords() ? 104729 : 0), mask, bias);
        }
        return kv;
    }

    private record Timed(double medianMs, double kernelMs, Map<String, Double> steps) {
    }

    /**
     * Warm-up rounds, then {@link #measure} of {@code iters} pairs of calls. The warm-up runs {@link #measure} itself
     * ({@code warmup} pairs a round, results dropped) for at least {@link #WARMUP_NANOS}, or
     * {@link #FIRST_WARMUP_NANOS} for the first role of the process, so that every host path inside the brackets
     * (events, launches, per-kernel submits) is compiled before it is timed. Short calls (batch 1, a few kernels of
     * 5-50 us each) timed as the first shape of a run otherwise come out many times too slow, the host queueing the
     * kernels more slowly than they run and the GPU idling inside the brackets (H200, 2026-11-29: dense at batch 1
     * and 32K 0.37-0.54 ms after three plain warm-up launches against 0.054 later in the run; at 8K 0.315 ms after
     * 200 ms of plain launches, 0.020 ms with this warm-up).
     */
    private Timed time(ResidentLauncher launcher, List<List<KernelLaunch>> copies, int warmup, int iters) {
        long until = System.nanoTime() + (processWarm ? WARMUP_NANOS : FIRST_WARMUP_NANOS);
        do {
            measure(launcher, copies, Math.max(1, warmup));
        } while (System.nanoTime() < until);
        processWarm = true;
        return measure(launcher, copies, iters);
    }

    /**
     * 2 x iters calls, rotating over the copies, in pairs: the first call of a pair is bracketed by two events and
     * nothing else (as the SDPA baseline times its calls, and as a decode step runs), the second also times each
     * kernel, which puts two more events between neighbouring kernels. Medians: the first calls' brackets, the second
     * calls' kernel sums and each kernel's time.
     */
    private Timed measure(ResidentLauncher launcher, List<List<KernelLaunch>> copies, int iters) {
        int calls = 2 * iters;
        CudaDevice cuda = device instanceof CudaDevice c ? c : null;
        List<CudaEvent> events = new ArrayList<>();
        double[] wall = new double[calls];
        List<List<DoubleSupplier>> kernelTimes = new ArrayList<>();
        try {
            for (int i = 0; i < calls; i++) {
                List<KernelLaunch> launches = copies.get(i % copies.size());
                boolean perKernel = i % 2 == 1;
                long t0 = System.nanoTime();
                if (cuda != null) {
                    events.add(cuda.context().createEvent());
                    events.add(cuda.context().createEvent());
                    events.get(2 * i).record(null);
                }
                List<DoubleSupplier> ks = new ArrayList<>();
                for (KernelLaunch l : launches) {
                    if (perKernel) ks.add(launcher.submit(l.kernel(), l.config(), l.args()));
                    else launcher.launch(l.kernel(), l.config(), l.args());
                }
                if (cuda != null) events.get(2 * i + 1).record(null);
                else wall[i] = (System.nanoTime() - t0) / 1e6;
                kernelTimes.add(ks);
            }
            launcher.synchronize();
            double[] bracket = new double[iters];
            double[] kernels = new double[iters];
            List<KernelLaunch> names = copies.getFirst();
            double[][] perStep = new double[names.size()][iters];
            for (int n = 0; n < iters; n++) {
                int i = 2 * n; // the bracket-only call of pair n
                bracket[n] = cuda != null ? events.get(2 * i + 1).elapsedMillisSince(events.get(2 * i)) : wall[i];
                double sum = 0;
                List<DoubleSupplier> ks = kernelTimes.get(i + 1);
                for (int j = 0; j < ks.size(); j++) {
                    double ms = ks.get(j).getAsDouble();
                    perStep[j][n] = ms;
                    sum += ms;
                }
                kernels[n] = sum;
            }
            Map<String, Double> steps = new LinkedHashMap<>();
            for (int j = 0; j < names.size(); j++) {
                String name = names.get(j).name();
                while (steps.containsKey(name)) name = name + "'";
                steps.put(name, median(perStep[j]));
            }
            return new Timed(median(bracket), median(kernels), steps);
        } finally {
            for (CudaEvent e : events) e.close();
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
