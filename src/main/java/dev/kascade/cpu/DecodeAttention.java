package dev.kascade.cpu;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Decode attention on the CPU (one new query token per sequence): dense, dense with logits kept (layer 0),
 * scores only (anchor pass 1) and sparse over gathered keys (anchor pass 4 and reuse layers).
 *
 * <p>Shapes: {@code q [batch][qHeads][d]} (any dtype); {@code K, V [batch][kvHeads][capacity][d]} (any
 * dtype, K and V may differ); {@code lengths[b]} visible positions of sequence b; output
 * {@code out[(b*qHeads + h)*d + c]} f32. Query head h reads KV head {@code g = h / r}. Softmax scale
 * {@code 1/sqrt(d)} is folded into the f32 copy of q.
 *
 * <p>Parallel split (split-K, flash-decoding): the keys of every (sequence, KV head) are cut into
 * contiguous splits; one task = one (b, g, split) and computes all r query heads of the group, so each
 * K and V row is read from memory once per group. A task streams its keys in blocks of {@link #STREAM_BLOCK} or
 * {@link #DENSE_BLOCK} keys (dense, layer 0 and the anchor scores pass on bf16, read as two streams or touched first),
 * {@link #SPARSE_BLOCK} (sparse bf16), {@link #WIDE_BLOCK} (the
 * other f16/f32 passes) or {@link BlockMath#BLOCK} (plain dense f16/f32): r x block logits, online softmax per head,
 * P.V. It leaves a partial (max, sum, unnormalised output) per head; the caller merges the splits of a (b, g) with
 * log-sum-exp weights.
 * Memory traffic: K and V bytes of the visible (or selected) rows, each once; logits r x 4 bytes per key
 * when kept.
 *
 * <p>Row access per dtype: bf16 with {@code d % 32 == 0} (the common case) uses the fused kernels of
 * {@link Bf16Pairs}: each block's K and V rows (consecutive ones in dense attention, the selected ones in
 * sparse attention) are first touched ({@link RowTouch}: one load per cache line, so all their misses are in
 * flight at once) and the fused kernels then read them in place from L1/L2. Dense decode on the 2-vCPU Zen 5 VM
 * (bf16, 32/8/128, 32K, 2026-11-30, three alternated process pairs of {@code kascade bench decode}): 5.08-5.65
 * vs 5.76-6.01 ms with 128-key blocks against K read inside the logits loop and V copied to scratch in 32-key
 * blocks, layer 0 5.83-6.45 vs 6.62-7.32; then 512-key blocks (see DENSE_BLOCK). Since the fifteenth session the
 * dense passes on rows of two or four chunks (d 64 and 128 on AVX-512) touch nothing: they read each task's keys
 * in place as two interleaved streams, which lets the hardware prefetchers fetch while the arithmetic runs
 * ({@link #streamBlocks}, {@link TwoStreams}); the sparse passes and other head dims still touch first. f16, f32 and
 * odd head dims convert each K/V block to f32 in L1 scratch ({@link Rows}) and use {@link BlockMath}.
 *
 * <p>Instances keep reusable scratch (allocation-free once grown to the largest shapes seen) and are not
 * thread-safe: one instance per calling thread.
 */
public final class DecodeAttention {
    /** Smallest split of keys worth a task (keeps the merge cheap against the streaming work). */
    static final int MIN_SPLIT = 512;

    private enum Mode { DENSE, SCORES, SPARSE }

    private final CpuPool pool;
    private final int batch;
    private final int qHeads;
    private final int kvHeads;
    private final int headDim;
    private final int group;
    private final CpuPool.Job taskJob = this::runTask;
    /**
     * Keys per block of the f16/f32 passes that write logits (layer 0, anchor scores) or gather rows (sparse; bf16
     * has its own sizes, {@link #DENSE_BLOCK} and {@link #SPARSE_BLOCK}). Wider blocks
     * copy each head's logits out in longer runs and touch more gathered rows at once (more misses in flight).
     * Measured with {@code benchmarks/cpu/DecodeHarness.java} (bf16, 32/8/128, 32K, 2026-11-29, four alternated
     * process pairs, minima of 15): 128- vs 32-key blocks, layer 0 7.78-8.03 vs 8.29-8.85 ms, anchor 4.90-5.50 vs
     * 5.66-6.33, reuse 1.02-1.16 vs 1.11-1.28; plain dense was slower with them (6.67-7.07 vs 6.09-7.00) while it
     * read K inside its logits loop and copied V to scratch, so it kept {@link BlockMath#BLOCK} until its blocks were
     * touched first too (2026-11-30, see the class comment); the f16/f32 paths still do.
     */
    static final int WIDE_BLOCK = 128;
    /**
     * Keys per block of plain dense bf16 decode, whose blocks are touched first and then read in place: a block's
     * touches (256 KB of K and V) are one burst of misses in flight before its arithmetic. Measured with
     * {@code kascade bench decode} (bf16, 32/8/128, 32K, 2026-11-30, processes alternated, best rounds): 256- vs
     * 128-key blocks faster in 6 of 7 pairs (4.88-6.59 vs 5.74-9.08 ms), 512 vs 256 in 7 of 7 (4.60-6.88 vs
     * 4.88-7.34), 1024 no better than 512; 64 slower than 128. Layer 0 and the anchor scores pass (which reads K
     * inside its two-key logits loop, untouched) take it too since the four-key pass: in-process, LLC flushed before
     * each call, minima of 20, the scores pass 2.44-2.49 ms with 512-key blocks, 2.54-2.56 with 256 and 2.74-2.85 with
     * 128; then {@code kascade bench decode}, five alternated pairs (2026-11-30 03:13-03:16 UTC, a slow phase of the
     * VM): layer 0 1.13-1.21x of the same process's dense time vs 1.21-1.36x with 128, the anchor role 0.85-0.91x vs
     * 0.90-0.97x, speedup higher in 5 of 5 pairs (2.85-3.25x vs 2.82-3.14x).
     */
    static final int DENSE_BLOCK = 512;
    /**
     * Keys per block of the dense passes read in place as two streams ({@link #streamBlocks}): half from each stream.
     * Longer blocks switch less often between the K streams (logits) and the V streams (P.V), and every switch makes
     * the prefetchers start again; the block's V rows must still fit in L2 for P.V's second pass (256 KB at 1024 keys
     * and d 128). Measured with {@code kascade bench decode} (bf16, 32/8/128, 32K, 2026-11-30 07:25-07:44 UTC, block
     * sizes alternated run by run, best rounds): dense faster with 1024 than with 512 in 16 of 19 pairs (in the last
     * five, probe 66-79 GB/s: 3.23-3.53 vs 3.72-4.07 ms), 256 slower than 512 in 6 of 6 (4.23-5.49 vs 3.59-4.67); 2048
     * faster than 1024 in 8 of 11 but by 0-10%, with a V block (512 KB) that fills a 1 MB L2 and overflows smaller
     * ones; layer 0 and the anchor role follow dense.
     */
    static final int STREAM_BLOCK = 1024;
    /**
     * Rows per block of the sparse bf16 passes (reuse, anchor pass 4): a longer burst of touched rows. Measured with
     * {@code kascade bench decode} (bf16, 32/8/128, 32K, 2026-11-30 01:26-01:30 UTC, processes alternated, best
     * rounds): reuse 0.790-1.097 ms with 256 rows vs 0.852-1.185 with 128 ({@link #WIDE_BLOCK}), faster in 5 of 7
     * pairs and 6% less time relative to the same process's dense decode; 512 rows level with 128, 64 slower.
     */
    static final int SPARSE_BLOCK = 256;

    // per-call parameters (set by attend, read by tasks)
    private int blockKeys = BlockMath.BLOCK;
    private Mode mode;
    private DType kType;
    private DType vType;
    private MemorySegment kSeg;
    private MemorySegment vSeg;
    private long capacity;
    private boolean withV;
    private float[] logits;
    private int logitsStride;
    private int[] positions;
    private int[] setOffsets;
    private int[] lengths;
    private float[] keptLogits;
    private int keptStride;

    // task table and partial results, grown on demand
    private int taskCount;
    private int[] taskUnit = new int[0];
    private int[] taskSet = new int[0];
    private int[] taskFrom = new int[0];
    private int[] taskTo = new int[0];
    private final int[] unitFirstTask;
    private final int[] unitTasks;
    private float[] partM = new float[0];
    private float[] partL = new float[0];
    private float[] partAcc = new float[0];
    private final float[] qScaled;
    private final float[] qPairs;
    /** On 8-lane CPUs, {@link #qPairs} four rows at a time as {@link Bf16TwoKeys} reads them (else null). */
    private float[] qCopied;
    private final float[] rowScratch;
    private boolean pairs;
    /**
     * Dense passes on bf16 rows of two or four chunks, and on 8-lane CPUs the K-only scores pass: read in place as two
     * streams ({@link #streamBlocks}).
     */
    private boolean streamed;
    private final int[][] order;
    private final float[][] keyBlock;
    private final float[][] valueBlock;
    private final float[][] probs;
    // bf16: the sum of the touched words, per worker, so the touching loads cannot be optimised away.
    private final long[] touchSink;

    /** Scratch for one shape; {@code pool} supplies the workers. */
    public DecodeAttention(CpuPool pool, int batch, int qHeads, int kvHeads, int headDim) {
        if (pool == null) throw new IllegalArgumentException("pool: expected a CpuPool but got null");
        if (batch <= 0) throw new IllegalArgumentException("batch: expected > 0 but got " + batch);
        if (kvHeads <= 0 || qHeads <= 0 || qHeads % kvHeads != 0) {
            throw new IllegalArgumentException("qHeads: expected a positive multiple of kvHeads (" + kvHeads
                    + ") but got " + qHeads);
        }
        if (headDim <= 0 || headDim > 256) {
            throw new IllegalArgumentException("headDim: expected 1..256 but got " + headDim);
        }
        this.pool = pool;
        this.batch = batch;
        this.qHeads = qHeads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.group = qHeads / kvHeads;
        this.unitFirstTask = new int[batch * kvHeads];
        this.unitTasks = new int[batch * kvHeads];
        this.qScaled = new float[batch * qHeads * headDim];
        this.qPairs = new float[batch * qHeads * headDim];
        this.rowScratch = new float[headDim];
        int w = pool.parallelism();
        keyBlock = new float[w][WIDE_BLOCK * headDim];
        valueBlock = new float[w][WIDE_BLOCK * headDim];
        probs = new float[w][group * Math.max(DENSE_BLOCK, STREAM_BLOCK)];
        order = new int[w][STREAM_BLOCK];
        touchSink = new long[w];
    }

    public int batch() {
        return batch;
    }

    public int qHeads() {
        return qHeads;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    /**
     * Dense decode: every query attends to all {@code lengths[b]} cached keys of its sequence.
     *
     * @param out    {@code [batch][qHeads][d]} f32 result
     * @param logits null, or receives every logit {@code q.k/sqrt(d)} at {@code (b*qHeads + h)*logitsStride + pos}
     * @param lse    null, or receives each query head's log-sum-exp at {@code b*qHeads + h}
     */
    public void dense(Tensor q, Tensor k, Tensor v, int[] lengths, float[] out,
                      float[] logits, int logitsStride, float[] lse) {
        check(q, k, v, lengths, out, logits, logitsStride, lse);
        attend(Mode.DENSE, q, k, v, lengths, out, logits, logitsStride, lse, null, null, null, null);
    }

    /**
     * Anchor pass 1: logits and log-sum-exp of every query head over all visible keys; reads K only.
     * Arguments as in {@link #dense}; both {@code logits} and {@code lse} are required.
     */
    public void scores(Tensor q, Tensor k, int[] lengths, float[] logits, int logitsStride, float[] lse) {
        if (logits == null || lse == null) {
            throw new IllegalArgumentException("logits, lse: expected buffers for the scores pass but got null");
        }
        check(q, k, null, lengths, null, logits, logitsStride, lse);
        attend(Mode.SCORES, q, k, null, lengths, null, logits, logitsStride, lse, null, null, null, null);
    }

    /**
     * Sparse decode over gathered keys. KV head g of sequence b attends to the positions
     * {@code positions[setOffsets[s] .. setOffsets[s] + setCounts[s])} with {@code s = b*kvHeads + sourceHead[g]}
     * (the head mapping; identity on anchor layers). Positions must lie in {@code [0, lengths[b])}.
     */
    public void sparse(Tensor q, Tensor k, Tensor v, int[] lengths, int[] positions, int[] setOffsets,
                       int[] setCounts, int[] sourceHead, float[] out) {
        sparse(q, k, v, lengths, positions, setOffsets, setCounts, sourceHead, out, null, 0);
    }

    /**
     * {@link #sparse(Tensor, Tensor, Tensor, int[], int[], int[], int[], int[], float[])} for an anchor layer
     * whose logits are already known, in set order: {@code keptLogits[(b*qHeads + h)*keptStride + i]} holds
     * {@code q_h . k_p / sqrt(d)} for the i-th position p of query head h's index set (that of KV head
     * {@code sourceHead[h / group]}). Then no K row is read again: only the selected V rows are gathered (half the
     * bytes), no QK product is recomputed, and the logits are read in runs. {@code keptLogits} null means "compute
     * the logits from K" (the reuse path).
     */
    public void sparse(Tensor q, Tensor k, Tensor v, int[] lengths, int[] positions, int[] setOffsets,
                       int[] setCounts, int[] sourceHead, float[] out, float[] keptLogits, int keptStride) {
        check(q, k, v, lengths, out, keptLogits, keptStride, null);
        if (positions == null || setOffsets == null || setCounts == null || sourceHead == null) {
            throw new IllegalArgumentException("positions, setOffsets, setCounts, sourceHead: expected index sets but got null");
        }
        if (sourceHead.length != kvHeads) {
            throw new IllegalArgumentException("sourceHead: expected " + kvHeads + " entries but got " + sourceHead.length);
        }
        for (int g = 0; g < kvHeads; g++) {
            if (sourceHead[g] < 0 || sourceHead[g] >= kvHeads) {
                throw new IllegalArgumentException("sourceHead[" + g + "] = " + sourceHead[g]
                        + " out of range [0, " + kvHeads + ")");
            }
        }
        if (setOffsets.length < batch * kvHeads || setCounts.length < batch * kvHeads) {
            throw new IllegalArgumentException("setOffsets, setCounts: expected " + batch * kvHeads + " entries");
        }
        for (int s = 0; s < batch * kvHeads; s++) {
            if (setCounts[s] < 1 || setOffsets[s] < 0 || (long) setOffsets[s] + setCounts[s] > positions.length) {
                throw new IllegalArgumentException("index set " + s + ": offset " + setOffsets[s] + " count "
                        + setCounts[s] + " does not fit positions[" + positions.length + "] (count must be >= 1)");
            }
        }
        this.keptLogits = keptLogits;
        this.keptStride = keptStride;
        try {
            attend(Mode.SPARSE, q, k, v, lengths, out, null, 0, null, positions, setOffsets, setCounts, sourceHead);
        } finally {
            this.keptLogits = null;
        }
    }

    private void check(Tensor q, Tensor k, Tensor v, int[] lengths, float[] out,
                       float[] logits, int logitsStride, float[] lse) {
        if (q == null) throw new IllegalArgumentException("q: expected [" + batch + "][" + qHeads + "][" + headDim + "] but got null");
        q.requireShape("q", batch, qHeads, headDim);
        if (k == null) throw new IllegalArgumentException("k: expected a key cache tensor but got null");
        if (k.rank() != 4 || k.dim(0) != batch || k.dim(1) != kvHeads || k.dim(3) != headDim) {
            throw new IllegalArgumentException("k: expected shape [" + batch + "][" + kvHeads + "][capacity]["
                    + headDim + "] but got " + Arrays.toString(k.shape()));
        }
        if (v != null) {
            v.requireShape("v", k.shape());
        }
        if (lengths == null || lengths.length != batch) {
            throw new IllegalArgumentException("lengths: expected " + batch + " entries but got "
                    + (lengths == null ? "null" : lengths.length));
        }
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 1 || lengths[b] > k.dim(2)) {
                throw new IllegalArgumentException("lengths[" + b + "] = " + lengths[b] + ": expected 1.." + k.dim(2)
                        + " (a decode query sees at least its own key, at most the cache capacity)");
            }
            if (logits != null && lengths[b] > logitsStride) {
                throw new IllegalArgumentException("logitsStride: " + logitsStride + " is shorter than lengths[" + b
                        + "] = " + lengths[b]);
            }
        }
        if (out != null && out.length < batch * qHeads * headDim) {
            throw new IllegalArgumentException("out: expected at least " + batch * qHeads * headDim + " floats");
        }
        if (logits != null && logits.length < (long) batch * qHeads * logitsStride) {
            throw new IllegalArgumentException("logits: expected at least " + (long) batch * qHeads * logitsStride + " floats");
        }
        if (lse != null && lse.length < batch * qHeads) {
            throw new IllegalArgumentException("lse: expected at least " + batch * qHeads + " floats");
        }
    }

    private void attend(Mode mode, Tensor q, Tensor k, Tensor v, int[] lengths, float[] out,
                        float[] logits, int logitsStride, float[] lse,
                        int[] positions, int[] setOffsets, int[] setCounts, int[] sourceHead) {
        this.mode = mode;
        this.kType = k.dtype();
        this.kSeg = k.segment();
        this.withV = v != null;
        this.vType = withV ? v.dtype() : null;
        this.vSeg = withV ? v.segment() : null;
        this.capacity = k.dim(2);
        this.logits = logits;
        this.logitsStride = logitsStride;
        this.positions = positions;
        this.setOffsets = setOffsets;

        float scale = (float) (1.0 / Math.sqrt(headDim));
        MemorySegment qSeg = q.segment();
        long qRowBytes = (long) headDim * q.dtype().byteSize();
        for (int row = 0; row < batch * qHeads; row++) {
            Rows.toFloatScaled(q.dtype(), qSeg, row * qRowBytes, headDim, scale, qScaled, row * headDim);
        }
        // bf16 K and V with a head dim of whole chunks take the fused path (no f32 copy of the rows).
        this.pairs = kType == DType.BF16 && (!withV || vType == DType.BF16) && Bf16Pairs.supports(headDim);
        // On 8-lane CPUs a whole bf16 row of 128 takes 16 accumulators per query row, more than P.V can keep in AVX2's
        // registers, so there only the K-only scores pass (anchors) is streamed: anchor role 4.35-4.69 ms streamed
        // against 5.11-5.83 with its blocks read one after the other (32K, kascade bench, 2-vCPU AMD EPYC (Zen 3,
        // AVX2) VM, 2026-11-30); dense with the strided P.V of Bf16Pairs read in place took 23 ms against 10.
        this.streamed = pairs && mode != Mode.SPARSE
                && (Bf16WholeRows.supports(headDim) || headDim == 2 * Bf16Pairs.CHUNK
                || (!withV && Bf16TwoKeys.ACTIVE));
        if (pairs) {
            for (int row = 0; row < batch * qHeads; row++) {
                Bf16Pairs.split(qScaled, row * headDim, headDim, qPairs, row * headDim);
            }
            copyQueryBlocks();
        }

        // Task table: split-K over the keys of each (b, g), about 8 tasks per worker in all.
        long totalKeys = 0;
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < kvHeads; g++) {
                totalKeys += mode == Mode.SPARSE ? setCounts[b * kvHeads + sourceHead[g]] : lengths[b];
            }
        }
        long target = 8L * pool.parallelism();
        int split = (int) Math.max(MIN_SPLIT, (totalKeys + target - 1) / target);
        // Keys per block: the bf16 dense passes (plain dense, layer 0, the anchor scores pass) 1024 when read as two
        // streams (STREAM_BLOCK), 512 when touched first (DENSE_BLOCK), and sparse passes 256 (SPARSE_BLOCK); layer 0,
        // the scores pass and sparse passes on f16/f32 128 (WIDE_BLOCK); plain dense f16/f32 decode, which converts
        // blocks into L1 scratch, 32.
        if (pairs) {
            blockKeys = mode == Mode.SPARSE ? SPARSE_BLOCK : streamed ? STREAM_BLOCK : DENSE_BLOCK;
        } else {
            blockKeys = mode == Mode.DENSE && logits == null ? BlockMath.BLOCK : WIDE_BLOCK;
        }
        split = (split + blockKeys - 1) / blockKeys * blockKeys;
        int tasks = 0;
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < kvHeads; g++) {
                int n = mode == Mode.SPARSE ? setCounts[b * kvHeads + sourceHead[g]] : lengths[b];
                tasks += (n + split - 1) / split;
            }
        }
        ensureTasks(tasks);
        int t = 0;
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < kvHeads; g++) {
                int unit = b * kvHeads + g;
                int set = mode == Mode.SPARSE ? b * kvHeads + sourceHead[g] : -1;
                int n = mode == Mode.SPARSE ? setCounts[set] : lengths[b];
                unitFirstTask[unit] = t;
                int first = t;
                for (int from = 0; from < n; from += split) {
                    taskUnit[t] = unit;
                    taskSet[t] = set;
                    taskFrom[t] = from;
                    taskTo[t] = Math.min(n, from + split);
                    t++;
                }
                unitTasks[unit] = t - first;
            }
        }
        taskCount = t;
        this.lengths = lengths;
        try {
            // Sparse tasks check their own positions first (checkPositions): in parallel, instead of 26K checks on
            // this thread before the pool starts (20-70 us of a 0.8-1 ms reuse call at 32K).
            if (pool.canShare(kSeg) && (vSeg == null || pool.canShare(vSeg))) {
                pool.run(taskCount, taskJob, totalKeys * (group + 1) * headDim);
            } else {
                pool.runInline(taskCount, taskJob); // confined memory: only this thread may read it
            }
            merge(out, lse);
        } finally {
            this.kSeg = null;
            this.vSeg = null;
            this.logits = null;
            this.positions = null;
            this.setOffsets = null;
            this.lengths = null;
        }
    }

    /** Throws unless every position of {@code positions[from .. to)} is a visible key of sequence {@code b}. */
    private void checkPositions(int from, int to, int b) {
        int n = lengths[b];
        for (int j = from; j < to; j++) {
            if (Integer.compareUnsigned(positions[j], n) >= 0) {
                throw new IllegalArgumentException("positions[" + j + "] = " + positions[j]
                        + " outside the visible keys [0, " + n + ") of sequence " + b);
            }
        }
    }

    /**
     * On 8-lane CPUs, lays out each KV head's query rows four at a time for {@link Bf16TwoKeys} (the block of the rows
     * starting at {@code qPairs[r]} at {@code qCopied[2 r]}: {@link Bf16Pairs#logits}' convention); rows past the last
     * whole four of a group are left to the one-row pass.
     */
    private void copyQueryBlocks() {
        if (!Bf16TwoKeys.ACTIVE || group < 4) return;
        if (qCopied == null) qCopied = new float[2 * batch * qHeads * headDim];
        for (int unit = 0; unit < batch * kvHeads; unit++) {
            for (int h = 0; h + 4 <= group; h += 4) {
                int q0 = (unit * group + h) * headDim;
                Bf16TwoKeys.copy(qPairs, q0, headDim, qCopied, 2 * q0);
            }
        }
    }

    private void ensureTasks(int tasks) {
        if (taskUnit.length < tasks) {
            int n = Math.max(tasks, taskUnit.length * 2);
            taskUnit = new int[n];
            taskSet = new int[n];
            taskFrom = new int[n];
            taskTo = new int[n];
            partM = new float[n * group];
            partL = new float[n * group];
            partAcc = new float[n * group * headDim];
        }
    }

    /** One (b, g, split) task; see the class comment for its layout and traffic. */
    private void runTask(int task, int worker) {
        int unit = taskUnit[task];
        int b = unit / kvHeads;
        int g = unit % kvHeads;
        int from = taskFrom[task];
        int to = taskTo[task];
        int d = headDim;
        float[] kb = keyBlock[worker];
        float[] vb = valueBlock[worker];
        float[] s = probs[worker];
        int ml = task * group;
        int accOff = ml * d;
        Arrays.fill(partM, ml, ml + group, Float.NEGATIVE_INFINITY);
        Arrays.fill(partL, ml, ml + group, 0f);
        if (withV) Arrays.fill(partAcc, accOff, accOff + group * d, 0f);
        long rowBase = (long) unit * capacity;
        long kRowBytes = (long) d * kType.byteSize();
        long vRowBytes = withV ? (long) d * vType.byteSize() : 0;
        int qOff = (b * qHeads + g * group) * d;
        int[] pos = mode == Mode.SPARSE ? positions : null;
        int posBase = mode == Mode.SPARSE ? setOffsets[taskSet[task]] : 0;
        if (pos != null) checkPositions(posBase + from, posBase + to, b); // before any row is read
        if (streamed) {
            streamBlocks(from, to, worker, b, g, qOff, rowBase, kRowBytes, vRowBytes, s, ml, accOff);
            return;
        }
        boolean inPlace = pairs && pos != null;
        float[] kept = pos != null ? keptLogits : null;
        long touched = 0;
        int bk = blockKeys;
        for (int j0 = from; j0 < to; j0 += bk) {
            int nb = Math.min(bk, to - j0);
            if (kept != null) {
                // Anchor pass 4: the selected keys' logits were computed by pass 1 and gathered into set order by
                // pass 3 (KascadeDecoder), so they are copied in runs here; only V is gathered below, its rows
                // touched first.
                if (inPlace && withV) touched += RowTouch.rows(vSeg, null, rowBase, vRowBytes, pos, posBase + j0, nb);
                for (int h = 0; h < group; h++) {
                    int o = h * bk;
                    System.arraycopy(kept, (b * qHeads + g * group + h) * keptStride + j0, s, o, nb);
                    Arrays.fill(s, o + nb, o + bk, Float.NEGATIVE_INFINITY);
                }
            } else if (inPlace) {
                // Sparse gather: first one load per cache line of the block's selected K and V rows, so their
                // DRAM misses overlap (~1 latency per block instead of per row); the fused kernels then read the
                // rows in place from L1/L2. (Copying the rows to scratch with MemorySegment.copy measured 2.3 vs
                // 1.3 ms per reuse layer at 32K: see docs/algorithm.md, "CPU decode performance".)
                touched += RowTouch.rows(kSeg, withV ? vSeg : null, rowBase, kRowBytes, pos, posBase + j0, nb);
                Bf16Pairs.logits(qPairs, qOff, group, d, kSeg, rowBase * kRowBytes, kRowBytes, 0, pos, posBase + j0, nb, s, bk,
                        true, qCopied);
            } else if (pairs) {
                // Dense on head dims other than two or four chunks (those take streamBlocks, which touches nothing):
                // the block's rows are consecutive; touch its K and V rows first as above, so their misses are
                // in flight together instead of a few at a time inside the FMA loops. (The anchor scores pass, K
                // only, reads K in the logits loop: touching it first measured slower there, 4.45-5.20 vs 3.98-4.33
                // ms for the anchor role: docs/algorithm.md, "dense blocks touched first"; and it keeps the two-key
                // logits pass, which reads rows from memory faster than the four-key one: Bf16Pairs.logits.)
                if (withV) touched += RowTouch.range(kSeg, vSeg, rowBase, kRowBytes, j0, nb);
                Bf16Pairs.logits(qPairs, qOff, group, d, kSeg, rowBase * kRowBytes, kRowBytes, j0, null, 0, nb, s, bk,
                        withV, qCopied);
            } else {
                Rows.gather(kType, kSeg, rowBase * kRowBytes, kRowBytes, d, j0, pos, posBase + j0, nb, kb);
                BlockMath.logits(qScaled, qOff, group, d, kb, nb, s, bk);
            }
            if (logits != null) {
                for (int h = 0; h < group; h++) {
                    System.arraycopy(s, h * bk,
                            logits, (b * qHeads + g * group + h) * logitsStride + j0, nb);
                }
            }
            for (int h = 0; h < group; h++) {
                BlockMath.softmaxStep(s, h, partM, partL, ml, withV ? partAcc : null, accOff + h * d, d, bk);
            }
            if (withV && inPlace) {
                Bf16Pairs.accumulate(s, group, vSeg, rowBase * vRowBytes, vRowBytes, 0, pos, posBase + j0, nb, d, partAcc, accOff, bk);
            } else if (withV && pairs) {
                // dense: the block's V rows were touched with its K rows
                Bf16Pairs.accumulate(s, group, vSeg, rowBase * vRowBytes, vRowBytes, j0, null, 0, nb, d, partAcc, accOff, bk);
            } else if (withV) {
                Rows.gather(vType, vSeg, rowBase * vRowBytes, vRowBytes, d, j0, pos, posBase + j0, nb, vb);
                BlockMath.accumulate(s, group, vb, nb, d, partAcc, accOff, bk);
            }
        }
        touchSink[worker] ^= touched;
    }

    /**
     * The dense passes (plain dense, layer 0, anchor scores) on bf16 rows of two or four chunks ({@code d} 64 or 128 on
     * AVX-512), and on 8-lane CPUs the scores pass at any whole number of chunks: the task's keys {@code [from, to)} in
     * blocks of {@link #STREAM_BLOCK} keys, half from each half of the range, interleaved ({@link TwoStreams}), read in
     * place from memory by the four-key (two-key on 8 lanes) logits pass and a P.V that reads whole rows
     * ({@link Bf16WholeRows} for four chunks, {@link Bf16Pairs#accumulate} for two); nothing is
     * touched first. Logits kept (layer 0, scores) are written back to their positions. Other head dims keep the
     * touched blocks of {@link #runTask}. At d 64 ({@code kascade bench decode --head-dim 64}, 32K, five alternated
     * pairs, 2026-11-30): dense 1.82-2.07 vs 1.95-2.15 ms touched (faster in 4 of 5), the anchor role 1.75-1.93 vs
     * 2.01-2.07.
     */
    private void streamBlocks(int from, int to, int worker, int b, int g, int qOff, long rowBase, long kRowBytes,
                              long vRowBytes, float[] s, int ml, int accOff) {
        int[] keys = order[worker];
        int bk = blockKeys;
        int d = headDim;
        for (int i = 0; ; i++) {
            int nb = TwoStreams.fill(keys, from, to, i, bk / 2);
            if (nb == 0) break;
            Bf16Pairs.logits(qPairs, qOff, group, d, kSeg, rowBase * kRowBytes, kRowBytes, 0, keys, 0, nb, s, bk, true,
                    qCopied);
            if (logits != null) {
                int paired = TwoStreams.pairs(from, to, i, bk / 2);
                for (int h = 0; h < group; h++) {
                    TwoStreams.scatter(s, h * bk, keys, nb, paired, logits, (b * qHeads + g * group + h) * logitsStride);
                }
            }
            for (int h = 0; h < group; h++) {
                BlockMath.softmaxStep(s, h, partM, partL, ml, withV ? partAcc : null, accOff + h * d, d, bk);
            }
            if (withV && Bf16WholeRows.supports(d)) {
                Bf16WholeRows.accumulate(s, group, vSeg, rowBase * vRowBytes, vRowBytes, keys, 0, nb, d, partAcc,
                        accOff, bk);
            } else if (withV) { // two chunks: Bf16Pairs' P.V already reads whole rows, four query rows a pass
                Bf16Pairs.accumulate(s, group, vSeg, rowBase * vRowBytes, vRowBytes, 0, keys, 0, nb, d, partAcc,
                        accOff, bk);
            }
        }
    }

    /** Log-sum-exp merge of the splits of every (b, g): O = sum_s e^{m_s - M} acc_s / sum_s e^{m_s - M} l_s. */
    private void merge(float[] out, float[] lse) {
        int d = headDim;
        for (int unit = 0; unit < batch * kvHeads; unit++) {
            int b = unit / kvHeads;
            int g = unit % kvHeads;
            int first = unitFirstTask[unit];
            int n = unitTasks[unit];
            for (int h = 0; h < group; h++) {
                float mMax = Float.NEGATIVE_INFINITY;
                for (int t = first; t < first + n; t++) {
                    mMax = Math.max(mMax, partM[t * group + h]);
                }
                double sum = 0;
                for (int t = first; t < first + n; t++) {
                    float m = partM[t * group + h];
                    if (m != Float.NEGATIVE_INFINITY) sum += partL[t * group + h] * Math.exp(m - mMax);
                }
                int row = b * qHeads + g * group + h;
                if (lse != null) lse[row] = (float) (mMax + Math.log(sum));
                if (out != null) {
                    int o = row * d;
                    Arrays.fill(out, o, o + d, 0f);
                    for (int t = first; t < first + n; t++) {
                        float m = partM[t * group + h];
                        if (m == Float.NEGATIVE_INFINITY) continue;
                        float w = (float) (Math.exp(m - mMax) / sum);
                        int a = (t * group + h) * d;
                        for (int c = 0; c < d; c++) {
                            out[o + c] += w * partAcc[a + c];
                        }
                    }
                    if (pairs) {
                        Bf16Pairs.unsplit(out, o, d, rowScratch, 0);
                        System.arraycopy(rowScratch, 0, out, o, d);
                    }
                }
            }
        }
    }
}
