package dev.kascade.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The grid {@code kascade bench --sweep} runs, for each mode: every context at the base top-k (the speedup vs
 * context charts), then every other top-k fraction at the middle context (the fidelity vs top-k charts).
 */
public final class SweepPlan {
    /** Quick defaults that finish in minutes on a 2-core machine. */
    public static final int[] DECODE_CONTEXTS = {8192, 16384, 32768};
    public static final int[] PREFILL_CONTEXTS = {1024, 2048, 4096};
    public static final double[] TOPKS = {0.05, 0.10, 0.20};

    private SweepPlan() {
    }

    /**
     * @param base     shapes, dtype, device and base top-k
     * @param only     one mode, or null for both
     * @param contexts contexts for every mode given, or null for the per-mode defaults
     * @param topks    fractions, or null for {@link #TOPKS}
     */
    public static List<BenchSpec> of(BenchSpec base, BenchMode only, int[] contexts, double[] topks) {
        List<BenchSpec> out = new ArrayList<>();
        double[] ps = topks == null ? TOPKS : topks;
        for (BenchMode m : BenchMode.values()) {
            if (only != null && m != only) continue;
            int[] ctx = contexts != null ? contexts : m == BenchMode.DECODE ? DECODE_CONTEXTS : PREFILL_CONTEXTS;
            if (ctx.length == 0) throw new IllegalArgumentException("contexts: expected at least one context");
            for (int n : ctx) out.add(base.with(m, n, base.topk()));
            int middle = ctx[ctx.length / 2];
            for (double p : ps) {
                if (p != base.topk()) out.add(base.with(m, middle, p));
            }
        }
        return out;
    }
}
