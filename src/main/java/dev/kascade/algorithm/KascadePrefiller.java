package dev.kascade.algorithm;

import dev.kascade.cpu.CpuPool;
import dev.kascade.cpu.PrefillAttention;
import dev.kascade.cpu.ScorePooling;
import dev.kascade.tensor.Tensor;
import java.util.Arrays;

/**
 * Kascade prefill on the CPU, one entry point per layer role (spec, "Prefill").
 *
 * <ul>
 *   <li>{@link #dense}: dense causal attention (baseline).</li>
 *   <li>{@link #layer0}: dense causal output, then the tile index sets (as an anchor computes them).</li>
 *   <li>{@link #anchor}: per (sequence, tile, KV head): pass 1 logits of the tile's {@code tile x r} query
 *       rows over the keys strictly before the tile start s, with each row's log-sum-exp over them;
 *       pass 2 pooled post-softmax scores (probabilities summed over the rows); pass 3 exact top-k with
 *       the rolling budget {@code k = budget.tileKeys(s)}; pass 4 attention over the selected keys plus
 *       the tile's causal diagonal block, softmax over the union. Tiles with {@code s <= k} are dense.</li>
 *   <li>{@link #reuse}: pass 4 only, KV head g using the anchor's set of head {@code sourceHead[g]}.</li>
 * </ul>
 *
 * <p>Shapes and variable lengths as in {@link PrefillAttention} ({@code qLens[b] <= T} new tokens per
 * sequence, the last {@code qLens[b]} positions of its cache). No T x T (or T x T/32) matrix exists:
 * a scoring task holds the logits of one tile, {@code r * tile x s} floats, in its worker's scratch.
 *
 * <p>Parallel split: scoring tasks are (b, tile, g) units, attention tasks (b, g, tile) units, both
 * heaviest (latest) tiles first and balanced through the pool's shared counter. Not thread-safe.
 */
public final class KascadePrefiller {
    private final KascadeConfig config;
    private final Variant variant;
    private final int batch;
    private final int capacity;
    private final CpuPool pool;
    private final PrefillAttention attention;
    private final int[] identity;
    private float[][] logits;
    private final float[][] rowLse;
    private final float[][] pooled;
    private final TopK[] topK;
    private int[] scoreUnits = new int[0];
    private final CpuPool.Job scoreJob = this::scoreTask;
    private final CpuPool.Job sparseJob = this::sparseTask;
    private final CpuPool.Job denseJob = this::denseTask;

    private final int[] callQLens;
    private TileIndexSets callSets;
    private int[] callMap;

    /** @param capacity the most keys any sequence will hold (sizes the per-worker score scratch) */
    public KascadePrefiller(KascadeConfig config, Variant variant, int batch, int capacity, CpuPool pool) {
        if (config == null) throw new IllegalArgumentException("config: expected a KascadeConfig but got null");
        if (variant == null) throw new IllegalArgumentException("variant: expected a Variant but got null");
        if (capacity <= 0) throw new IllegalArgumentException("capacity: expected > 0 but got " + capacity);
        this.config = config;
        this.variant = variant;
        this.batch = batch;
        this.capacity = capacity;
        this.pool = pool;
        this.attention = new PrefillAttention(pool, batch, config.qHeads(), config.kvHeads(), config.headDim(), config.tile());
        this.callQLens = new int[batch];
        this.identity = new int[config.kvHeads()];
        for (int g = 0; g < identity.length; g++) identity[g] = g;
        int w = pool.parallelism();
        this.rowLse = new float[w][attention.maxRows()];
        this.pooled = new float[w][capacity];
        this.topK = new TopK[w];
        for (int i = 0; i < w; i++) topK[i] = new TopK();
    }

    /** Empty tile index sets for this prefiller (a session keeps one per anchor layer). */
    public TileIndexSets newIndexSets() {
        return new TileIndexSets(batch, config.kvHeads());
    }

    /** Dense causal prefill. */
    public void dense(Tensor q, Tensor k, Tensor v, int[] lengths, int[] qLens, Tensor out) {
        attention.dense(q, k, v, lengths, qLens, out);
    }

    /** Layer 0: dense causal output, then the tile index sets into {@code sets}. */
    public void layer0(Tensor q, Tensor k, Tensor v, int[] lengths, int[] qLens, TileIndexSets sets, Tensor out) {
        checkSets(sets);
        attention.prepare(q, k, v, lengths, qLens, out);
        try {
            run(attention.units(), denseJob);
            select(lengths, qLens, sets);
        } finally {
            attention.release();
        }
    }

    /** Anchor layer: tile index sets into {@code sets}, then attention over them plus the diagonal. */
    public void anchor(Tensor q, Tensor k, Tensor v, int[] lengths, int[] qLens, TileIndexSets sets, Tensor out) {
        checkSets(sets);
        attention.prepare(q, k, v, lengths, qLens, out);
        try {
            select(lengths, qLens, sets);
            sparse(sets, identity);
        } finally {
            attention.release();
        }
    }

    /** Reuse layer: attention over the anchor's sets through the head mapping, plus the diagonal. */
    public void reuse(Tensor q, Tensor k, Tensor v, int[] lengths, int[] qLens, TileIndexSets anchorSets,
                      int[] sourceHead, Tensor out) {
        checkSets(anchorSets);
        if (sourceHead == null || sourceHead.length != config.kvHeads()) {
            throw new IllegalArgumentException("sourceHead: expected " + config.kvHeads() + " entries");
        }
        for (int g = 0; g < sourceHead.length; g++) {
            if (sourceHead[g] < 0 || sourceHead[g] >= config.kvHeads()) {
                throw new IllegalArgumentException("sourceHead[" + g + "] = " + sourceHead[g] + " out of range [0, "
                        + config.kvHeads() + ")");
            }
        }
        attention.prepare(q, k, v, lengths, qLens, out);
        try {
            newTokens();
            if (!anchorSets.matches(lengths, callQLens, config.tile())) {
                throw new IllegalArgumentException("anchorSets: the anchor's tile index sets were built for another prefill"
                        + " call (lengths or qLens differ)");
            }
            sparse(anchorSets, sourceHead);
        } finally {
            attention.release();
        }
    }

    private void newTokens() {
        for (int b = 0; b < batch; b++) callQLens[b] = attention.newTokens(b);
    }

    private void select(int[] lengths, int[] qLens, TileIndexSets sets) {
        newTokens();
        sets.layout(lengths, callQLens, config.tile(), config.budget());
        int n = 0;
        if (scoreUnits.length < attention.units()) scoreUnits = new int[attention.units()];
        for (int u = 0; u < attention.units(); u++) {
            int b = attention.unitBatch(u);
            int i = attention.unitTile(u);
            if (sets.dense(b, i)) continue;
            if (variant.allHeadsPooled() && attention.unitHead(u) != 0) continue;
            scoreUnits[n++] = u;
        }
        if (logits == null) {
            logits = new float[pool.parallelism()][];
        }
        callSets = sets;
        try {
            run(n, scoreJob);
        } finally {
            callSets = null;
        }
    }

    private void sparse(TileIndexSets sets, int[] map) {
        callSets = sets;
        callMap = map;
        try {
            run(attention.units(), sparseJob);
        } finally {
            callSets = null;
            callMap = null;
        }
    }

    private void run(int tasks, CpuPool.Job job) {
        if (attention.shareable()) pool.run(tasks, job, attention.work());
        else pool.runInline(tasks, job);
    }

    private void denseTask(int u, int worker) {
        attention.tileAttention(worker, attention.unitBatch(u), attention.unitHead(u), attention.unitTile(u), null, 0, 0);
    }

    private void sparseTask(int u, int worker) {
        int b = attention.unitBatch(u);
        int g = attention.unitHead(u);
        int i = attention.unitTile(u);
        TileIndexSets sets = callSets;
        if (sets.dense(b, i)) {
            attention.tileAttention(worker, b, g, i, null, 0, 0);
        } else {
            int src = callMap[g];
            attention.tileAttention(worker, b, g, i, sets.positionsArray(), sets.offset(b, i, src), sets.count(b, i, src));
        }
    }

    /** Passes 1-3 for one (b, tile, g) (all g with all heads pooled): logits, pooling, top-k. */
    private void scoreTask(int task, int worker) {
        int u = scoreUnits[task];
        int b = attention.unitBatch(u);
        int i = attention.unitTile(u);
        int s = attention.tileStart(b, i);
        float[] lg = logits[worker];
        int need = attention.maxRows() * s;
        if (lg == null || lg.length < need) {
            // grows to rows x the longest prefix seen, then stays (steady state allocates nothing)
            lg = new float[Math.max(need, attention.maxRows() * Math.min(capacity, 2 * s))];
            logits[worker] = lg;
        }
        float[] p = pooled[worker];
        Arrays.fill(p, 0, s, 0f);
        int g0 = variant.allHeadsPooled() ? 0 : attention.unitHead(u);
        int g1 = variant.allHeadsPooled() ? config.kvHeads() : g0 + 1;
        float[] lse = rowLse[worker];
        for (int g = g0; g < g1; g++) {
            int rows = attention.tileScores(worker, b, g, i, lg, s, lse);
            for (int row = 0; row < rows; row++) {
                if (config.pooling() == Pooling.POST_SOFTMAX) {
                    ScorePooling.addProbabilities(lg, row * s, lse[row], s, p, 0);
                } else {
                    ScorePooling.addLogits(lg, row * s, s, p, 0);
                }
            }
        }
        TileIndexSets sets = callSets;
        int k = sets.count(b, i, g0);
        int[] positions = sets.positionsArray();
        topK[worker].select(p, 0, s, k, positions, sets.offset(b, i, g0));
        if (variant.allHeadsPooled()) {
            for (int g = 1; g < config.kvHeads(); g++) {
                System.arraycopy(positions, sets.offset(b, i, 0), positions, sets.offset(b, i, g), k);
            }
        }
    }

    private void checkSets(TileIndexSets sets) {
        if (sets == null) throw new IllegalArgumentException("sets: expected TileIndexSets but got null");
        if (sets.batch() != batch || sets.kvHeads() != config.kvHeads()) {
            throw new IllegalArgumentException("sets: expected sets for batch " + batch + " x " + config.kvHeads()
                    + " KV heads but got " + sets.batch() + " x " + sets.kvHeads());
        }
    }
}
