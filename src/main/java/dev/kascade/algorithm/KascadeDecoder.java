package dev.kascade.algorithm;

import dev.kascade.cpu.CpuPool;
import dev.kascade.cpu.DecodeAttention;
import dev.kascade.cpu.ScorePooling;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.MemoryInfo;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Kascade decode on the CPU, one entry point per layer role, so a benchmark can time each role alone.
 *
 * <ul>
 *   <li>{@link #dense}: plain dense attention (the baseline).</li>
 *   <li>{@link #layer0}: dense attention for the output, keeping every logit; then pooled scores and
 *       exact top-k per (sequence, KV head) into an {@link IndexSets}.</li>
 *   <li>{@link #anchor}: pass 1 reads K only (logits + log-sum-exp per query head, split-K); pass 2 pools
 *       {@code exp(logit - lse)} over the r heads of each group; pass 3 top-k, then moves each head's logits of
 *       the selected keys to the front of its logit row, in set order (while the row is still in L2 from the
 *       pooling); pass 4 sparse attention over the selected keys (identity head mapping), reading those logits in
 *       runs and gathering only V.</li>
 *   <li>{@link #reuse}: pass 4 only, KV head g reading the index set of anchor head {@code sourceHead[g]}.</li>
 * </ul>
 *
 * <p>Shapes as in {@link DecodeAttention}: {@code q [batch][qHeads][d]}, K/V {@code [batch][kvHeads][capacity][d]},
 * {@code lengths[b]} visible keys (the current token included), output {@code out [batch][qHeads][d]} f32.
 * Budget per sequence: {@code k_b = config.budget().keys(lengths[b])}; when {@code k_b >= lengths[b]} the
 * sequence's set is simply all its positions.
 *
 * <p>Parallel split: attention passes are split-K over (b, g, key range) tasks ({@link DecodeAttention});
 * pooling + selection is one task per (b, g) (per b with {@link Variant#allHeadsPooled}), each task
 * streaming its r logit rows once and selecting in O(n) with its worker's {@link TopK}.
 *
 * <p>All scratch is allocated up front (logits: {@code batch * qHeads * capacity} floats, on the first
 * layer-0/anchor call), so steady-state calls allocate nothing. Not thread-safe.
 */
public final class KascadeDecoder {
    private final KascadeConfig config;
    private final Variant variant;
    private final int batch;
    private final int capacity;
    private final CpuPool pool;
    private final DecodeAttention attention;
    private final float[] out;
    private final float[] lse;
    private float[] logits;
    private final float[][] pooled;
    private final TopK[] topK;
    private final int[] identity;
    private final CpuPool.Job selectJob = this::selectTask;

    private int[] callLengths;
    private IndexSets callTarget;
    private boolean callGather;

    /**
     * @param capacity the most keys any sequence will hold (sizes the logit and score scratch)
     */
    public KascadeDecoder(KascadeConfig config, Variant variant, int batch, int capacity, CpuPool pool) {
        if (config == null) throw new IllegalArgumentException("config: expected a KascadeConfig but got null");
        if (variant == null) throw new IllegalArgumentException("variant: expected a Variant but got null");
        if (capacity <= 0) throw new IllegalArgumentException("capacity: expected > 0 but got " + capacity);
        if (batch <= 0) throw new IllegalArgumentException("batch: expected > 0 but got " + batch);
        long logitCount = (long) batch * config.qHeads() * capacity;
        if (logitCount > IndexSets.MAX_ARRAY) {
            throw new IllegalArgumentException("capacity: batch " + batch + " x " + config.qHeads() + " query heads x "
                    + capacity + " keys = " + logitCount + " logits exceed one Java float array (at most "
                    + IndexSets.MAX_ARRAY + "); split the batch or lower the capacity");
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (4 * logitCount > heap / 2) {
            throw new IllegalArgumentException("capacity: the logits of batch " + batch + " x " + config.qHeads()
                    + " query heads x " + capacity + " keys take " + MemoryInfo.gib(4 * logitCount) + " GiB of Java heap,"
                    + " more than half of its maximum " + MemoryInfo.gib(heap) + " GiB; lower the capacity or the batch, or"
                    + " raise -Xmx");
        }
        this.config = config;
        this.variant = variant;
        this.batch = batch;
        this.capacity = capacity;
        this.pool = pool;
        this.attention = new DecodeAttention(pool, batch, config.qHeads(), config.kvHeads(), config.headDim());
        this.out = new float[batch * config.qHeads() * config.headDim()];
        this.lse = new float[batch * config.qHeads()];
        this.pooled = new float[pool.parallelism()][capacity];
        this.topK = new TopK[pool.parallelism()];
        for (int w = 0; w < topK.length; w++) topK[w] = new TopK();
        this.identity = new int[config.kvHeads()];
        for (int g = 0; g < identity.length; g++) identity[g] = g;
    }

    /** Index sets sized for this decoder (one per anchor layer is what a session keeps). */
    public IndexSets newIndexSets() {
        return new IndexSets(batch, config.kvHeads(), config.budget().keys(capacity));
    }

    public KascadeConfig config() {
        return config;
    }

    /** Dense decode attention (baseline, and the output path of layer 0). */
    public void dense(Tensor q, Tensor k, Tensor v, int[] lengths, Tensor result) {
        checkOut(result);
        attention.dense(q, k, v, lengths, out, null, 0, null);
        write(result);
    }

    /** Layer 0: dense output, then pooled scores and top-k per (b, g) into {@code indices}. */
    public void layer0(Tensor q, Tensor k, Tensor v, int[] lengths, IndexSets indices, Tensor result) {
        checkOut(result);
        checkSets(indices, lengths);
        attention.dense(q, k, v, lengths, out, logits(), capacity, lse);
        select(lengths, indices, false);
        write(result);
    }

    /** Anchor layer: scores over all keys (K only), pooled top-k into {@code indices}, sparse attention. */
    public void anchor(Tensor q, Tensor k, Tensor v, int[] lengths, IndexSets indices, Tensor result) {
        checkOut(result);
        checkSets(indices, lengths);
        attention.scores(q, k, lengths, logits(), capacity, lse);
        select(lengths, indices, true);
        // pass 4 reads the selected keys' logits from pass 1 (gathered by pass 3) instead of gathering K again
        attention.sparse(q, k, v, lengths, indices.positionsArray(), indices.offsetsArray(), indices.countsArray(),
                identity, out, logits, capacity);
        write(result);
    }

    /** Reuse layer: sparse attention, KV head g over the set of anchor head {@code sourceHead[g]}. */
    public void reuse(Tensor q, Tensor k, Tensor v, int[] lengths, IndexSets anchorSets, int[] sourceHead, Tensor result) {
        checkOut(result);
        if (anchorSets == null) throw new IllegalArgumentException("anchorSets: expected the anchor's index sets but got null");
        if (anchorSets.batch() != batch || anchorSets.kvHeads() != config.kvHeads()) {
            throw new IllegalArgumentException("anchorSets: expected sets for batch " + batch + " x " + config.kvHeads()
                    + " KV heads but got " + anchorSets.batch() + " x " + anchorSets.kvHeads());
        }
        attention.sparse(q, k, v, lengths, anchorSets.positionsArray(), anchorSets.offsetsArray(),
                anchorSets.countsArray(), sourceHead, out);
        write(result);
    }

    private float[] logits() {
        if (logits == null) {
            logits = new float[batch * config.qHeads() * capacity]; // fits: checked in the constructor
        }
        return logits;
    }

    /** Passes 2 and 3; {@code gather}: then also compact each selected key's logits into set order (pass 4's input). */
    private void select(int[] lengths, IndexSets indices, boolean gather) {
        callLengths = lengths;
        callTarget = indices;
        callGather = gather;
        long work = 0;
        for (int b = 0; b < batch; b++) work += (long) lengths[b] * config.qHeads() * 8; // exp and select per logit
        pool.run(variant.allHeadsPooled() ? batch : batch * config.kvHeads(), selectJob, work);
        callLengths = null;
        callTarget = null;
    }

    /** Pooling and exact top-k for one (b, g), or one b when all heads share a set. */
    private void selectTask(int task, int worker) {
        int kv = config.kvHeads();
        int hq = config.qHeads();
        int r = config.groupSize();
        boolean shared = variant.allHeadsPooled();
        int b = shared ? task : task / kv;
        int g = shared ? 0 : task % kv;
        int n = callLengths[b];
        int k = config.budget().keys(n);
        IndexSets sets = callTarget;
        int[] positions = sets.positionsArray();
        if (k >= n) {
            for (int gg = shared ? 0 : g; gg < (shared ? kv : g + 1); gg++) {
                int o = sets.offset(b, gg);
                for (int j = 0; j < n; j++) positions[o + j] = j;
                sets.setCount(b, gg, n);
            }
            return;
        }
        float[] p = pooled[worker];
        Arrays.fill(p, 0, n, 0f);
        int h0 = shared ? 0 : g * r;
        int h1 = shared ? hq : (g + 1) * r;
        for (int h = h0; h < h1; h++) {
            int row = b * hq + h;
            if (config.pooling() == Pooling.POST_SOFTMAX) {
                ScorePooling.addProbabilities(logits, row * capacity, lse[row], n, p, 0);
            } else {
                ScorePooling.addLogits(logits, row * capacity, n, p, 0);
            }
        }
        topK[worker].select(p, 0, n, k, positions, sets.offset(b, g));
        sets.setCount(b, g, k);
        if (shared) {
            for (int gg = 1; gg < kv; gg++) {
                System.arraycopy(positions, sets.offset(b, 0), positions, sets.offset(b, gg), k);
                sets.setCount(b, gg, k);
            }
        }
        if (callGather) {
            // In place: positions ascend and are distinct, so positions[i] >= i and slot i is read before any
            // later slot is written. The rows were just streamed by the pooling (in L2: 4 x 128 KB at 32K), so
            // these reads hit; pass 4 then copies runs instead of reading 4 MB of logits at random (anchor pass 4
            // 0.65-0.89 ms with those reads, on the 2-vCPU VM).
            int o = sets.offset(b, shared ? 0 : g);
            for (int h = h0; h < h1; h++) {
                int row = (b * hq + h) * capacity;
                for (int i = 0; i < k; i++) logits[row + i] = logits[row + positions[o + i]];
            }
        }
    }

    private void checkSets(IndexSets indices, int[] lengths) {
        if (indices == null) throw new IllegalArgumentException("indices: expected IndexSets to fill but got null");
        if (indices.batch() != batch || indices.kvHeads() != config.kvHeads()) {
            throw new IllegalArgumentException("indices: expected sets for batch " + batch + " x " + config.kvHeads()
                    + " KV heads but got " + indices.batch() + " x " + indices.kvHeads());
        }
        if (lengths == null || lengths.length != batch) {
            throw new IllegalArgumentException("lengths: expected " + batch + " entries");
        }
        for (int b = 0; b < batch; b++) {
            if (lengths[b] > capacity) {
                throw new IllegalArgumentException("lengths[" + b + "] = " + lengths[b] + " exceeds the decoder capacity " + capacity);
            }
            int k = Math.min(lengths[b], config.budget().keys(Math.max(0, lengths[b])));
            if (k > indices.stride()) {
                throw new IllegalArgumentException("indices: sets hold " + indices.stride() + " positions but sequence "
                        + b + " needs " + k);
            }
        }
    }

    private void checkOut(Tensor result) {
        if (result == null) throw new IllegalArgumentException("out: expected an f32 tensor but got null");
        result.requireShape("out", batch, config.qHeads(), config.headDim());
        if (result.dtype() != DType.F32) {
            throw new IllegalArgumentException("out: expected dtype f32 but got " + result.dtype().label());
        }
    }

    private void write(Tensor result) {
        MemorySegment.copy(out, 0, result.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, out.length);
    }
}
