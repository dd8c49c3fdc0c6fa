package dev.kascade.kernels.attention;

import dev.kascade.algorithm.Budget;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.KernelLauncher;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.kernels.KernelSpec;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Kascade decode on a GPU (or the emulator): one method per layer role, each launching the attention kernels
 * in order on buffers the caller prepared. Every input is checked before the first launch.
 *
 * <ul>
 *   <li>{@link #dense}: split-K flash-decoding, then the LSE merge.</li>
 *   <li>{@link #layer0}: dense output, and the index sets the next layers reuse (logits pass, pooling, top-k).</li>
 *   <li>{@link #anchor}: K-only logits pass, LSE merge, pooling, top-k, sparse attention over the selection.</li>
 *   <li>{@link #reuse}: sparse attention over an anchor's index sets through a head mapping.</li>
 * </ul>
 *
 * <p>Buffers: q and the output are f32 {@code [batch][qHeads][headDim]}; the KV cache is a {@link KvLayer};
 * {@code lengths[batch]} int32 are the keys visible to each sequence (the current token included). The budget
 * is the caller's with {@code k} rounded up to a multiple of {@value #KERNEL_K_MULTIPLE} (spec: fast kernels
 * round k; capped at n, so n <= 128 is dense). Scratch (partials, logits, pooled scores) belongs to this
 * object and is freed by {@link #close()}. Not thread-safe: one decode step at a time.
 */
public final class GpuDecode implements AutoCloseable {
    /** Kernels round the budget up to a multiple of this (one 128-key tile). */
    public static final int KERNEL_K_MULTIPLE = 128;
    /** The sparse pass targets {@code blocksPerSm / SPARSE_GRID_DIVISOR} blocks per SM ({@link #sparsePlan}). */
    public static final int SPARSE_GRID_DIVISOR = 4;
    /** The tensor-core kernel's grid target, in percent of the FMA kernel's ({@link #plan(DecodeMode, int, int)}). */
    public static final int MMA_GRID_PERCENT = 150;
    /** Fewest keys per row for {@link #wholeRows}: 192 steps of 64 keys, where the ring takes three stages. */
    public static final int WHOLE_ROW_MIN_KEYS = SplitTuning.MMA_LONG_BLOCK_STEPS * MmaDecodeKernel.BLOCK_KEYS;
    /** Most keys per row for {@link #wholeRows}. */
    public static final int WHOLE_ROW_MAX_KEYS = 65536;
    /** Most keys per row for {@link #wholeRows} where the rows take two waves of blocks (one wave: up to the max). */
    public static final int WHOLE_ROW_TWO_WAVE_MAX_KEYS = 16384;
    /** Above this many keys per row {@link #usesStreamK} takes the stream-K grid even where whole rows would fit. */
    public static final int STREAM_K_OVER_WHOLE_ROWS_KEYS = 32768;
    /** Least share of the whole-row grid's waves its blocks must fill ({@link #wholeRows}). */
    public static final int WHOLE_ROW_MIN_FILL_PERCENT = 95;

    private static final Method SPLIT = method(SplitDecodeKernel.class, "decodeSplit");
    private static final Method SPLIT_MMA = method(MmaDecodeKernel.class, "decodeMma");
    private static final Method SPLIT_PERSISTENT = method(PersistentDecodeKernel.class, "decodePersistent");
    private static final Method SPLIT_STREAM_K = method(StreamKDecodeKernel.class, "decodeStreamK");
    private static final Method MERGE = method(LseMergeKernel.class, "mergeSplits");
    private static final Method POOL = method(PooledScoreKernel.class, "poolScores");
    private static final Method SELECT = method(TopKSelectKernel.class, "selectTopK");

    private final KernelLauncher launcher;
    private final DecodeShape shape;
    private final Budget budget;
    private final int smCount;
    private final int blocksPerSm;
    private final int minKeysPerSplit;
    private final float qScale;
    private final SplitTuning tuning;
    /** Whether a role's second and later kernels are launched early ({@link #chained}). */
    private final boolean earlyLaunch = SplitTuning.booleanProperty("kascade.decode.earlyLaunch", true);
    private final Arena arena = Arena.ofShared();
    private final F32Buffer partialOut;
    private final F32Buffer partialLse;
    private final F32Buffer lse;
    private final I32Buffer identityMap;
    private final I32Buffer headMap;
    private final I32Buffer tickets;
    private final I32Buffer carryFlags;
    private final I32Buffer noIndices;
    private final F32Buffer noOutput;
    private F32Buffer logits;
    private F32Buffer pooled;
    /** Index sets this decoder's top-k filled last, and the lengths they were selected for. */
    private IndexSets selectedSets;
    private int[] selectedLengths;

    /** For the H200: 132 SMs and the default split plan (see {@link SplitPlan}). */
    public GpuDecode(KernelLauncher launcher, DecodeShape shape, Budget budget) {
        this(launcher, shape, budget, SplitPlan.H200_SM_COUNT, SplitPlan.DEFAULT_BLOCKS_PER_SM,
                SplitPlan.DEFAULT_MIN_KEYS_PER_SPLIT);
    }

    /**
     * @param smCount         SMs of the device the grid is sized for
     * @param blocksPerSm     target blocks per SM over a split-K grid
     * @param minKeysPerSplit fewest keys a split-K block covers (unless a row has fewer)
     */
    public GpuDecode(KernelLauncher launcher, DecodeShape shape, Budget budget, int smCount, int blocksPerSm,
                     int minKeysPerSplit) {
        this(launcher, shape, budget, smCount, blocksPerSm, minKeysPerSplit, SplitTuning.current());
    }

    /** As above, with the split kernel's code-shape choice given (tests run every variant). */
    public GpuDecode(KernelLauncher launcher, DecodeShape shape, Budget budget, int smCount, int blocksPerSm,
                     int minKeysPerSplit, SplitTuning tuning) {
        if (tuning == null) throw new IllegalArgumentException("tuning: expected a SplitTuning but got null");
        this.tuning = tuning;
        if (launcher == null) throw new IllegalArgumentException("launcher: expected a KernelLauncher but got null");
        if (shape == null) throw new IllegalArgumentException("shape: expected a DecodeShape but got null");
        if (budget == null) throw new IllegalArgumentException("budget: expected a Budget but got null");
        this.launcher = launcher;
        this.shape = shape;
        this.budget = new Budget(budget.fraction(), budget.minimum(), KERNEL_K_MULTIPLE);
        this.smCount = smCount;
        this.blocksPerSm = blocksPerSm;
        this.minKeysPerSplit = minKeysPerSplit;
        SplitPlan.choose(1, 1, shape.headDim(), smCount, blocksPerSm, minKeysPerSplit); // validates the knobs
        this.qScale = (float) (1.0 / Math.sqrt(shape.headDim()) / Math.log(2.0));
        int rows = (int) rows();
        int maxSplits = SplitPlan.maxSplits(rows, smCount, Math.max(blocksPerSm, mmaTarget(blocksPerSm)));
        long heads = (long) shape.batch() * shape.qHeads();
        this.partialOut = F32Buffer.allocate(arena, heads * maxSplits * shape.headDim());
        this.partialLse = F32Buffer.allocate(arena, heads * maxSplits);
        this.lse = F32Buffer.allocate(arena, heads);
        this.identityMap = I32Buffer.allocate(arena, shape.kvHeads());
        for (int g = 0; g < shape.kvHeads(); g++) identityMap.set(g, g);
        this.headMap = I32Buffer.allocate(arena, shape.kvHeads());
        // zero; PersistentDecodeKernel and StreamKDecodeKernel leave them zero after every launch
        this.tickets = I32Buffer.allocate(arena, 1);
        this.carryFlags = I32Buffer.allocate(arena, rows);
        this.noIndices = I32Buffer.allocate(arena, 4);
        this.noOutput = F32Buffer.allocate(arena, 4);
    }

    public DecodeShape shape() {
        return shape;
    }

    /** The split kernel's code-shape choice this decoder launches. */
    public SplitTuning tuning() {
        return tuning;
    }

    /** The budget the kernels apply (the caller's, k rounded up to 128). */
    public Budget budget() {
        return budget;
    }

    /**
     * The head-map buffer {@link #reuseLaunches} writes on the host: a launcher that keeps buffers on a device
     * must upload it (like {@code lengths} and {@code IndexSets.counts}) before running those launches.
     */
    public I32Buffer headMapBuffer() {
        return headMap;
    }

    /** Row stride of index sets for this shape: the budget of a full cache. */
    public int kMax() {
        return budget.keys(shape.capacity());
    }

    /**
     * Row stride of the logits {@code [batch][qHeads][stride]} and pooled scores {@code [batch][kvHeads][stride]}:
     * the capacity rounded up to 4 floats, so the top-k kernel's 16-byte loads stay aligned.
     */
    public int scoreStride() {
        return (shape.capacity() + TopKSelectKernel.VEC - 1) / TopKSelectKernel.VEC * TopKSelectKernel.VEC;
    }

    /** Index-set buffers sized for this shape, in {@code arena}. */
    public IndexSets allocateIndexSets(Arena arena) {
        int kMax = kMax();
        return new IndexSets(I32Buffer.allocate(arena, (long) shape.batch() * shape.kvHeads() * kMax),
                I32Buffer.allocate(arena, shape.batch()), kMax);
    }

    /** The split plan of dense decode over rows of at most {@code maxKeys} keys (for benchmarks and reports). */
    public SplitPlan plan(int maxKeys) {
        return plan(DecodeMode.DENSE, maxKeys, blocksPerSm);
    }

    /**
     * The plan of {@code mode} for a grid target of {@code target} blocks per SM: the FMA kernel's as given, the
     * tensor-core kernel's {@value #MMA_GRID_PERCENT}% of it (its blocks are shorter-lived; measured on the H200,
     * bf16, 32/8/128, batch 64, 2026-11-29: dense 1.882 / 1.893 / 1.900 / 1.896 / 1.897 ms at 32K with 24 / 32 /
     * 40 / 48 / 64 blocks per SM in one session, 1.941 / 1.939 vs 1.960 with 24 / 32 vs 16 in another;
     * docs/gpu-decode.md).
     */
    private SplitPlan plan(DecodeMode mode, int maxKeys, int target) {
        int blocks = usesTensorCores(mode) ? mmaTarget(target) : target;
        if (mode == DecodeMode.DENSE && (wholeRows(maxKeys) || usesStreamK(maxKeys))) {
            return wholeRowPlan(maxKeys);
        }
        return SplitPlan.choose((int) rows(), maxKeys, shape.headDim(), smCount, blocks, minKeysPerSplit);
    }

    /**
     * Whether dense decode takes one split per row (each block a whole row, no merge kernel): on the tensor-core
     * kernel, d 128, rows of {@value #WHOLE_ROW_MIN_KEYS} to {@value #WHOLE_ROW_MAX_KEYS} keys, and rows that fill the
     * resident blocks' one wave, or two waves of rows up to {@value #WHOLE_ROW_TWO_WAVE_MAX_KEYS} keys, to at least
     * {@value #WHOLE_ROW_MIN_FILL_PERCENT}% (the grid cuDNN's SDPA kernel runs, one block per sequence and KV head).
     * Measured on the H200 (bf16, 32/8/128, 2026-11-29, one call, dense ms, split plan vs one split; SDPA in the same
     * call): batch 32 (256 rows, 0.97 waves of 264) 0.500-0.511 vs 0.480-0.482 at 16K, 0.973-0.974 vs 0.950-0.952 at
     * 32K, 1.907 vs 1.884 at 64K; batch 64 (1.94 waves)
     * 0.970 vs 0.956-0.957, 1.911-1.913 vs 1.896-1.901, 3.798-3.811 vs 3.793-3.800 (SDPA 0.478 / 0.949 / 1.875 and
     * 0.956 / 1.894-1.900 / 3.786-3.793). Again in another call, this rule's build against its parent: batch 32 0.500
     * -> 0.480, 0.973 -> 0.950, 1.906 -> 1.886; batch 64 0.970 -> 0.957, 1.914 -> 1.901, 64K level (3.797-3.809 vs
     * 3.783-3.819). Not beyond: batch 64 at 128K 7.365-7.370 vs 7.496-7.504 (the split plan wins), batch 128 (3.9
     * waves) 3.800-3.803 vs 3.830-3.835 at 32K. Below 12K keys a whole row is fewer than
     * {@link SplitTuning#MMA_LONG_BLOCK_STEPS} steps, which changes the ring; not measured, so not taken.
     *
     * <p>Two waves only up to {@value #WHOLE_ROW_TWO_WAVE_MAX_KEYS} keys: once the ring's steps were copied by the
     * whole block (MmaRing.copyBlockStep), the split plan overtook whole rows at batch 64 beyond 16K (H200, bf16,
     * 2026-11-30, same calls, rounds alternated, SDPA after each round; split plan vs whole rows, medians): 32K 1.8933
     * vs 1.8971 ms (SDPA 1.8988) in one call and 1.9989 vs 2.0225 (SDPA 2.0067) in the next, 64K 3.7612 vs 3.7909 and
     * 3.7606 vs 3.7931, every one of 14 rounds; at 16K whole rows still won, 1.0153 vs 1.0320. In one wave they still
     * win everywhere: batch 32 at 16K / 32K / 64K 0.5152 / 0.9546 / 1.8887 vs 0.5486 / 0.9746 / 1.9289
     * (benchmarks/results/h200-2026-11-30-twelfth-session/).
     */
    boolean wholeRows(int maxKeys) {
        if (!usesTensorCores(DecodeMode.DENSE) || tuning.persistent(DecodeMode.DENSE, shape.headDim())
                || shape.headDim() != 128 || maxKeys < WHOLE_ROW_MIN_KEYS || maxKeys > WHOLE_ROW_MAX_KEYS) {
            return false;
        }
        int stages = mmaStages(DecodeMode.DENSE, wholeRowPlan(maxKeys));
        long slots = (long) smCount * MmaDecodeKernel.blocksPerSm(shape.headDim(), stages);
        long waves = Math.ceilDiv(rows(), slots);
        if (waves > 2 || (waves == 2 && maxKeys > WHOLE_ROW_TWO_WAVE_MAX_KEYS)) return false;
        return rows() * 100 >= WHOLE_ROW_MIN_FILL_PERCENT * waves * slots;
    }

    /** One split per row of at most {@code maxKeys} keys. */
    private SplitPlan wholeRowPlan(int maxKeys) {
        return SplitPlan.choose((int) rows(), maxKeys, shape.headDim(), smCount, 1, maxKeys);
    }

    /** Ring stages of the tensor-core kernel on {@code plan}: strided splits, about keysPerSplit / BLOCK_KEYS steps. */
    private int mmaStages(DecodeMode mode, SplitPlan plan) {
        return tuning.mmaStages(plan.keysPerSplit() / MmaDecodeKernel.BLOCK_KEYS, mode.sparse());
    }

    /** The tensor-core kernel's grid target for an FMA-kernel target of {@code target} blocks per SM. */
    private static int mmaTarget(int target) {
        return Math.max(1, target * MMA_GRID_PERCENT / 100);
    }

    /**
     * Whether dense decode over rows of at most {@code maxKeys} keys runs {@link StreamKDecodeKernel} (on the whole-row
     * plan, whose rows are the kernel's): where the tensor-core kernel runs dense (not on the persistent grid) and the
     * tuning says ALWAYS, or AUTO, d 128, rows of at least {@value #WHOLE_ROW_MIN_KEYS} keys (three ring stages) that
     * fill the one wave of resident blocks, and either longer than {@value #STREAM_K_OVER_WHOLE_ROWS_KEYS} keys or not
     * served by {@link #wholeRows}. Measured on the H200 (bf16, 32/8/128, 2026-11-29, two rounds in one call, dense
     * ms, stream-K vs this rule's alternative; SDPA in the same call): batch 64 (512 rows) 0.942-0.943 vs 0.935-0.936
     * at 16K and 1.859-1.860 vs 1.858-1.863 at 32K (whole rows; SDPA 0.930-0.934, 1.850-1.851), 7.341-7.350 vs
     * 7.366-7.370 at 128K (split plan; SDPA 7.44); batch 128 (1024 rows, split plan) 1.863 vs 1.877 at 16K, 3.687-3.698
     * vs 3.711-3.713 at 32K, 14.76-14.80 vs 14.78 at 128K; in another call batch 64 at 64K 3.766-3.781 vs 3.790-3.819
     * (whole rows; SDPA 3.795-3.797). On another H200 (2026-11-30, block copies in the ring, same call each) the same
     * rule lost everywhere it applies: batch 64 at 64K 3.751 vs 3.693-3.697 ms, at 128K 7.556-7.576 vs 7.329-7.340
     * (SDPA 3.685-3.688 and 7.308-7.319), batch 128 at 16K 1.897 vs 1.865-1.867 and at 64K 7.484-7.492 vs
     * 7.361-7.365; so the default tuning is OFF and AUTO is an opt-in.
     */
    boolean usesStreamK(int maxKeys) {
        if (!usesTensorCores(DecodeMode.DENSE) || tuning.persistent(DecodeMode.DENSE, shape.headDim())) return false;
        return switch (tuning.streamK()) {
            case OFF -> false;
            case ALWAYS -> true;
            case AUTO -> shape.headDim() == 128 && maxKeys >= WHOLE_ROW_MIN_KEYS
                    && rows() >= (long) smCount * StreamKDecodeKernel.blocksPerSm(shape.headDim(), 3)
                    && (maxKeys > STREAM_K_OVER_WHOLE_ROWS_KEYS || !wholeRows(maxKeys));
        };
    }

    /**
     * Blocks of {@link StreamKDecodeKernel}'s grid with {@code stages} ring stages: the resident ones (one wave), at
     * most one per row (a block's share must hold a whole row's steps).
     */
    int streamKGrid(int stages) {
        return (int) Math.min(rows(), (long) smCount * StreamKDecodeKernel.blocksPerSm(shape.headDim(), stages));
    }

    /** Rows of the split-K grid: sequence x head block (KV head x part of its query group). */
    private long rows() {
        return (long) shape.batch() * shape.kvHeads() * shape.groupParts();
    }

    /**
     * Whether {@code mode} runs {@link MmaDecodeKernel}: where the tuning allows it, the head dim is served, and there
     * are at least as many rows (sequence x head block) as SMs. With fewer rows the FMA kernel is as fast or faster
     * (H200, 2026-11-29: batch 8, 64 rows: dense 0.272 vs 0.280 ms at 32K, 0.990 vs 0.983 at 128K; batch 1, 8 rows:
     * 0.165 vs 0.195 ms at 128K); at batch 64 (512 rows) the FMA kernel is the slower one (1.975 vs 1.934 ms at 32K,
     * 8.15 vs 7.62 ms at 128K).
     */
    public boolean usesTensorCores(DecodeMode mode) {
        return tuning.tensorCores(mode, shape.headDim()) && rows() >= smCount;
    }

    /**
     * The split plan of the sparse pass (anchor pass 4, reuse) over index sets of at most {@code maxCount} keys: a
     * grid target of a quarter of {@code blocksPerSm}, i.e. fewer and longer blocks, since gathered rows make
     * each block's start (index loads, then dependent row loads) costlier. Measured on the H200 (bf16, 32/8/128,
     * batch 64, 32K, k 3328, 2026-11-29): reuse 0.264 ms with 5 splits (16 blocks per SM), 0.259 with 3 (8),
     * 0.254 with 2 (4).
     */
    public SplitPlan sparsePlan(int maxCount) {
        return sparsePlan(DecodeMode.SPARSE, maxCount);
    }

    /** {@link #sparsePlan(int)} for {@code mode} (SPARSE or ANCHOR_SPARSE: they may run different kernels). */
    private SplitPlan sparsePlan(DecodeMode mode, int maxCount) {
        return plan(mode, maxCount, Math.max(1, blocksPerSm / SPARSE_GRID_DIVISOR));
    }

    // ------------------------------------------------------------------------------------------ roles

    /** Dense decode: {@code out = softmax(q K^T / sqrt(d)) V} over each sequence's {@code lengths[b]} keys. */
    public void dense(F32Buffer q, KvLayer kv, I32Buffer lengths, F32Buffer out) {
        run(denseLaunches(q, kv, lengths, out));
    }

    /** Layer 0: the dense output, and {@code sets} filled with the top-k of the pooled post-softmax scores. */
    public void layer0(F32Buffer q, KvLayer kv, I32Buffer lengths, F32Buffer out, IndexSets sets) {
        List<KernelLaunch> launches = buildLayer0(q, kv, lengths, out, sets);
        selectedSets = null;
        run(launches);
        trust(sets, lengths);
    }

    /**
     * Anchor layer: exact pooled scores over all keys (K only), top-k per KV head into {@code sets}, then
     * attention over the selected keys (identity head mapping) into {@code out}.
     */
    public void anchor(F32Buffer q, KvLayer kv, I32Buffer lengths, F32Buffer out, IndexSets sets) {
        List<KernelLaunch> launches = buildAnchor(q, kv, lengths, out, sets);
        selectedSets = null;
        run(launches);
        trust(sets, lengths);
    }

    /**
     * Reuse layer: attention over the anchor's index sets, KV head {@code g} reading the set of anchor head
     * {@code headMapRow[g]} (the row {@code headMap[layer]} of the plan). Sets this decoder's layer 0 or anchor
     * filled for the same lengths are trusted (the top-k kernel only writes positions below n_b); any other
     * sets have their counts and every index the pass reads checked on the host, O(batch * G * k).
     */
    public void reuse(F32Buffer q, KvLayer kv, I32Buffer lengths, IndexSets sets, int[] headMapRow, F32Buffer out) {
        run(reuseLaunches(q, kv, lengths, sets, headMapRow, out));
    }

    /** Runs prepared launches in order through this decoder's launcher. */
    public void run(List<KernelLaunch> launches) {
        for (KernelLaunch l : launches) launcher.launch(l.kernel(), l.config(), l.args());
    }

    // ------------------------------------------------------------------------------------------ prepared launches

    /*
     * The roles as launch lists, for callers that run them elsewhere (a task graph with device-resident buffers,
     * per-launch event timing). Each checks its inputs and does the role's host work (budgets into
     * sets.counts, the head-map row into this decoder's buffer) now; nothing is launched.
     */

    /** {@link #dense}'s launches: split_dense, merge. */
    public List<KernelLaunch> denseLaunches(F32Buffer q, KvLayer kv, I32Buffer lengths, F32Buffer out) {
        int maxLength = checkInputs(q, kv, lengths);
        checkOutput(out);
        SplitPlan plan = plan(DecodeMode.DENSE, maxLength, blocksPerSm);
        if (usesStreamK(maxLength)) return List.of(streamK(plan, q, kv, lengths, out));
        List<KernelLaunch> launches = new ArrayList<>();
        launches.addAll(attend(DecodeMode.DENSE, plan, q, kv, lengths, noIndices, identityMap, 1, out));
        return chained(launches);
    }

    /** {@link #layer0}'s launches: split_layer0, merge, pool, topk. {@code sets} count as filled once they ran. */
    public List<KernelLaunch> layer0Launches(F32Buffer q, KvLayer kv, I32Buffer lengths, F32Buffer out, IndexSets sets) {
        List<KernelLaunch> launches = buildLayer0(q, kv, lengths, out, sets);
        trust(sets, lengths);
        return launches;
    }

    /** {@link #anchor}'s launches: split_anchor_scores, merge, pool, topk, split_anchor_sparse, merge. */
    public List<KernelLaunch> anchorLaunches(F32Buffer q, KvLayer kv, I32Buffer lengths, F32Buffer out, IndexSets sets) {
        List<KernelLaunch> launches = buildAnchor(q, kv, lengths, out, sets);
        trust(sets, lengths);
        return launches;
    }

    /** {@link #reuse}'s launches: split_sparse, merge. */
    public List<KernelLaunch> reuseLaunches(F32Buffer q, KvLayer kv, I32Buffer lengths, IndexSets sets,
                                            int[] headMapRow, F32Buffer out) {
        checkInputs(q, kv, lengths);
        checkOutput(out);
        checkHeadMap(headMapRow);
        int maxCount = sets == selectedSets && Arrays.equals(selectedLengths, read(lengths))
                ? max(read(sets.counts()))
                : checkIndexSets(sets, lengths, headMapRow);
        for (int g = 0; g < shape.kvHeads(); g++) headMap.set(g, headMapRow[g]);
        return chained(sparse(DecodeMode.SPARSE, q, kv, sets, headMap, maxCount, out));
    }

    private List<KernelLaunch> buildLayer0(F32Buffer q, KvLayer kv, I32Buffer lengths, F32Buffer out, IndexSets sets) {
        int maxLength = checkInputs(q, kv, lengths);
        checkOutput(out);
        int[] budgets = budgets(lengths, sets);
        ensureScoreBuffers();
        SplitPlan plan = plan(DecodeMode.LAYER0, maxLength, blocksPerSm);
        List<KernelLaunch> launches = new ArrayList<>();
        launches.addAll(attend(DecodeMode.LAYER0, plan, q, kv, lengths, noIndices, identityMap, 1, out));
        launches.addAll(select(lengths, maxLength, sets, budgets));
        return chained(launches);
    }

    private List<KernelLaunch> buildAnchor(F32Buffer q, KvLayer kv, I32Buffer lengths, F32Buffer out, IndexSets sets) {
        int maxLength = checkInputs(q, kv, lengths);
        checkOutput(out);
        int[] budgets = budgets(lengths, sets);
        ensureScoreBuffers();
        SplitPlan plan = plan(DecodeMode.ANCHOR_SCORES, maxLength, blocksPerSm);
        List<KernelLaunch> launches = new ArrayList<>();
        launches.addAll(attend(DecodeMode.ANCHOR_SCORES, plan, q, kv, lengths, noIndices, identityMap, 1, noOutput));
        launches.addAll(select(lengths, maxLength, sets, budgets));
        launches.addAll(sparse(DecodeMode.ANCHOR_SPARSE, q, kv, sets, identityMap, max(budgets), out));
        return chained(launches);
    }

    /**
     * A role's launches with every one after the first launched early ({@link LaunchConfig#earlyLaunch()}): each
     * kernel of a role reads what the one before it wrote, and every decode kernel waits for that
     * ({@link dev.kascade.kernel.KernelContext#gridDependencyWait()}) before its first read and lets the next one
     * start ({@link dev.kascade.kernel.KernelContext#launchDependents()}) as it begins, so on Hopper a merge, pool or
     * top-k kernel's blocks are resident when the kernel ahead ends instead of a launch latency later. Since every
     * kernel waits before any memory access, reads or writes, a kernel never overlaps the memory work of any kernel
     * ahead of it (each of those finished before the one after it passed its own wait).
     * {@code kascade.decode.earlyLaunch=false} turns it off.
     */
    private List<KernelLaunch> chained(List<KernelLaunch> launches) {
        if (!earlyLaunch || launches.size() < 2) return launches;
        List<KernelLaunch> out = new ArrayList<>(launches.size());
        out.add(launches.getFirst());
        for (int i = 1; i < launches.size(); i++) out.add(launches.get(i).early());
        return out;
    }

    private void trust(IndexSets sets, I32Buffer lengths) {
        selectedSets = sets;
        selectedLengths = read(lengths);
    }

    // ------------------------------------------------------------------------------------------ steps

    /**
     * The split-K pass of {@code mode} over {@code keyCounts[b]} keys per sequence and the LSE merge after it:
     * {@link MmaDecodeKernel} (strided splits; {@link PersistentDecodeKernel} where the tuning asks) where
     * {@link #usesTensorCores} holds, else {@link SplitDecodeKernel} (contiguous splits), both on {@code plan}'s grid.
     */
    private List<KernelLaunch> attend(DecodeMode mode, SplitPlan plan, F32Buffer q, KvLayer kv, I32Buffer keyCounts,
                                      I32Buffer indices, I32Buffer map, int kMax, F32Buffer out) {
        int headBlocks = shape.kvHeads() * shape.groupParts();
        String name = "split_" + mode.name().toLowerCase(java.util.Locale.ROOT);
        F32Buffer logitsOut = logits == null ? noOutput : logits;
        boolean bf16 = kv.dtype() == DType.BF16;
        // One split per row: its partial row and LSE are the result (the merge of one split is the identity, and a
        // partial row [b][head][split] has the output's layout [b][head]), so the kernel writes them in place and
        // no merge runs. Every row has a key (lengths and set sizes are at least 1), so split 0 always writes.
        boolean single = plan.splits() == 1;
        F32Buffer partialOut = single && mode.withValues() ? out : this.partialOut;
        F32Buffer partialLse = single ? lse : this.partialLse;
        KernelLaunch split;
        int mergeStep; // the merge's split size: strided splits (tensor-core kernels) step BLOCK_KEYS apart
        if (usesTensorCores(mode)) {
            int stages = mmaStages(mode, plan);
            if (tuning.persistent(mode, shape.headDim())) {
                split = new KernelLaunch(name, SPLIT_PERSISTENT,
                        new LaunchConfig(persistentGrid(plan, stages), 1, 1, PersistentDecodeKernel.THREADS, 1,
                                PersistentDecodeKernel.dynamicSharedBytes(shape.headDim(), shape.blockHeads(), stages)),
                        q, kv.kWords(), kv.vWords(), keyCounts, tickets, partialOut, partialLse, logitsOut,
                        shape.batch(), shape.kvHeads(), shape.groupParts(), shape.capacity(), plan.splits(),
                        scoreStride(), qScale, shape.headDim(), shape.blockHeads(), bf16, mode.writeLogits(), stages);
            } else {
                split = new KernelLaunch(name, SPLIT_MMA,
                        new LaunchConfig(plan.splits(), headBlocks, shape.batch(), MmaDecodeKernel.THREADS, 1,
                                MmaDecodeKernel.dynamicSharedBytes(shape.headDim(), stages)),
                        q, kv.kWords(), kv.vWords(), keyCounts, indices, map, partialOut, partialLse, logitsOut,
                        shape.kvHeads(), shape.groupParts(), shape.capacity(), kMax, plan.splits(), scoreStride(),
                        qScale, shape.headDim(), shape.blockHeads(), bf16, mode.writeLogits(), mode.sparse(), stages);
            }
            mergeStep = MmaDecodeKernel.BLOCK_KEYS; // split s holds keys when s * BLOCK_KEYS < n
        } else {
            int stages = tuning.asyncStages(shape.blockHeads());
            split = new KernelLaunch(name, SPLIT,
                    new LaunchConfig(plan.splits(), headBlocks, shape.batch(), SplitDecodeKernel.THREADS, 1,
                            stages * SplitDecodeKernel.RING_STAGE_BYTES),
                    q, kv.kWords(), kv.vWords(), keyCounts, indices, map, partialOut, partialLse, logitsOut,
                    shape.kvHeads(), shape.groupParts(), shape.capacity(), kMax, plan.keysPerSplit(), plan.splits(),
                    scoreStride(), qScale, shape.headDim(), shape.blockHeads(), bf16,
                    mode.withValues(), mode.writeLogits(), mode.sparse(), tuning.pipelined(shape.blockHeads()),
                    stages, tuning.gatherReduce(mode), mode.keptLogits());
            mergeStep = plan.keysPerSplit();
        }
        return single ? List.of(split)
                : List.of(split, merge(keyCounts, out, mergeStep, plan.splits(), mode.withValues()));
    }

    /** Dense decode on {@link StreamKDecodeKernel} over {@code plan}'s whole rows (one launch, no merge). */
    private KernelLaunch streamK(SplitPlan plan, F32Buffer q, KvLayer kv, I32Buffer lengths, F32Buffer out) {
        int rowSteps = Math.ceilDiv(plan.keysPerSplit(), MmaDecodeKernel.BLOCK_KEYS);
        int stages = tuning.mmaStages((int) (rows() * rowSteps / streamKGrid(3)));
        return new KernelLaunch("split_dense", SPLIT_STREAM_K,
                new LaunchConfig(streamKGrid(stages), 1, 1, StreamKDecodeKernel.THREADS, 1,
                        StreamKDecodeKernel.dynamicSharedBytes(shape.headDim(), stages)),
                q, kv.kWords(), kv.vWords(), lengths, tickets, carryFlags, out, lse, partialOut, partialLse,
                shape.batch(), shape.kvHeads(), shape.groupParts(), shape.capacity(), rowSteps, qScale,
                shape.headDim(), shape.blockHeads(), kv.dtype() == DType.BF16, stages);
    }

    /**
     * Blocks of {@link PersistentDecodeKernel}'s grid: as many as are resident at once ({@code smCount} times the
     * blocks per SM that fit), at most one per work item (sequence x head block x split).
     */
    int persistentGrid(SplitPlan plan, int stages) {
        long items = rows() * plan.splits();
        long resident = (long) smCount * PersistentDecodeKernel.blocksPerSm(shape.headDim(), shape.blockHeads(), stages);
        return (int) Math.min(items, resident);
    }

    /** The persistent and stream-K kernels' work counter (zero between launches). */
    I32Buffer ticketsBuffer() {
        return tickets;
    }

    /** The stream-K kernel's carry flags, one per row (zero between launches). */
    I32Buffer carryFlagsBuffer() {
        return carryFlags;
    }

    private KernelLaunch merge(I32Buffer keyCounts, F32Buffer out, int keysPerSplit, int splits, boolean withValues) {
        return new KernelLaunch("merge", MERGE, new LaunchConfig(shape.qHeads(), shape.batch(), 1, LseMergeKernel.THREADS, 1,
                LseMergeKernel.dynamicSharedBytes(splits)),
                partialOut, partialLse, keyCounts, out, lse, shape.qHeads(), keysPerSplit, splits, shape.headDim(),
                withValues);
    }

    /** Writes the budgets into {@code sets.counts} (host) and returns the pool and top-k launches. */
    private List<KernelLaunch> select(I32Buffer lengths, int maxLength, IndexSets sets, int[] budgets) {
        for (int b = 0; b < shape.batch(); b++) sets.counts().set(b, budgets[b]);
        int keyBlocks = (maxLength + PooledScoreKernel.THREADS - 1) / PooledScoreKernel.THREADS;
        return List.of(
                new KernelLaunch("pool", POOL,
                        new LaunchConfig(keyBlocks, shape.kvHeads(), shape.batch(), PooledScoreKernel.THREADS, 1, 0),
                        logits, lse, lengths, pooled, shape.kvHeads(), scoreStride(), shape.groupSize()),
                new KernelLaunch("topk", SELECT,
                        new LaunchConfig(shape.kvHeads(), shape.batch(), 1, TopKSelectKernel.THREADS, 1, 0),
                        pooled, lengths, sets.counts(), sets.indices(), shape.kvHeads(), scoreStride(), sets.kMax()));
    }

    private static int[] read(I32Buffer buffer) {
        int[] values = new int[(int) buffer.length()];
        for (int i = 0; i < values.length; i++) values[i] = buffer.get(i);
        return values;
    }

    private List<KernelLaunch> sparse(DecodeMode mode, F32Buffer q, KvLayer kv, IndexSets sets, I32Buffer map, int maxCount,
                                      F32Buffer out) {
        SplitPlan plan = sparsePlan(mode, maxCount);
        return attend(mode, plan, q, kv, sets.counts(), sets.indices(), map, sets.kMax(), out);
    }

    private void ensureScoreBuffers() {
        if (logits == null) {
            logits = F32Buffer.allocate(arena, (long) shape.batch() * shape.qHeads() * scoreStride());
            pooled = F32Buffer.allocate(arena, (long) shape.batch() * shape.kvHeads() * scoreStride());
        }
    }

    // ------------------------------------------------------------------------------------------ checks

    /** Checks q, kv and lengths against the shape; returns the longest length. */
    private int checkInputs(F32Buffer q, KvLayer kv, I32Buffer lengths) {
        checkLength("q", q, shape.queryElements(), "[batch][qHeads][headDim]");
        if (kv == null) throw new IllegalArgumentException("kv: expected a KvLayer but got null");
        if (kv.length() != shape.cacheElements()) {
            throw new IllegalArgumentException("kv: expected " + shape.cacheElements()
                    + " elements per cache ([batch][kvHeads][capacity][headDim] = " + shape + ") but got " + kv.length());
        }
        checkLength("lengths", lengths, shape.batch(), "[batch]");
        int max = 0;
        for (int b = 0; b < shape.batch(); b++) {
            int n = lengths.get(b);
            if (n < 1 || n > shape.capacity()) {
                throw new IllegalArgumentException("lengths[" + b + "]: expected 1.." + shape.capacity()
                        + " (the cache capacity) but got " + n);
            }
            max = Math.max(max, n);
        }
        return max;
    }

    private void checkOutput(F32Buffer out) {
        checkLength("out", out, shape.queryElements(), "[batch][qHeads][headDim]");
    }

    private static void checkLength(String name, dev.kascade.kernel.KernelBuffer buffer, long expected, String layout) {
        if (buffer == null) throw new IllegalArgumentException(name + ": expected a buffer but got null");
        if (buffer.length() != expected) {
            throw new IllegalArgumentException(name + ": expected " + expected + " elements " + layout + " but got "
                    + buffer.length());
        }
    }

    private void checkIndexSetBuffers(IndexSets sets) {
        if (sets == null) throw new IllegalArgumentException("sets: expected IndexSets but got null");
        checkLength("sets.indices", sets.indices(), (long) shape.batch() * shape.kvHeads() * sets.kMax(),
                "[batch][kvHeads][kMax]");
        checkLength("sets.counts", sets.counts(), shape.batch(), "[batch]");
    }

    /** The budget of every sequence, checked to fit the index sets' row stride. */
    private int[] budgets(I32Buffer lengths, IndexSets sets) {
        checkIndexSetBuffers(sets);
        int[] k = new int[shape.batch()];
        for (int b = 0; b < k.length; b++) {
            k[b] = budget.keys(lengths.get(b));
            if (k[b] > sets.kMax()) {
                throw new IllegalArgumentException("sets.kMax: " + sets.kMax() + " is smaller than the budget " + k[b]
                        + " of sequence " + b + " (length " + lengths.get(b) + "); allocate with allocateIndexSets");
            }
        }
        return k;
    }

    private void checkHeadMap(int[] headMapRow) {
        if (headMapRow == null || headMapRow.length != shape.kvHeads()) {
            throw new IllegalArgumentException("headMapRow: expected " + shape.kvHeads() + " entries but got "
                    + (headMapRow == null ? "null" : Arrays.toString(headMapRow)));
        }
        for (int g = 0; g < headMapRow.length; g++) {
            if (headMapRow[g] < 0 || headMapRow[g] >= shape.kvHeads()) {
                throw new IllegalArgumentException("headMapRow[" + g + "]: anchor head " + headMapRow[g]
                        + " out of range [0, " + shape.kvHeads() + ")");
            }
        }
    }

    /** Checks counts (1..min(kMax, n_b)) and every index a reuse pass will read; returns the largest count. */
    private int checkIndexSets(IndexSets sets, I32Buffer lengths, int[] headMapRow) {
        checkIndexSetBuffers(sets);
        int max = 0;
        for (int b = 0; b < shape.batch(); b++) {
            int n = lengths.get(b);
            int k = sets.counts().get(b);
            if (k < 1 || k > sets.kMax() || k > n) {
                throw new IllegalArgumentException("sets.counts[" + b + "]: expected 1..min(kMax " + sets.kMax()
                        + ", length " + n + ") keys but got " + k);
            }
            max = Math.max(max, k);
            boolean[] checked = new boolean[shape.kvHeads()];
            for (int g : headMapRow) {
                if (checked[g]) continue;
                checked[g] = true;
                long row = ((long) b * shape.kvHeads() + g) * sets.kMax();
                for (int j = 0; j < k; j++) {
                    int key = sets.indices().get(row + j);
                    if (key < 0 || key >= n) {
                        throw new IllegalArgumentException("sets.indices[" + b + "][" + g + "][" + j + "]: position "
                                + key + " out of range [0, " + n + ")");
                    }
                }
            }
        }
        return max;
    }

    private static int max(int[] values) {
        int m = 0;
        for (int v : values) m = Math.max(m, v);
        return m;
    }

    private static Method method(Class<?> owner, String name) {
        return KernelSpec.of(name, owner, name, java.util.Map.of(), "").method();
    }

    /** Frees the scratch buffers. */
    @Override
    public void close() {
        arena.close();
    }

    // Test access to intermediate results.
    F32Buffer lse() {
        return lse;
    }

    F32Buffer pooledScores() {
        return pooled;
    }

    F32Buffer logits() {
        return logits;
    }
}
