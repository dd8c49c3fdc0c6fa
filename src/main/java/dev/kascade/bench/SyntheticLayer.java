package dev.kascade.bench;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;

/**
 * One layer of a {@link SyntheticWorkload}: its heavy-key masks and directions, and the rows made from them.
 * Rows are pure functions of (layer, sequence, head, position), so fills run in parallel and a layer can be
 * regenerated at will instead of kept.
 *
 * <p>Layouts of the fills: keys and values {@code [batch][kvHeads][n][d]}, decode queries
 * {@code [batch][qHeads][d]} (position {@code n - 1}), prefill queries {@code [batch][qHeads][T][d]}
 * (position {@code t}), the layouts of the cpu package. Other layouts use the row methods.
 */
public final class SyntheticLayer {
    /** Positions per parallel work item of a fill. */
    private static final int FILL_BLOCK = 512;
    /** A thread that is never started: only asked about, to tell shared memory from thread-confined memory. */
    private static final Thread OTHER_THREAD = Thread.ofPlatform().unstarted(() -> { });

    private final WorkloadSpec spec;
    private final int layer;
    private final boolean[][] heavy;   // [b * G + g][n]
    private final float[][] direction; // [b * G + g][d], unit length
    private final float alpha;

    SyntheticLayer(SyntheticWorkload w, int layer) {
        this.spec = w.spec();
        this.layer = layer;
        this.alpha = w.alpha();
        int groups = spec.batch() * spec.kvHeads();
        heavy = new boolean[groups][];
        direction = new float[groups][];
        for (int b = 0; b < spec.batch(); b++) {
            for (int g = 0; g < spec.kvHeads(); g++) {
                boolean[] mask = new boolean[spec.context()];
                for (int p : w.heavyPositions(layer, b, g)) mask[p] = true;
                heavy[b * spec.kvHeads() + g] = mask;
                direction[b * spec.kvHeads() + g] = unitDirection(b, g);
            }
        }
    }

    public int index() {
        return layer;
    }

    public WorkloadSpec spec() {
        return spec;
    }

    /** True when key {@code pos} of (b, g) is heavy on this layer. */
    public boolean isHeavy(int b, int g, int pos) {
        return heavy[b * spec.kvHeads() + g][pos];
    }

    /** Key row: unit noise, plus {@code alpha * u(l,b,g)} on heavy positions. */
    public void keyRow(int b, int g, int pos, float[] out) {
        int d = spec.headDim();
        java.util.Arrays.fill(out, 0, d, 0f);
        if (heavy[b * spec.kvHeads() + g][pos]) {
            float[] u = direction[b * spec.kvHeads() + g];
            for (int i = 0; i < d; i++) out[i] = alpha * u[i];
        }
        new SplitMix(SplitMix.key(spec.seed(), SyntheticWorkload.TAG_KEY, layer, b, g, pos)).addNoise(out, d, 1f);
    }

    /** Value row: unit noise only (zero mean, so output errors are not hidden by a shared component). */
    public void valueRow(int b, int g, int pos, float[] out) {
        java.util.Arrays.fill(out, 0, spec.headDim(), 0f);
        new SplitMix(SplitMix.key(spec.seed(), SyntheticWorkload.TAG_VALUE, layer, b, g, pos)).addNoise(out, spec.headDim(), 1f);
    }

    /** Query row of query head {@code h} at position {@code pos}: {@code beta * u(l,b,h/r) + noise}. */
    public void queryRow(int b, int h, int pos, float[] out) {
        int d = spec.headDim();
        float[] u = direction[b * spec.kvHeads() + h / spec.groupSize()];
        for (int i = 0; i < d; i++) out[i] = alpha * u[i];
        new SplitMix(SplitMix.key(spec.seed(), SyntheticWorkload.TAG_QUERY, layer, b, h, pos)).addNoise(out, d, 1f);
    }

    /** Fills {@code k} of shape {@code [batch][kvHeads][n][d]} with this layer's keys. */
    public void fillKeys(Tensor k) {
        fillCache(k, "k", true);
    }

    /** Fills {@code v} of shape {@code [batch][kvHeads][n][d]} with this layer's values. */
    public void fillValues(Tensor v) {
        fillCache(v, "v", false);
    }

    /** Fills {@code q} of shape {@code [batch][qHeads][d]}: the decode query at position {@code n - 1}. */
    public void fillDecodeQueries(Tensor q) {
        int d = spec.headDim();
        q.requireShape("q", spec.batch(), spec.qHeads(), d);
        float[] row = new float[d];
        for (int b = 0; b < spec.batch(); b++) {
            for (int h = 0; h < spec.qHeads(); h++) {
                queryRow(b, h, spec.context() - 1, row);
                store(q, ((long) b * spec.qHeads() + h) * d, row, new short[d]);
            }
        }
    }

    /** Fills {@code q} of shape {@code [batch][qHeads][T][d]} with prefill queries at positions 0..T-1. */
    public void fillPrefillQueries(Tensor q) {
        int d = spec.headDim();
        if (q.rank() != 4) throw new IllegalArgumentException("q: expected shape [batch][qHeads][T][d] but got rank " + q.rank());
        int t = (int) q.dim(2);
        q.requireShape("q", spec.batch(), spec.qHeads(), t, d);
        if (t > spec.context()) {
            throw new IllegalArgumentException("q: " + t + " prefill positions exceed the context " + spec.context());
        }
        int blocks = (t + FILL_BLOCK - 1) / FILL_BLOCK;
        items(q, spec.batch() * blocks).forEach(item -> {
            int b = item / blocks;
            int from = (item % blocks) * FILL_BLOCK;
            float[] row = new float[d];
            short[] half = new short[d];
            for (int pos = from; pos < Math.min(t, from + FILL_BLOCK); pos++) {
                for (int h = 0; h < spec.qHeads(); h++) {
                    queryRow(b, h, pos, row);
                    store(q, (((long) b * spec.qHeads() + h) * t + pos) * d, row, half);
                }
            }
        });
    }

    // Parallel split: one work item per (b, g, block of 512 positions); each row is generated in a thread-local
    // buffer and copied once into the tensor (d * byteSize bytes written per row, nothing read).
    private void fillCache(Tensor t, String name, boolean keys) {
        int d = spec.headDim();
        int n = spec.context();
        t.requireShape(name, spec.batch(), spec.kvHeads(), n, d);
        int blocks = (n + FILL_BLOCK - 1) / FILL_BLOCK;
        int groups = spec.batch() * spec.kvHeads();
        items(t, groups * blocks).forEach(item -> {
            int bg = item / blocks;
            int b = bg / spec.kvHeads();
            int g = bg % spec.kvHeads();
            int from = (item % blocks) * FILL_BLOCK;
            float[] row = new float[d];
            short[] half = new short[d];
            for (int pos = from; pos < Math.min(n, from + FILL_BLOCK); pos++) {
                if (keys) keyRow(b, g, pos, row);
                else valueRow(b, g, pos, row);
                store(t, ((long) bg * n + pos) * d, row, half);
            }
        });
    }

    /**
     * Work items 0..count-1, in parallel when the tensor's memory may be touched from other threads (a shared,
     * global or automatic arena); a confined arena's memory is filled on the calling thread.
     */
    private static IntStream items(Tensor t, int count) {
        IntStream s = IntStream.range(0, count);
        return t.segment().isAccessibleBy(OTHER_THREAD) ? s.parallel() : s;
    }

    /** Copies one row into {@code t} at element offset {@code at}, converting to its storage type. */
    private static void store(Tensor t, long at, float[] row, short[] half) {
        int d = row.length;
        MemorySegment seg = t.segment();
        DType dt = t.dtype();
        if (dt == DType.F32) {
            MemorySegment.copy(row, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, at * 4, d);
            return;
        }
        for (int i = 0; i < d; i++) {
            half[i] = dt == DType.BF16 ? DType.floatToBf16(row[i]) : Float.floatToFloat16(row[i]);
        }
        MemorySegment.copy(half, 0, seg, ValueLayout.JAVA_SHORT_UNALIGNED, at * 2, d);
    }

    private float[] unitDirection(int b, int g) {
        int d = spec.headDim();
        float[] u = new float[d];
        new SplitMix(SplitMix.key(spec.seed(), SyntheticWorkload.TAG_DIR, layer, b, g, 0)).addNoise(u, d, 1f);
        double norm = 0;
        for (float x : u) norm += (double) x * x;
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < d; i++) u[i] *= inv;
        return u;
    }
}
