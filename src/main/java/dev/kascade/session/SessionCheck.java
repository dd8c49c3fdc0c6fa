package dev.kascade.session;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.Budget;
import dev.kascade.algorithm.KascadeConfig;
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
    /** Largest |device - cpu| over all decode outputs, and whether the exported caches hold the same bytes. */
    public record Result(double maxDifference, boolean cachesEqual, int decodeCalls, double layer0CpuError,
                         double layer0DeviceError, double[] maxDifferenceByLayer, String layer0SetReport) {
        /** Outputs within {@code tolerance} and equal caches. */
        public boolean passed(double tolerance) {
            return maxDifference <= tolerance && cachesEqual;
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
                for (int layer = 0; layer < layers; layer++) {
                    Tensor q = random(arena, rnd, batch, qHeads, headDim);
                    Tensor k = random(arena, rnd, batch, kvHeads, headDim);
                    Tensor v = random(arena, rnd, batch, kvHeads, headDim);
                    float[] want = cpu.decode(layer, q, k, v).toFloatArray();
                    float[] got = dev.decode(layer, q, k, v).toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        worst = Math.max(worst, Math.abs(want[i] - got[i]));
                        byLayer[layer] = Math.max(byLayer[layer], Math.abs(want[i] - got[i]));
                    }
                    calls++;
                    if (layer == 0) {
                        lastCpu0 = want;
                        lastDev0 = got;
                        lastQ0 = q;
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
            String setReport = compareLayer0Sets(cpu.decodePositions(0), dev.decodePositions(0), c, lastQ0, qHeads,
                    kvHeads, headDim);
            return new Result(worst, equal, calls, errCpu, errDev, byLayer, setReport);
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
        if (differentRows == 0) return "layer-0 index sets of the last step: all " + rows + " rows equal";
        return String.format("layer-0 index sets of the last step: %d of %d rows differ, %d positions in only one"
                        + " session; |pooled - k-th| / k-th (float64) of those positions: %.3g .. %.3g",
                differentRows, rows, differentPositions, smallestGap, largestGap);
    }

    private static Tensor random(Arena arena, Random rnd, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        for (long i = 0; i < t.size(); i++) t.setFlat(i, (float) rnd.nextGaussian());
        return t;
    }
}
