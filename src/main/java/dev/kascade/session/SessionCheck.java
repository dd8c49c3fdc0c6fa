package dev.kascade.session;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.Budget;
import dev.kascade.algorithm.KascadeConfig;
import dev.kascade.algorithm.LayerRole;
import dev.kascade.algorithm.Pooling;
import dev.kascade.cache.KvCache;
import dev.kascade.runtime.Device;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;

/**
 * Acceptance check of a device session ({@code kascade decode-check --session}): the same prefill and decode
 * steps through a CPU session and a session on {@code device}, with a plan whose reuse layers remap heads.
 * Reports the largest output difference over every decode layer and whether the exported caches are equal.
 */
public final class SessionCheck {
    /**
     * Largest |device - cpu| over all decode outputs, and whether the exported caches hold the same bytes.
     * {@code maxDifferenceOutsideTies} leaves out the layers that reuse layer 0's index sets at the steps where
     * those sets differ between the sessions; {@code largestTieGap} is the largest relative distance of a differing
     * position's float64 pooled score from the k-th largest at those steps (0 if the sets never differed).
     */
    public record Result(double maxDifference, boolean cachesEqual, int decodeCalls, double layer0CpuError,
                         double layer0DeviceError, double[] maxDifferenceByLayer, String layer0SetReport,
                         double maxDifferenceOutsideTies, int stepsWithDifferentSets, double largestTieGap) {
        /** Relative gap to the k-th pooled score below which a differing position is a near-tie (float rounding). */
        public static final double NEAR_TIE = 1e-4;

        /** Outputs within {@code tolerance} and equal caches. */
        public boolean passed(double tolerance) {
            return maxDifference <= tolerance && cachesEqual;
        }

        /**
         * As {@link #passed}, except that a layer reusing layer 0's sets may differ at a step where layer 0's top-k
         * decided a near-tie at the k-th pooled score differently (every differing position within {@link #NEAR_TIE}
         * of the k-th score): the reuse layer then legitimately attends to a different key.
         */
        public boolean passedUpToNearTies(double tolerance) {
            return maxDifferenceOutsideTies <= tolerance && cachesEqual && largestTieGap <= NEAR_TIE;
        }
    }

    /** How two sessions' layer-0 index sets of one step differ (see {@link #compareLayer0Sets}). */
    record SetDiff(int rows, int differentRows, int differentPositions, double smallestGap, double largestGap) {
        String describe(String when) {
            if (differentRows == 0) return "layer-0 index sets of " + when + ": all " + rows + " rows equal";
            return String.format("layer-0 index sets of %s: %d of %d rows differ, %d positions in only one"
                            + " session; |pooled - k-th| / k-th (float64) of those positions: %.3g .. %.3g",
                    when, differentRows, rows, differentPositions, smallestGap, largestGap);
        }
    }

    private SessionCheck() {
    }

    /**
     * @param layers at least 4: anchors {0, 2}, layer 1 maps every KV head to anchor head 1, layer 3 reverses them
     */
    public static Result run(Device device, int smCount, int blocksPerSm, int minKeysPerSplit, DType dtype, int batch,
                             int qHeads, int kvHeads, int headDim, int layers, int capacity, int prompt, int steps,
                             long seed) {
        if (layers < 4) throw new IllegalArgumentException("layers: expected >= 4 but got " + layers);
        if (prompt + steps > capacity) {
            throw new IllegalArgumentException("capacity: " + capacity + " < prompt " + prompt + " + steps " + steps);
        }
        int[][] map = AnchorPlan.identity(layers, kvHeads, 0).headMap();
        Arrays.fill(map[1], 1 % kvHeads);
        for (int g = 0; g < kvHeads; g++) map[3][g] = kvHeads - 1 - g;
        AnchorPlan plan = new AnchorPlan(new int[] {0, 2}, map);
        // The GPU kernels round k up to a multiple of 128; the CPU session gets the same rounding.
        KascadeConfig config = new KascadeConfig(layers, qHeads, kvHeads, headDim, dtype, new Budget(0.1, 128, 128),
                Pooling.POST_SOFTMAX, 32);
        int[] qLens = new int[batch];
        for (int b = 0; b < batch; b++) qLens[b] = prompt - (b * 37) % Math.max(1, prompt / 3);
        Random rnd = new Random(seed);
        double worst = 0;
        int calls = 0;
        float[] lastCpu0 = null, lastDev0 = null;
        double[] byLayer = new double[layers];
        Tensor lastQ0 = null;
        double outsideTies = 0, tieGap = 0;
        int tieSteps = 0;
        String firstTie = null;
        try (Arena arena = Arena.ofShared();
             KascadeSession cpu = KascadeSession.open(config, plan, DeviceKind.CPU, batch, capacity);
             KascadeSession dev = KascadeSession.openOnDevice(config, plan, device, batch, capacity, smCount, blocksPerSm,
                     minKeysPerSplit)) {
            for (int layer = 0; layer < layers; layer++) {
                Tensor q = random(arena, rnd, batch, qHeads, prompt, headDim);
                Tensor k = random(arena, rnd, batch, kvHeads, prompt, headDim);
                Tensor v = random(arena, rnd, batch, kvHeads, prompt, headDim);
                cpu.prefill(layer, q, k, v, qLens);
                dev.prefill(layer, q, k, v, qLens);
            }
            for (int step = 0; step < steps; step++) {
                boolean setsDiffer = false;
                for (int layer = 0; layer < layers; layer++) {
                    Tensor q = random(arena, rnd, batch, qHeads, headDim);
                    Tensor k = random(arena, rnd, batch, kvHeads, headDim);
                    Tensor v = random(arena, rnd, batch, kvHeads, headDim);
                    float[] want = cpu.decode(layer, q, k, v).toFloatArray();
                    float[] got = dev.decode(layer, q, k, v).toFloatArray();
                    boolean tieLayer = setsDiffer && plan.role(layer) == LayerRole.REUSE && plan.anchorOf(layer) == 0;
                    for (int i = 0; i < want.length; i++) {
                        double diff = Math.abs(want[i] - got[i]);
                        worst = Math.max(worst, diff);
                        byLayer[layer] = Math.max(byLayer[layer], diff);
                        if (!tieLayer) outsideTies = Math.max(outsideTies, diff);
                    }
                    calls++;
                    if (layer == 0) {
                        lastCpu0 = want;
                        lastDev0 = got;
                        lastQ0 = q;
                        // Every step's layer-0 sets (the cache rows both sessions appended are the same).
                        SetDiff sd = setDiff(cpu.decodePositions(0), dev.decodePositions(0), cpu.cache(), q, qHeads,
                                kvHeads, headDim);
                        if (sd.differentRows() > 0) {
                            setsDiffer = true;
                            tieSteps++;
                            tieGap = Math.max(tieGap, sd.largestGap());
                            if (firstTie == null) firstTie = sd.describe("decode step " + (step + 1) + " of " + steps);
                        }
                    }
                }
            }
            KvCache a = cpu.cache();
            KvCache c = dev.exportCache();
            boolean equal = true;
            for (int layer = 0; layer < layers && equal; layer++) {
                for (int s = 0; s < batch && equal; s++) {
                    equal = a.length(layer, s) == c.length(layer, s);
                    for (int g = 0; g < kvHeads && equal; g++) {
                        equal = Arrays.equals(a.liveKeys(layer, s, g).toFloatArray(), c.liveKeys(layer, s, g).toFloatArray())
                                && Arrays.equals(a.liveValues(layer, s, g).toFloatArray(), c.liveValues(layer, s, g).toFloatArray());
                    }
                }
            }
            // Layer 0 is dense: both sessions' last layer-0 outputs against float64 attention over the exported cache.
            double errCpu = 0, errDev = 0;
            int r = qHeads / kvHeads;
            double scale = 1.0 / Math.sqrt(headDim);
            for (int s = 0; s < batch; s++) {
                int n = c.length(0, s);
                for (int h = 0; h < qHeads; h++) {
                    float[] keys = c.liveKeys(0, s, h / r).toFloatArray();
                    float[] vals = c.liveValues(0, s, h / r).toFloatArray();
                    double[] logit = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        double dot = 0;
                        for (int e = 0; e < headDim; e++) {
                            dot += (double) lastQ0.getFlat(((long) s * qHeads + h) * headDim + e) * keys[j * headDim + e];
                        }
                        logit[j] = dot * scale;
                        max = Math.max(max, logit[j]);
                    }
                    double sum = 0;
                    double[] o = new double[headDim];
                    for (int j = 0; j < n; j++) {
                        double w = Math.exp(logit[j] - max);
                        sum += w;
                        for (int e = 0; e < headDim; e++) o[e] += w * vals[j * headDim + e];
                    }
                    for (int e = 0; e < headDim; e++) {
                        int i = (s * qHeads + h) * headDim + e;
                        errCpu = Math.max(errCpu, Math.abs(lastCpu0[i] - o[e] / sum));
                        errDev = Math.max(errDev, Math.abs(lastDev0[i] - o[e] / sum));
                    }
                }
            }
            String setReport = firstTie != null ? firstTie
                    : "layer-0 index sets of all " + steps + " decode steps: equal in every row";
            return new Result(worst, equal, calls, errCpu, errDev, byLayer, setReport, outsideTies, tieSteps, tieGap);
        }
    }

    /**
     * Layer 0's index sets of the last decode step, CPU session against device session: how many (b, g) rows
     * and positions differ, and how far each differing position's float64 pooled score (post-softmax, summed
     * over the group's query heads) lies from the row's k-th largest, relative to it. A gap near float
     * rounding (1e-7..1e-6) means a near-tie at the k-th score decided differently, not a wrong set.
     */
    static String compareLayer0Sets(int[][][] cpuSets, int[][][] devSets, KvCache cache, Tensor q, int qHeads,
                                    int kvHeads, int headDim) {
        return setDiff(cpuSets, devSets, cache, q, qHeads, kvHeads, headDim).describe("the last step");
    }

    /** The comparison behind {@link #compareLayer0Sets}. */
    static SetDiff setDiff(int[][][] cpuSets, int[][][] devSets, KvCache cache, Tensor q, int qHeads,
                           int kvHeads, int headDim) {
        int r = qHeads / kvHeads;
        int rows = 0, differentRows = 0, differentPositions = 0;
        double largestGap = 0, smallestGap = Double.POSITIVE_INFINITY;
        double scale = 1.0 / Math.sqrt(headDim);
        for (int s = 0; s < cpuSets.length; s++) {
            int n = cache.length(0, s);
            for (int g = 0; g < kvHeads; g++) {
                rows++;
                int[] a = cpuSets[s][g], d = devSets[s][g];
                if (Arrays.equals(a, d)) continue;
                differentRows++;
                float[] keys = cache.liveKeys(0, s, g).toFloatArray();
                double[] pooled = new double[n];
                for (int h = g * r; h < (g + 1) * r; h++) {
                    double[] logit = new double[n];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < n; j++) {
                        double dot = 0;
                        for (int e = 0; e < headDim; e++) {
                            dot += (double) q.getFlat(((long) s * qHeads + h) * headDim + e) * keys[j * headDim + e];
                        }
                        logit[j] = dot * scale;
                        max = Math.max(max, logit[j]);
                    }
                    for (int j = 0; j < n; j++) sum += Math.exp(logit[j] - max);
                    for (int j = 0; j < n; j++) pooled[j] += Math.exp(logit[j] - max) / sum;
                }
                double[] sorted = pooled.clone();
                Arrays.sort(sorted);
                double kth = sorted[n - a.length];
                java.util.Set<Integer> inCpu = new java.util.HashSet<>(), inDev = new java.util.HashSet<>();
                for (int p : a) inCpu.add(p);
                for (int p : d) inDev.add(p);
                for (int p : a) {
                    if (!inDev.contains(p)) {
                        differentPositions++;
                        double gap = Math.abs(pooled[p] - kth) / kth;
                        largestGap = Math.max(largestGap, gap);
                        smallestGap = Math.min(smallestGap, gap);
                    }
                }
                for (int p : d) {
                    if (p < 0 || p >= n) {
                        differentPositions++;
                        largestGap = Double.POSITIVE_INFINITY;
                    } else if (!inCpu.contains(p)) {
                        differentPositions++;
                        double gap = Math.abs(pooled[p] - kth) / kth;
                        largestGap = Math.max(largestGap, gap);
                        smallestGap = Math.min(smallestGap, gap);
                    }
                }
            }
        }
        return new SetDiff(rows, differentRows, differentPositions, smallestGap, largestGap);
    }

    private static Tensor random(Arena arena, Random rnd, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        for (long i = 0; i < t.size(); i++) t.setFlat(i, (float) rnd.nextGaussian());
        return t;
    }
}
