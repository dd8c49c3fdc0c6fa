package dev.kascade.kernels.attention;

import dev.kascade.algorithm.Budget;
import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.KernelLauncher;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One decode role run through a launcher on fresh random inputs (never zeros) and compared with
 * {@link DecodeReference}: outputs within {@code abs + rel * |expected|}, and for layer 0 and anchors the
 * pooled scores against float64 pooling and every index set equal to the sort-based top-k of the kernel's own
 * pooled scores. Used by {@code kascade decode-check} to accept the kernels on a GPU.
 */
public final class DecodeCheck {
    private DecodeCheck() {
    }

    /** Output tolerance: f32 accumulation and the GPU's approximate exp2/log2. */
    public static final double ABS = 1e-4;
    public static final double REL = 1e-3;

    /** The role a case runs. */
    public enum Role { DENSE, LAYER0, ANCHOR, REUSE }

    /** A role on a shape. */
    public record Case(Role role, DecodeShape shape, DType dtype, int[] lengths, Budget budget) {
        public String label() {
            return String.format("%-6s %-4s d%-3d %2d/%-2d b%d n=%s", role.name().toLowerCase(java.util.Locale.ROOT),
                    dtype.label(), shape.headDim(), shape.qHeads(), shape.kvHeads(), shape.batch(),
                    Arrays.toString(lengths).replace(" ", ""));
        }
    }

    /**
     * What a case found: the largest output error in units of the tolerance (at most 1 passes), index-set rows
     * that differ, and a line of detail.
     */
    public record Result(Case c, double maxError, int badSetRows, boolean passed, String detail) {
    }

    /** Cases sized for a GPU: several splits per row, lengths off the kernel steps, every role, d, r and type. */
    public static List<Case> gpuCases() {
        DecodeShape llama = new DecodeShape(3, 32, 8, 128, 4099);
        int[] three = {4099, 2500, 777};
        DecodeShape wide = new DecodeShape(20, 32, 8, 128, 1537);
        int[] twenty = new int[20];
        for (int b = 0; b < twenty.length; b++) twenty[b] = 1537 - 71 * b; // 1537 down to 188, none a multiple of 64
        DecodeShape batch64 = new DecodeShape(64, 32, 8, 128, 1100);
        int[] sixtyFour = new int[64];
        for (int b = 0; b < sixtyFour.length; b++) sixtyFour[b] = 1099 - 11 * b; // 1099 down to 406
        DecodeShape wholeRows = new DecodeShape(32, 32, 8, 128, 13001);
        int[] thirtyTwo = new int[32];
        for (int b = 0; b < thirtyTwo.length; b++) thirtyTwo[b] = 13001 - 97 * b; // 13001 down to 9994
        return List.of(
                new Case(Role.DENSE, llama, DType.BF16, three, Budget.PAPER),
                new Case(Role.LAYER0, llama, DType.BF16, three, Budget.PAPER),
                new Case(Role.ANCHOR, llama, DType.F16, three, Budget.PAPER),
                new Case(Role.REUSE, llama, DType.BF16, three, Budget.PAPER),
                new Case(Role.DENSE, new DecodeShape(2, 8, 8, 64, 3001), DType.F16, new int[] {3001, 1500}, Budget.PAPER),
                new Case(Role.ANCHOR, new DecodeShape(1, 8, 1, 256, 2049), DType.BF16, new int[] {2049}, Budget.PAPER),
                new Case(Role.DENSE, new DecodeShape(1, 16, 1, 128, 1000), DType.BF16, new int[] {1000}, Budget.PAPER),
                // 160 rows (sequence x KV head) >= 132 SMs: the tensor-core kernel's cases (GpuDecode.usesTensorCores)
                new Case(Role.DENSE, wide, DType.BF16, twenty, Budget.PAPER),
                new Case(Role.LAYER0, wide, DType.F16, twenty, Budget.PAPER),
                new Case(Role.REUSE, wide, DType.BF16, twenty, Budget.PAPER),
                // 512 rows, the bar's batch, unequal lengths: dense in 5 splits per row, reuse's 128-key sets in one
                // (written in place, no merge)
                new Case(Role.DENSE, batch64, DType.BF16, sixtyFour, Budget.PAPER),
                new Case(Role.REUSE, batch64, DType.F16, sixtyFour, Budget.PAPER),
                // 256 rows of up to 13001 keys: dense takes one three-stage split per row (GpuDecode.wholeRows)
                new Case(Role.DENSE, wholeRows, DType.BF16, thirtyTwo, Budget.PAPER));
    }

    /** Cases small enough for the CPU emulator (one virtual thread per GPU thread). */
    public static List<Case> emulatorCases() {
        DecodeShape small = new DecodeShape(2, 4, 1, 64, 260);
        int[] two = {260, 100};
        Budget half = new Budget(0.5, 128, 1);
        return List.of(
                new Case(Role.DENSE, small, DType.BF16, two, half),
                new Case(Role.LAYER0, small, DType.F16, two, half),
                new Case(Role.ANCHOR, new DecodeShape(1, 8, 2, 128, 300), DType.BF16, new int[] {299}, Budget.PAPER),
                new Case(Role.REUSE, small, DType.BF16, two, half),
                // three rows: on one SM's two blocks the stream-K grid (kascade.decode.streamK) cuts row 1 at key 128
                new Case(Role.DENSE, new DecodeShape(3, 4, 1, 64, 260), DType.F16, new int[] {260, 199, 65}, half));
    }

    /**
     * Runs {@code c} through {@code launcher}. The split planner is sized for {@code smCount} SMs, 16 blocks each,
     * and {@code minKeysPerSplit} keys.
     */
    public static Result run(Case c, KernelLauncher launcher, long seed, int smCount, int minKeysPerSplit) {
        return run(c, launcher, seed, smCount, minKeysPerSplit, SplitTuning.current());
    }

    /** As {@link #run(Case, KernelLauncher, long, int, int)} with the split kernel's tuning given. */
    public static Result run(Case c, KernelLauncher launcher, long seed, int smCount, int minKeysPerSplit,
                             SplitTuning tuning) {
        DecodeShape s = c.shape();
        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofShared();
             GpuDecode decode = new GpuDecode(launcher, s, c.budget(), smCount, SplitPlan.DEFAULT_BLOCKS_PER_SM,
                     minKeysPerSplit, tuning)) {
            double[] qd = new double[(int) s.queryElements()];
            F32Buffer q = F32Buffer.allocate(arena, qd.length);
            for (int i = 0; i < qd.length; i++) {
                float x = (float) (rnd.nextGaussian() * 2.5);
                q.set(i, x);
                qd[i] = x;
            }
            double[] kd = new double[(int) s.cacheElements()];
            double[] vd = new double[kd.length];
            KernelBuffer k = cache(arena, c.dtype(), kd.length);
            KernelBuffer v = cache(arena, c.dtype(), kd.length);
            for (int i = 0; i < kd.length; i++) {
                kd[i] = store(k, i, (float) rnd.nextGaussian());
                vd[i] = store(v, i, (float) (rnd.nextDouble() * 2 - 1));
            }
            // Rows past each sequence's length hold NaN: no kernel may let them reach an output (a copy of such a row
            // multiplied by p = 0 would still be NaN).
            for (int b = 0; b < s.batch(); b++) {
                for (int g = 0; g < s.kvHeads(); g++) {
                    long row0 = ((long) b * s.kvHeads() + g) * s.capacity();
                    for (long i = (row0 + c.lengths()[b]) * s.headDim(); i < (row0 + s.capacity()) * s.headDim(); i++) {
                        kd[(int) i] = store(k, i, Float.NaN);
                        vd[(int) i] = store(v, i, Float.NaN);
                    }
                }
            }
            KvLayer kv = new KvLayer(k, v);
            I32Buffer lengths = I32Buffer.allocate(arena, s.batch());
            for (int b = 0; b < s.batch(); b++) lengths.set(b, c.lengths()[b]);
            F32Buffer out = F32Buffer.allocate(arena, qd.length);
            for (int i = 0; i < qd.length; i++) out.set(i, Float.NaN); // poison: every output must be written
            DecodeReference ref = new DecodeReference(s, qd, kd, vd, c.lengths().clone());
            IndexSets sets = decode.allocateIndexSets(arena);
            int[] map = identity(s.kvHeads());
            int badRows = 0;
            switch (c.role()) {
                case DENSE -> decode.dense(q, kv, lengths, out);
                case LAYER0 -> {
                    decode.layer0(q, kv, lengths, out, sets);
                    badRows = checkSets(decode, sets, ref, c);
                }
                case ANCHOR -> {
                    decode.anchor(q, kv, lengths, out, sets);
                    badRows = checkSets(decode, sets, ref, c);
                }
                case REUSE -> {
                    fillRandomSets(sets, decode, c, rnd);
                    for (int g = 0; g < map.length; g++) map[g] = (g + 1) % map.length;
                    decode.reuse(q, kv, lengths, sets, map, out);
                }
            }
            double maxError = 0;
            String worst = "";
            boolean sparse = c.role() == Role.ANCHOR || c.role() == Role.REUSE;
            for (int b = 0; b < s.batch(); b++) {
                for (int h = 0; h < s.qHeads(); h++) {
                    int[] keys = sparse ? row(sets, s, b, map[h / s.groupSize()]) : null;
                    double[] expected = ref.attend(b, h, keys);
                    for (int e = 0; e < s.headDim(); e++) {
                        double got = out.get(((long) b * s.qHeads() + h) * s.headDim() + e);
                        double err = Math.abs(got - expected[e]);
                        double scaled = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / (ABS + REL * Math.abs(expected[e]));
                        if (scaled > maxError) {
                            maxError = scaled;
                            worst = "out[" + b + "][" + h + "][" + e + "] = " + got + ", expected " + expected[e];
                        }
                    }
                }
            }
            boolean passed = maxError <= 1 && badRows == 0;
            String detail = (badRows > 0 ? badRows + " index-set rows differ; " : "") + "worst " + worst;
            return new Result(c, maxError, badRows, passed, detail);
        }
    }

    /** Index-set rows (b, g) whose budget, pooled scores or selection disagree with the references. */
    private static int checkSets(GpuDecode decode, IndexSets sets, DecodeReference ref, Case c) {
        DecodeShape s = c.shape();
        int bad = 0;
        for (int b = 0; b < s.batch(); b++) {
            int n = c.lengths()[b];
            int k = sets.counts().get(b);
            for (int g = 0; g < s.kvHeads(); g++) {
                double[] expected = ref.pooled(b, g);
                float[] got = new float[n];
                boolean ok = k == decode.budget().keys(n);
                for (int key = 0; key < n; key++) {
                    got[key] = decode.pooledScores().get(((long) b * s.kvHeads() + g) * decode.scoreStride() + key);
                    ok &= Math.abs(got[key] - expected[key]) <= 1e-7 + REL * Math.abs(expected[key]);
                }
                if (ok) ok = Arrays.equals(DecodeReference.topK(got, n, k), row(sets, s, b, g));
                if (!ok) bad++;
            }
        }
        return bad;
    }

    /** Distinct random positions per (b, g), sorted, as many as the budget. */
    private static void fillRandomSets(IndexSets sets, GpuDecode decode, Case c, Random rnd) {
        DecodeShape s = c.shape();
        for (int b = 0; b < s.batch(); b++) {
            int n = c.lengths()[b];
            int k = decode.budget().keys(n);
            sets.counts().set(b, k);
            for (int g = 0; g < s.kvHeads(); g++) {
                int[] pick = rnd.ints(0, n).distinct().limit(k).sorted().toArray();
                for (int j = 0; j < k; j++) sets.indices().set(((long) b * s.kvHeads() + g) * sets.kMax() + j, pick[j]);
            }
        }
    }

    private static int[] row(IndexSets sets, DecodeShape s, int b, int g) {
        int k = sets.counts().get(b);
        int[] r = new int[k];
        for (int j = 0; j < k; j++) r[j] = sets.indices().get(((long) b * s.kvHeads() + g) * sets.kMax() + j);
        return r;
    }

    private static int[] identity(int n) {
        int[] m = new int[n];
        for (int i = 0; i < n; i++) m[i] = i;
        return m;
    }

    /** A bf16 or f16 KV cache buffer of {@code n} elements (the test fixtures use it too). */
    static KernelBuffer cache(Arena arena, DType dtype, long n) {
        return switch (dtype) {
            case BF16 -> BF16Buffer.allocate(arena, n);
            case F16 -> F16Buffer.allocate(arena, n);
            default -> throw new IllegalArgumentException("dtype: expected bf16 or f16 but got " + dtype.label());
        };
    }

    /** Stores {@code x} into a bf16/f16 buffer and returns the value actually stored. */
    static double store(KernelBuffer buffer, long i, float x) {
        if (buffer instanceof BF16Buffer bf) {
            bf.set(i, x);
            return bf.get(i);
        }
        F16Buffer h = (F16Buffer) buffer;
        h.set(i, x);
        return h.get(i);
    }
}
