package dev.kascade.bench;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.Budget;
import dev.kascade.algorithm.KascadeConfig;
import dev.kascade.algorithm.Pooling;
import dev.kascade.tensor.DType;
import java.util.Arrays;

/**
 * One benchmark configuration: what {@code kascade bench} runs for one JSON line.
 *
 * @param mode     decode (one query per sequence over {@code context} cached keys) or prefill (a causal prompt
 *                 of {@code context} tokens)
 * @param device   "cpu" or "cuda"
 * @param context  cached keys (decode) or prompt tokens (prefill)
 * @param topk     top-k fraction p of the budget
 * @param anchors  the plan's anchor layers (contains 0)
 * @param warmup   untimed calls per role, at least ({@link #warmupCalls})
 * @param iters    timed calls per role (the best and the median are reported)
 */
public record BenchSpec(BenchMode mode, String device, int context, int batch, int layers, int qHeads, int kvHeads,
                        int headDim, DType dtype, double topk, int[] anchors, int warmup, int iters, long seed) {
    public static final int DEFAULT_DECODE_CONTEXT = 32768;
    public static final int DEFAULT_PREFILL_CONTEXT = 8192;

    public BenchSpec {
        if (mode == null) throw new IllegalArgumentException("mode: expected decode or prefill but got null");
        if (device == null || device.isBlank()) throw new IllegalArgumentException("device: expected cpu or cuda");
        if (context < 2) throw new IllegalArgumentException("context: expected at least 2 positions but got " + context);
        if (batch < 1) throw new IllegalArgumentException("batch: expected >= 1 but got " + batch);
        if (warmup < 0) throw new IllegalArgumentException("warmup: expected >= 0 but got " + warmup);
        if (iters < 1) throw new IllegalArgumentException("iters: expected >= 1 but got " + iters);
        anchors = anchors == null ? null : anchors.clone();
        // The remaining checks (heads, head dim, budget, anchors) are the shared types' own.
        new Budget(topk, 128, 1);
        KascadeConfig.of(layers, qHeads, kvHeads, headDim, dtype);
        AnchorPlan.identity(layers, kvHeads, anchors == null ? new int[0] : anchors);
    }

    /** Keys (context x batch) each decode role reads in its warm-up at the least ({@link #warmupCalls}). */
    public static final long DECODE_WARMUP_KEYS = 800_000;
    /** Most untimed calls per role that {@link #DECODE_WARMUP_KEYS} asks for (tiny contexts). */
    public static final int MAX_WARMUP_CALLS = 1000;

    /**
     * Untimed calls per role the runner makes: {@code warmup}, and in decode at least enough calls to read
     * {@link #DECODE_WARMUP_KEYS} keys (at most {@link #MAX_WARMUP_CALLS}); {@code warmup = 0} means none. Short
     * decode calls otherwise end their warm-up before C2 has compiled the kernels, and the rounds then time partly
     * interpreted code: at 4K keys with 3 warm-up calls the reuse role's median was 0.4-8 ms against a best of
     * 0.07-0.18, with 200 calls 0.07-0.18 against 0.06-0.07 (2-vCPU VM, 2026-11-30).
     */
    public int warmupCalls() {
        if (mode != BenchMode.DECODE || warmup == 0) return warmup;
        long keysPerCall = (long) context * batch;
        long byKeys = Math.min(MAX_WARMUP_CALLS, (DECODE_WARMUP_KEYS + keysPerCall - 1) / keysPerCall);
        return (int) Math.max(warmup, byKeys);
    }

    /** The defaults of the brief: 32 layers, 32/8 heads, d 128, bf16, 10%, anchors {0,2,8,13,14}, batch 1. */
    public static BenchSpec defaults(BenchMode mode) {
        return new BenchSpec(mode, "cpu", mode == BenchMode.DECODE ? DEFAULT_DECODE_CONTEXT : DEFAULT_PREFILL_CONTEXT,
                1, 32, 32, 8, 128, DType.BF16, 0.10, WorkloadSpec.LLAMA_ANCHORS, 3, 15, 42);
    }

    @Override
    public int[] anchors() {
        return anchors.clone();
    }

    /** The Kascade configuration the session is opened with: the paper's budget rule with this top-k. */
    public KascadeConfig config() {
        return KascadeConfig.of(layers, qHeads, kvHeads, headDim, dtype)
                .withBudget(new Budget(topk, 128, 1)).withPooling(Pooling.POST_SOFTMAX);
    }

    /** The synthetic workload of this configuration (default sparsity knobs). */
    public WorkloadSpec workload() {
        return WorkloadSpec.of(layers, qHeads, kvHeads, headDim, context, batch, anchors, seed);
    }

    /** Anchors other than layer 0. */
    public int anchorLayers() {
        return anchors.length - 1;
    }

    /** Layers that reuse an anchor's index sets. */
    public int reuseLayers() {
        return layers - anchors.length;
    }

    public BenchSpec with(BenchMode m, int ctx, double p) {
        return new BenchSpec(m, device, ctx, batch, layers, qHeads, kvHeads, headDim, dtype, p, anchors, warmup, iters, seed);
    }

    /** A short name for progress lines: "decode 32K bf16 top-k 10%". */
    public String label() {
        String ctx = context % 1024 == 0 ? (context / 1024) + "K" : Integer.toString(context);
        return mode.label() + " " + ctx + " " + dtype.label() + " top-k " + Math.round(topk * 1000) / 10.0 + "%";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BenchSpec s && mode == s.mode && device.equals(s.device) && context == s.context
                && batch == s.batch && layers == s.layers && qHeads == s.qHeads && kvHeads == s.kvHeads
                && headDim == s.headDim && dtype == s.dtype && topk == s.topk && Arrays.equals(anchors, s.anchors)
                && warmup == s.warmup && iters == s.iters && seed == s.seed;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(anchors) + 31 * context + mode.hashCode();
    }

    @Override
    public String toString() {
        return mode.label() + " " + device + " n=" + context + " batch=" + batch + " L=" + layers + " Hq=" + qHeads
                + " G=" + kvHeads + " d=" + headDim + " " + dtype.label() + " topk=" + topk + " anchors="
                + Arrays.toString(anchors);
    }
}
