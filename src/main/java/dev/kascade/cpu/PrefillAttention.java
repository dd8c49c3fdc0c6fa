package dev.kascade.cpu;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Causal prefill attention on the CPU, tile by tile: the dense baseline and the per-tile primitives
 * Kascade prefill is built from (scores of a tile over the keys before it; attention of a tile over a
 * key list plus its own causal diagonal block).
 *
 * <p>Shapes: {@code q [batch][qHeads][T][d]} (any dtype); K, V {@code [batch][kvHeads][capacity][d]} (any
 * dtype) already holding the new tokens; {@code lengths[b]} visible positions after the append;
 * {@code qLens[b] <= T} new tokens of sequence b (variable-length prefill): query row {@code t < qLens[b]}
 * is the token at position {@code lengths[b] - qLens[b] + t}; rows {@code t >= qLens[b]} are padding
 * and their output is zero. Output {@code out [batch][qHeads][T][d]} f32.
 *
 * <p>Tiles: the new tokens of a sequence are cut into tiles of {@code tile} consecutive tokens from
 * its first new token; a tile starting at absolute position {@code s} sees keys {@code [0, s)} (its
 * prefix) and, causally, its own tokens. One unit of work = (b, KV head g, tile): its
 * {@code R = r * tileLength} query rows (row {@code hh * tileLength + t} is query head {@code g*r + hh},
 * token t) are computed together, so every key row converted to f32 serves all R rows.
 *
 * <p>Per key block of {@link BlockMath#BLOCK}: K rows converted and transposed to {@code [d][BLOCK]},
 * logits by a 4x2L register-blocked micro-kernel, online softmax per row, V rows converted, P.V. Memory
 * traffic per unit: the K/V rows of its key list once (L1/L2-resident scratch otherwise); compute
 * {@code 4 R d} flops per key.
 *
 * <p>Not thread-safe; scratch per worker is allocated once.
 */
public final class PrefillAttention {
    private final CpuPool pool;
    private final int batch;
    private final int qHeads;
    private final int kvHeads;
    private final int headDim;
    private final int group;
    private final int tile;
    private final int maxRows;
    private final float[][] qTile;
    private final float[][] keyBlock;
    private final float[][] valueBlock;
    private final float[][] block;
    private final float[][] rowMax;
    private final float[][] rowSum;
    private final float[][] acc;
    private final float[][] rowScratch;
    private final CpuPool.Job denseJob = this::denseTask;
    private final int[] allTokens;

    // per call (prepare)
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Tensor out;
    private int[] lengths;
    private int[] qLens;
    private int steps;
    private int[] unitB = new int[0];
    private int[] unitG = new int[0];
    private int[] unitTile = new int[0];
    private int units;

    /** Scratch for one shape; {@code tile} query tokens per tile (32 in the paper). */
    public PrefillAttention(CpuPool pool, int batch, int qHeads, int kvHeads, int headDim, int tile) {
        if (pool == null) throw new IllegalArgumentException("pool: expected a CpuPool but got null");
        if (batch <= 0) throw new IllegalArgumentException("batch: expected > 0 but got " + batch);
        if (kvHeads <= 0 || qHeads <= 0 || qHeads % kvHeads != 0) {
            throw new IllegalArgumentException("qHeads: expected a positive multiple of kvHeads (" + kvHeads + ") but got " + qHeads);
        }
        if (headDim <= 0 || headDim > 256) throw new IllegalArgumentException("headDim: expected 1..256 but got " + headDim);
        if (tile <= 0) throw new IllegalArgumentException("tile: expected > 0 but got " + tile);
        this.pool = pool;
        this.batch = batch;
        this.qHeads = qHeads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.group = qHeads / kvHeads;
        this.tile = tile;
        this.maxRows = group * tile;
        this.allTokens = new int[batch];
        int w = pool.parallelism();
        qTile = new float[w][maxRows * headDim];
        keyBlock = new float[w][BlockMath.BLOCK * headDim];
        valueBlock = new float[w][BlockMath.BLOCK * headDim];
        block = new float[w][maxRows * BlockMath.BLOCK];
        rowMax = new float[w][maxRows];
        rowSum = new float[w][maxRows];
        acc = new float[w][maxRows * headDim];
        rowScratch = new float[w][headDim];
    }

    public CpuPool pool() {
        return pool;
    }

    public int tile() {
        return tile;
    }

    /** Query rows of the largest unit: {@code r * tile}. */
    public int maxRows() {
        return maxRows;
    }

    /**
     * Validates and remembers one call's tensors; zeroes the padding rows of {@code out}.
     * {@code qLens} null means every sequence has T new tokens.
     */
    public void prepare(Tensor q, Tensor k, Tensor v, int[] lengths, int[] qLens, Tensor out) {
        if (q == null || q.rank() != 4 || q.dim(0) != batch || q.dim(1) != qHeads || q.dim(3) != headDim) {
            throw new IllegalArgumentException("q: expected shape [" + batch + "][" + qHeads + "][T][" + headDim + "] but got "
                    + (q == null ? "null" : Arrays.toString(q.shape())));
        }
        int t = (int) q.dim(2);
        if (k == null || k.rank() != 4 || k.dim(0) != batch || k.dim(1) != kvHeads || k.dim(3) != headDim) {
            throw new IllegalArgumentException("k: expected shape [" + batch + "][" + kvHeads + "][capacity][" + headDim
                    + "] but got " + (k == null ? "null" : Arrays.toString(k.shape())));
        }
        if (v == null) throw new IllegalArgumentException("v: expected a value cache tensor but got null");
        v.requireShape("v", k.shape());
        if (out == null) throw new IllegalArgumentException("out: expected an f32 tensor but got null");
        out.requireShape("out", batch, qHeads, t, headDim);
        if (out.dtype() != DType.F32) throw new IllegalArgumentException("out: expected dtype f32 but got " + out.dtype().label());
        if (lengths == null || lengths.length != batch) {
            throw new IllegalArgumentException("lengths: expected " + batch + " entries but got " + (lengths == null ? "null" : lengths.length));
        }
        int[] ql = qLens;
        if (ql == null) {
            ql = allTokens; // reused: steady-state calls allocate nothing
            Arrays.fill(ql, t);
        }
        if (ql.length != batch) throw new IllegalArgumentException("qLens: expected " + batch + " entries but got " + ql.length);
        for (int b = 0; b < batch; b++) {
            if (ql[b] < 0 || ql[b] > t) {
                throw new IllegalArgumentException("qLens[" + b + "] = " + ql[b] + ": expected 0.." + t + " (T, the query tensor's token dimension)");
            }
            if (lengths[b] < ql[b] || lengths[b] > k.dim(2)) {
                throw new IllegalArgumentException("lengths[" + b + "] = " + lengths[b] + ": expected " + ql[b] + ".." + k.dim(2)
                        + " (the new tokens must already be in the cache, within its capacity)");
            }
        }
        this.q = q;
        this.k = k;
        this.v = v;
        this.out = out;
        this.lengths = lengths;
        this.qLens = ql;
        this.steps = t;
        for (int b = 0; b < batch; b++) {
            if (ql[b] < t) {
                for (int h = 0; h < qHeads; h++) {
                    long from = (((long) b * qHeads + h) * t + ql[b]) * headDim * 4L;
                    long to = (((long) b * qHeads + h) * t + t) * headDim * 4L;
                    out.segment().asSlice(from, to - from).fill((byte) 0);
                }
            }
        }
        buildUnits();
    }

    /** Drops the references taken by {@link #prepare}. */
    public void release() {
        q = k = v = out = null;
        lengths = qLens = null;
    }

    /** New tokens of sequence b in the current call ({@code qLens[b]}, or T when qLens was null). */
    public int newTokens(int b) {
        return qLens[b];
    }

    /** Tiles of sequence b in the current call. */
    public int tiles(int b) {
        return (qLens[b] + tile - 1) / tile;
    }

    /** Absolute position of the first token of tile {@code i} of sequence b. */
    public int tileStart(int b, int i) {
        return lengths[b] - qLens[b] + i * tile;
    }

    /** Tokens in tile {@code i} of sequence b. */
    public int tileLength(int b, int i) {
        return Math.min(tile, qLens[b] - i * tile);
    }

    /** Units (b, g, tile) of the current call, heaviest (latest tile) first. */
    public int units() {
        return units;
    }

    public int unitBatch(int u) {
        return unitB[u];
    }

    public int unitHead(int u) {
        return unitG[u];
    }

    public int unitTile(int u) {
        return unitTile[u];
    }

    /** Rough multiply-adds of dense causal attention for the current call (to skip the pool on tiny calls). */
    public long work() {
        long w = 0;
        for (int b = 0; b < batch; b++) {
            w += (long) qLens[b] * lengths[b];
        }
        return w * qHeads * headDim * 2;
    }

    /** True when the memory of the current call may be read by the pool's workers. */
    public boolean shareable() {
        return pool.canShare(q.segment()) && pool.canShare(k.segment()) && pool.canShare(v.segment())
                && pool.canShare(out.segment());
    }

    private void buildUnits() {
        int maxTiles = 0;
        int n = 0;
        for (int b = 0; b < batch; b++) {
            maxTiles = Math.max(maxTiles, tiles(b));
            n += tiles(b) * kvHeads;
        }
        if (unitB.length < n) {
            unitB = new int[n];
            unitG = new int[n];
            unitTile = new int[n];
        }
        int u = 0;
        for (int i = maxTiles - 1; i >= 0; i--) {
            for (int b = 0; b < batch; b++) {
                if (i >= tiles(b)) continue;
                for (int g = 0; g < kvHeads; g++) {
                    unitB[u] = b;
                    unitG[u] = g;
                    unitTile[u] = i;
                    u++;
                }
            }
        }
        units = u;
    }

    /** Dense causal prefill of the whole call (the baseline; also decode-only Kascade's prefill). */
    public void dense(Tensor q, Tensor k, Tensor v, int[] lengths, int[] qLens, Tensor out) {
        prepare(q, k, v, lengths, qLens, out);
        try {
            if (shareable()) pool.run(units, denseJob, work());
            else pool.runInline(units, denseJob);
        } finally {
            release();
        }
    }

    private void denseTask(int u, int worker) {
        tileAttention(worker, unitB[u], unitG[u], unitTile[u], null, 0, 0);
    }

    /** Fills the unit's query rows, scaled by 1/sqrt(d); returns the row count R. */
    private int loadQueries(int worker, int b, int g, int i) {
        int tl = tileLength(b, i);
        float[] qt = qTile[worker];
        long rowBytes = (long) headDim * q.dtype().byteSize();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int hh = 0; hh < group; hh++) {
            int h = g * group + hh;
            for (int t = 0; t < tl; t++) {
                long row = ((long) b * qHeads + h) * steps + i * tile + t;
                int dst = (hh * tl + t) * headDim;
                Rows.toFloat(q.dtype(), q.segment(), row * rowBytes, headDim, qt, dst);
                BlockMath.scale(qt, dst, headDim, scale);
            }
        }
        return group * tl;
    }

    /**
     * Anchor pass 1 for one unit: logits of its R rows over the keys {@code [0, s)} before the tile,
     * written to {@code logits[row * stride + j]}, and each row's log-sum-exp over them to
     * {@code lse[row]}. Returns R. Requires {@code s >= 1}.
     */
    public int tileScores(int worker, int b, int g, int i, float[] logits, int stride, float[] lse) {
        int rows = loadQueries(worker, b, g, i);
        int s = tileStart(b, i);
        if (s > stride) throw new IllegalArgumentException("stride: " + stride + " < tile start " + s);
        float[] m = rowMax[worker];
        float[] l = rowSum[worker];
        float[] sb = block[worker];
        Arrays.fill(m, 0, rows, Float.NEGATIVE_INFINITY);
        Arrays.fill(l, 0, rows, 0f);
        DType kt = k.dtype();
        long rowBytes = (long) headDim * kt.byteSize();
        long base = ((long) b * kvHeads + g) * k.dim(2) * rowBytes;
        for (int j0 = 0; j0 < s; j0 += BlockMath.BLOCK) {
            int nb = Math.min(BlockMath.BLOCK, s - j0);
            Rows.gatherTransposed(kt, k.segment(), base, rowBytes, headDim, j0, null, 0, nb, keyBlock[worker],
                    BlockMath.BLOCK, rowScratch[worker]);
            BlockMath.logitsTransposed(qTile[worker], 0, rows, headDim, keyBlock[worker], sb);
            for (int row = 0; row < rows; row++) {
                System.arraycopy(sb, row * BlockMath.BLOCK, logits, row * stride + j0, nb);
                if (nb < BlockMath.BLOCK) {
                    Arrays.fill(sb, row * BlockMath.BLOCK + nb, (row + 1) * BlockMath.BLOCK, Float.NEGATIVE_INFINITY);
                }
                BlockMath.softmaxStep(sb, row, m, l, 0, null, 0, headDim);
            }
        }
        for (int row = 0; row < rows; row++) {
            lse[row] = (float) (m[row] + Math.log(l[row]));
        }
        return rows;
    }

    /**
     * Attention of one unit over a key list plus its causal diagonal block, softmax over the union;
     * writes the unit's output rows. The key list is {@code positions[posOff .. posOff+count)} (all
     * before the tile), or the whole prefix {@code [0, s)} when {@code positions} is null.
     */
    public void tileAttention(int worker, int b, int g, int i, int[] positions, int posOff, int count) {
        int rows = loadQueries(worker, b, g, i);
        int tl = tileLength(b, i);
        int s = tileStart(b, i);
        int d = headDim;
        float[] m = rowMax[worker];
        float[] l = rowSum[worker];
        float[] a = acc[worker];
        float[] sb = block[worker];
        float[] kt = keyBlock[worker];
        float[] vb = valueBlock[worker];
        Arrays.fill(m, 0, rows, Float.NEGATIVE_INFINITY);
        Arrays.fill(l, 0, rows, 0f);
        Arrays.fill(a, 0, rows * d, 0f);
        DType kType = k.dtype();
        DType vType = v.dtype();
        long kRow = (long) d * kType.byteSize();
        long vRow = (long) d * vType.byteSize();
        long unitRow = ((long) b * kvHeads + g) * k.dim(2);
        int listLength = positions == null ? s : count;
        for (int j0 = 0; j0 < listLength; j0 += BlockMath.BLOCK) {
            int nb = Math.min(BlockMath.BLOCK, listLength - j0);
            Rows.gatherTransposed(kType, k.segment(), unitRow * kRow, kRow, d, j0, positions, posOff + j0, nb, kt,
                    BlockMath.BLOCK, rowScratch[worker]);
            BlockMath.logitsTransposed(qTile[worker], 0, rows, d, kt, sb);
            for (int row = 0; row < rows; row++) {
                if (nb < BlockMath.BLOCK) {
                    Arrays.fill(sb, row * BlockMath.BLOCK + nb, (row + 1) * BlockMath.BLOCK, Float.NEGATIVE_INFINITY);
                }
                BlockMath.softmaxStep(sb, row, m, l, 0, a, row * d, d);
            }
            Rows.gather(vType, v.segment(), unitRow * vRow, vRow, d, j0, positions, posOff + j0, nb, vb);
            BlockMath.accumulate(sb, rows, vb, nb, d, a, 0);
        }
        // Diagonal block: the tile's own tokens, key s + j visible to token t when j <= t.
        for (int j0 = 0; j0 < tl; j0 += BlockMath.BLOCK) {
            int nb = Math.min(BlockMath.BLOCK, tl - j0);
            Rows.gatherTransposed(kType, k.segment(), unitRow * kRow, kRow, d, s + j0, null, 0, nb, kt,
                    BlockMath.BLOCK, rowScratch[worker]);
            BlockMath.logitsTransposed(qTile[worker], 0, rows, d, kt, sb);
            for (int row = 0; row < rows; row++) {
                int t = row % tl;
                int visible = Math.max(0, Math.min(nb, t - j0 + 1));
                Arrays.fill(sb, row * BlockMath.BLOCK + visible, (row + 1) * BlockMath.BLOCK, Float.NEGATIVE_INFINITY);
                BlockMath.softmaxStep(sb, row, m, l, 0, a, row * d, d);
            }
            Rows.gather(vType, v.segment(), unitRow * vRow, vRow, d, s + j0, null, 0, nb, vb);
            BlockMath.accumulate(sb, rows, vb, nb, d, a, 0);
        }
        MemorySegment o = out.segment();
        for (int row = 0; row < rows; row++) {
            int hh = row / tl;
            int t = row % tl;
            BlockMath.scale(a, row * d, d, 1f / l[row]);
            long dst = ((((long) b * qHeads + g * group + hh) * steps) + i * tile + t) * d * 4L;
            MemorySegment.copy(a, row * d, o, ValueLayout.JAVA_FLOAT_UNALIGNED, dst, d);
        }
    }
}
