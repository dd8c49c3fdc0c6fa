package dev.kascade.kernels.attention;

import dev.kascade.kernel.Const;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/**
 * Split-K flash-decoding over one KV head's keys, GQA-aware: the workhorse of every decode role.
 *
 * <p>One kernel, four specialisations chosen by {@code @Const} flags (see {@link DecodeMode}):
 * <ul>
 *   <li>dense: all {@code n_b} keys, P.V, partial outputs + partial LSE;</li>
 *   <li>layer 0: as dense, and also writes every key's logit for every query head;</li>
 *   <li>anchor scores: logits + partial LSE only, K is read, V is not;</li>
 *   <li>sparse: the {@code k_b} keys of an index set (through a head mapping), P.V; on an anchor layer
 *       ({@code keptLogits}) the selected keys' logits are read from the scores pass instead of recomputed
 *       from K, so only V rows are gathered (where {@link #scattersValues} holds; other shapes read K).</li>
 * </ul>
 *
 * <p>KV words: the bf16/f16 cache is read through an {@link I32Buffer} view of the same bytes, so one
 * kernel serves both element types ({@code @Const kvBf16} picks the conversion) and every load is a
 * 16-byte {@code ld.global.nc.v4}. Logits and LSEs are in base-2 units of the scaled score
 * ({@code q.k / sqrt(d) * log2(e)}), so softmax is {@code exp2}; natural LSE = base-2 LSE * ln 2.
 */
public final class SplitDecodeKernel {
    private SplitDecodeKernel() {
    }

    /** Warps per block. */
    public static final int WARPS = 4;
    /** Threads per block. */
    public static final int THREADS = WARPS * KernelContext.WARP_SIZE;
    /** bf16/f16 elements in one 16-byte load: each lane owns this many dims of a row. */
    public static final int CHUNK = 8;
    /** 32-bit words in one 16-byte load. */
    public static final int WORDS = 4;
    /** Keys each lane group loads per step, all in flight together (memory-level parallelism). */
    public static final int UNROLL = 4;
    /**
     * Bytes of one stage of the {@code cp.async} ring per block: per warp UNROLL key slots x (K, V) x 32 lanes x one
     * 16-byte chunk (4 KB per warp, 16 KB per block). The ring lives in dynamic shared memory, {@code stages} times
     * this.
     */
    public static final int RING_STAGE_BYTES = WARPS * UNROLL * 2 * KernelContext.WARP_SIZE * WORDS * 4;

    /** Word index of a lane's chunk in the ring: warp, stage, key slot u, K (0) or V (1). */
    static int ringIndex(int stages, int warp, int stage, int u, int kv, int lane) {
        return (((warp * stages + stage) * UNROLL + u) * 2 + kv) * (KernelContext.WARP_SIZE * WORDS) + lane * WORDS;
    }

    /** The two bf16 (or f16) halves of a 32-bit cache word as floats: {@code row[at]} low, {@code row[at + 1]} high. */
    static void unpack(boolean bf16, int packed, float[] row, int at) {
        row[at] = bf16 ? KernelContext.lowBf16(packed) : KernelContext.lowF16(packed);
        row[at + 1] = bf16 ? KernelContext.highBf16(packed) : KernelContext.highF16(packed);
    }

    /** Running max of a worker that has seen no key: finite so that exp2(EMPTY - EMPTY) is not NaN. */
    public static final float EMPTY_MAX = -1e30f;

    /** Lanes that cover one key row: one 16-byte chunk each (8 for d=64, 16 for d=128, 32 for d=256). */
    public static int lanesPerKey(int headDim) {
        return headDim / CHUNK;
    }

    /**
     * Whether a lane holds exactly one (key, head) value per step ({@code UNROLL x blockHeads == d/8}, e.g. d 128
     * with 4 heads per block): the shapes with the reduce-scatter path and the kept-logits anchor pass.
     */
    public static boolean scattersValues(int headDim, int blockHeads) {
        return UNROLL * blockHeads == lanesPerKey(headDim);
    }

    /** Keys one block consumes per loop step; splits are sized in multiples of this. */
    public static int keysPerStep(int headDim) {
        return THREADS / lanesPerKey(headDim) * UNROLL;
    }

    /*
     * Thread layout: grid (split, kvHead g x groupParts, batch b); 128 threads. A block serves blockHeads = r /
     * groupParts query heads of group g (groupParts = 1 up to r = 8; larger groups are cut so q and the
     * accumulators stay in registers, reading K/V once per part). A warp is cut into 32/(d/8) lane groups
     * ("workers") of d/8 lanes; a worker owns one key at a time, lane c of it owns dims [8c, 8c+8) of that
     * key and of the block's query rows (8 floats of q and 8 accumulators per head in registers).
     * Memory traffic per key: 2d bytes of K (+ 2d of V unless anchor scores; + 4 of index when sparse; the
     * anchor's sparse pass reads 4 bytes of logit per (key, head) instead of K), each byte read once for all the
     * block's heads; per (split, head) one partial row of d floats + 1 LSE written; logit modes write 4 bytes
     * per key per head.
     * Algorithm: each worker runs an online softmax over keys split.start + warp*W + u*G + slot (UNROLL keys
     * per step, loads issued first: asyncStages - 1 steps ahead as cp.async copies into per-lane slots of a shared
     * ring (16 KB per stage and block, dynamic shared memory; asyncStages is 0, 2 or 3, as SplitTuning checks), or
     * one step ahead into registers when pipelined); a key's dot is reduced over its lanes with log2(d/8) xor-shuffles, or, with one value per lane, reduce-scattered and the probabilities all-gathered;
     * workers merge by shuffles within the warp, warps through shared memory, then one partial row per head.
     * Sparse mode loads the next step's positions while this step computes.
     */
    @Kernel
    public static void decodeSplit(KernelContext ctx,
                                   @ReadOnly F32Buffer q, @ReadOnly I32Buffer kCache, @ReadOnly I32Buffer vCache,
                                   @ReadOnly I32Buffer keyCounts, @ReadOnly I32Buffer indices,
                                   @ReadOnly I32Buffer headMap,
                                   F32Buffer partialOut, F32Buffer partialLse, F32Buffer logits,
                                   int kvHeads, int groupParts, int capacity, int kMax, int keysPerSplit,
                                   int numSplits, int logitsStride, float qScale,
                                   @Const int headDim, @Const int blockHeads, @Const boolean kvBf16,
                                   @Const boolean withValues, @Const boolean writeLogits, @Const boolean sparse,
                                   @Const boolean pipelined, @Const int asyncStages, @Const boolean gatherReduce,
                                   @Const boolean keptLogits) {
        EarlyLaunch.begin(ctx); // before any global memory access (GpuDecode.chained)
        int split = ctx.blockIdx();
        int headBlock = ctx.blockIdxY(); // (KV head, part of its query group)
        int g = headBlock / groupParts;
        int b = ctx.blockIdxZ();
        int count = keyCounts.get(b);
        int start = split * keysPerSplit;
        if (start >= count) {
            return; // the whole block: this sequence is shorter than the longest one; merge skips the split
        }
        int end = start + keysPerSplit < count ? start + keysPerSplit : count;

        int lanesPerKey = headDim / CHUNK;
        int keysPerWarp = KernelContext.WARP_SIZE / lanesPerKey;
        int warpKeys = keysPerWarp * UNROLL;
        int blockKeys = WARPS * warpKeys;
        int lane = ctx.laneId();
        int warp = ctx.warpId();
        int slot = lane / lanesPerKey;
        int chunk = lane - slot * lanesPerKey;
        int qHeads = kvHeads * groupParts * blockHeads;
        int firstHead = headBlock * blockHeads;

        // This lane's 8 dims of the r query rows, scaled so that exp2(q.k) = exp(q.k / sqrt(d)).
        float[] qs = new float[blockHeads * CHUNK];
        for (int h = 0; h < KernelContext.unroll(blockHeads); h++) {
            long qBase = ((long) b * qHeads + firstHead + h) * headDim + (long) chunk * CHUNK;
            for (int e = 0; e < KernelContext.unroll(CHUNK); e++) {
                qs[h * CHUNK + e] = q.get(qBase + e) * qScale;
            }
        }

        float[] runMax = new float[blockHeads];
        float[] runSum = new float[blockHeads];
        float[] acc = new float[blockHeads * CHUNK];
        for (int h = 0; h < KernelContext.unroll(blockHeads); h++) {
            runMax[h] = EMPTY_MAX;
            runSum[h] = 0f;
            for (int e = 0; e < KernelContext.unroll(CHUNK); e++) {
                acc[h * CHUNK + e] = 0f;
            }
        }
        // kWords/vWords/position receive the loads as they are issued; kCur/vCur/posCur hold the step being
        // computed (the same step without pipelining, the previous one with it).
        int[] kWords = new int[UNROLL * WORDS];
        int[] vWords = new int[UNROLL * WORDS];
        int[] position = new int[UNROLL];
        int[] kCur = new int[UNROLL * WORDS];
        int[] vCur = new int[UNROLL * WORDS];
        int[] posCur = new int[UNROLL];
        int[] load = new int[WORDS];
        float[] row = new float[CHUNK];
        float[] score = new float[UNROLL * blockHeads];

        long rowBase = ((long) b * kvHeads + g) * capacity;
        long listBase = sparse ? ((long) b * kvHeads + headMap.get(g)) * kMax : 0L;

        // Sparse mode: the cache positions of the first step; later steps' are loaded one step ahead so the
        // gathers never wait on an index load.
        int[] gather = new int[UNROLL];
        if (sparse) {
            for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                int j = start + warp * warpKeys + u * keysPerWarp + slot;
                gather[u] = indices.get(listBase + (j < end ? j : end - 1));
            }
        }

        // One value per lane (r = 4, d = 128: UNROLL x blockHeads = 16 = lanes per key): the partial dots are
        // reduce-scattered instead of all-reduced (15 shuffles instead of 64), each lane keeps the running max and
        // sum of its own (key slot, head) value, merged after the loop. With V (gatherReduce), the probabilities
        // are then all-gathered (15 more shuffles) for P.V: 30 shuffles and 1 + r exp2 per lane and step instead
        // of 64 shuffles and UNROLL x r + r exp2.
        // Anchor sparse pass with one value per lane: lane c reads its value's logit (written by the scores pass)
        // instead of loading K and reduce-scattering dots; only V rows are gathered.
        boolean kept = keptLogits && sparse && withValues && UNROLL * blockHeads == lanesPerKey;
        boolean scatter = UNROLL * blockHeads == lanesPerKey && (!withValues || gatherReduce || kept);
        int myU = chunk / blockHeads; // this lane's scattered value: key slot myU, query head myHead
        int myHead = chunk - myU * blockHeads;
        long myLogitRow = ((long) b * qHeads + firstHead + myHead) * logitsStride;
        float xNext = 0f;
        float xCur = 0f;
        float laneMax = EMPTY_MAX;
        float laneSum = 0f;
        float[] headMax = new float[blockHeads];

        // With pipelining the loop runs one extra step first that only issues loads: each step then issues the
        // next step's K/V loads before computing on the ones issued a step earlier, so a warp's loads stay in
        // flight while it computes (one more register set of K/V words).
        // With asyncStages = S > 0 the loads run S - 1 steps ahead as cp.async copies into an S-stage ring in dynamic
        // shared memory instead of a second register set: each lane copies its own 16-byte chunks and reads back
        // only those, so no barrier is needed, only cp.async.wait_group S-1 (the group issued S-1 steps earlier has
        // landed). The loads' positions (and kept logits) are delayed through posMid/xMid to match.
        boolean asyncCopy = asyncStages > 0;
        boolean ahead = pipelined || asyncCopy;
        int lead = asyncCopy ? asyncStages - 1 : (pipelined ? 1 : 0); // steps the loads run ahead
        int[] ring = ctx.dynamicSharedI32(); // empty (0 bytes at launch) without asyncStages
        int[] posMid = new int[UNROLL];
        float xMid = 0f;
        int loadStage = 0;
        int firstTile = start - lead * blockKeys;
        for (int tile = firstTile; tile < end; tile += blockKeys) {
            int stage = loadStage;
            int readStage = stage == asyncStages - 1 ? 0 : stage + 1; // the stage loaded lead steps ago
            loadStage = readStage;
            if (asyncCopy) {
                for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                    posCur[u] = lead > 1 ? posMid[u] : position[u];
                    posMid[u] = position[u];
                }
                xCur = lead > 1 ? xMid : xNext;
                xMid = xNext;
            }
            if (pipelined && !asyncCopy) {
                for (int i = 0; i < KernelContext.unroll(UNROLL * WORDS); i++) {
                    kCur[i] = kWords[i];
                    vCur[i] = vWords[i];
                }
                for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                    posCur[u] = position[u];
                }
                xCur = xNext;
            }
            int loadTile = tile + lead * blockKeys;
            int myPosition = 0;
            // 1. Issue all K (and V) loads of a step before using any of them.
            for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                int j = loadTile + warp * warpKeys + u * keysPerWarp + slot;
                int jc = j < end ? j : end - 1; // past the end: reload a valid row, its weight is set to 0
                int key = jc;
                if (sparse) {
                    key = gather[u] < 0 ? 0 : (gather[u] < capacity ? gather[u] : capacity - 1); // memory safety
                }
                position[u] = j < end ? j : -1;
                myPosition = u == myU ? key : myPosition;
                long word = (((rowBase + key) * headDim) + (long) chunk * CHUNK) >> 1;
                if (!kept && asyncCopy) {
                    ctx.cpAsync16(ring, ringIndex(asyncStages, warp, stage, u, 0, lane), kCache, word);
                } else if (!kept) {
                    kCache.load4(word, load);
                    for (int w = 0; w < KernelContext.unroll(WORDS); w++) {
                        kWords[u * WORDS + w] = load[w];
                    }
                }
                if (withValues && asyncCopy) {
                    ctx.cpAsync16(ring, ringIndex(asyncStages, warp, stage, u, 1, lane), vCache, word);
                } else if (withValues) {
                    vCache.load4(word, load);
                    for (int w = 0; w < KernelContext.unroll(WORDS); w++) {
                        vWords[u * WORDS + w] = load[w];
                    }
                }
            }
            if (asyncCopy) {
                ctx.cpAsyncCommit();
            }

            if (kept) {
                xNext = logits.get(myLogitRow + myPosition);
            }
            if (sparse) {
                for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                    int j = loadTile + blockKeys + warp * warpKeys + u * keysPerWarp + slot;
                    gather[u] = indices.get(listBase + (j < end ? j : end - 1));
                }
            }
            if (!ahead) {
                for (int i = 0; i < KernelContext.unroll(UNROLL * WORDS); i++) {
                    kCur[i] = kWords[i];
                    vCur[i] = vWords[i];
                }
                for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                    posCur[u] = position[u];
                }
                xCur = xNext;
            }
            if (ahead && tile < start) {
                continue; // the pipeline's first step: loads only
            }
            if (asyncCopy) {
                // The copies issued lead steps earlier are complete once at most lead groups (the later steps') are
                // pending; this lane then reads its own chunks back where steps 2 and 5 use them, one key at a
                // time, so only 4 words of K or V are live at once (fewer registers than kCur/vCur).
                ctx.cpAsyncWait(asyncStages - 1);
            }

            // 2. Partial dots of this lane's 8 dims with the r query rows.
            for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                if (!kept) { // (kept logits: read, not recomputed)
                    if (asyncCopy) {
                        ctx.sharedLoad4(ring, ringIndex(asyncStages, warp, readStage, u, 0, lane), load);
                    }
                    for (int w = 0; w < KernelContext.unroll(WORDS); w++) {
                        unpack(kvBf16, asyncCopy ? load[w] : kCur[u * WORDS + w], row, 2 * w);
                    }
                    for (int h = 0; h < KernelContext.unroll(blockHeads); h++) {
                        float dot = 0f;
                        for (int e = 0; e < KernelContext.unroll(CHUNK); e++) {
                            dot = KernelContext.fma(qs[h * CHUNK + e], row[e], dot);
                        }
                        score[u * blockHeads + h] = dot;
                    }
                }
            }

            if (scatter) {
                // 3'. Reduce-scatter over the key's lanes: at each stage a lane keeps one half of its values and
                // sends the other half to its partner, so lane c ends with the full sum of value c.
                for (int t = 0; t < KernelContext.unroll(5); t++) {
                    if (!kept) { // (kept logits: read, not recomputed)
                        int half = 16 >> t; // stages 16, 8, 4, 2, 1; those not below the value count are skipped
                        boolean upper = (chunk & half) != 0;
                        for (int i = 0; i < KernelContext.unroll(UNROLL * blockHeads); i++) {
                            if (i < half && 2 * half <= UNROLL * blockHeads) {
                                int hi = (i + half) % (UNROLL * blockHeads);
                                float lo = score[i];
                                float up = score[hi];
                                float send = upper ? lo : up;
                                float keep = upper ? up : lo;
                                score[i] = keep + ctx.shuffleXor(send, half);
                            }
                        }
                    }
                }
                int myKey = tile + warp * warpKeys + myU * keysPerWarp + slot;
                float x = kept ? xCur : score[0];
                if (!withValues) {
                    if (myKey < end) {
                        if (writeLogits) {
                            logits.set(((long) b * qHeads + firstHead + myHead) * logitsStride + myKey, x);
                        }
                        float newMax = Math.max(laneMax, x);
                        laneSum = laneSum * KernelContext.exp2(laneMax - newMax) + KernelContext.exp2(x - newMax);
                        laneMax = newMax;
                    }
                    continue;
                }
                if (writeLogits && myKey < end) {
                    logits.set(((long) b * qHeads + firstHead + myHead) * logitsStride + myKey, x);
                }
                // 4'. Online softmax on the scattered values: the step max of this lane's head over the UNROLL
                // keys (xor masks r .. lanesPerKey/2 join the lanes of one head), one exp2 for this lane's p.
                float stepMax = myKey < end ? x : EMPTY_MAX;
                for (int t = 0; t < KernelContext.unroll(5); t++) {
                    int mask = 1 << t;
                    if (mask >= blockHeads && mask < lanesPerKey) {
                        stepMax = Math.max(stepMax, ctx.shuffleXor(stepMax, mask));
                    }
                }
                float newMax = Math.max(laneMax, stepMax);
                float p = myKey < end ? KernelContext.exp2(x - newMax) : 0f;
                laneSum = laneSum * KernelContext.exp2(laneMax - newMax) + p;
                laneMax = newMax;
                // All-gather the r heads' new maxima (lane bits below r) and the UNROLL x r probabilities (all
                // lane bits): at the stage with mask m a lane holds m values starting at (chunk & ~(m-1)) and
                // swaps them with its partner, the lower lane's values first.
                headMax[0] = newMax;
                score[0] = p;
                for (int t = 0; t < KernelContext.unroll(5); t++) {
                    int m = 1 << t;
                    boolean upper = (chunk & m) != 0;
                    for (int i = 0; i < KernelContext.unroll(blockHeads); i++) {
                        if (i < m && m < blockHeads) {
                            float mine = headMax[i];
                            float theirs = ctx.shuffleXor(mine, m);
                            headMax[i] = upper ? theirs : mine;
                            headMax[i + m] = upper ? mine : theirs;
                        }
                    }
                    for (int i = 0; i < KernelContext.unroll(UNROLL * blockHeads); i++) {
                        if (i < m && m < UNROLL * blockHeads) {
                            float mine = score[i];
                            float theirs = ctx.shuffleXor(mine, m);
                            score[i] = upper ? theirs : mine;
                            score[i + m] = upper ? mine : theirs;
                        }
                    }
                }
                // (Unlike step 4, no ballot to skip a rescale: measured 2% slower here, layer 0 at 32K.)
                for (int h = 0; h < KernelContext.unroll(blockHeads); h++) {
                    float correction = KernelContext.exp2(runMax[h] - headMax[h]);
                    runMax[h] = headMax[h];
                    for (int e = 0; e < KernelContext.unroll(CHUNK); e++) {
                        acc[h * CHUNK + e] *= correction;
                    }
                }
            }

            // 3. Sum each key's partial dots over its lanes (xor masks below lanesPerKey stay in the group).
            for (int t = 0; t < KernelContext.unroll(5); t++) {
                int mask = 16 >> t;
                if (mask < lanesPerKey && !scatter) {
                    for (int i = 0; i < KernelContext.unroll(UNROLL * blockHeads); i++) {
                        score[i] += ctx.shuffleXor(score[i], mask);
                    }
                }
            }

            if (writeLogits && !scatter) {
                // After the xor reduction every lane of a key group holds all UNROLL x blockHeads sums; lane c
                // writes values c, c + lanesPerKey, ... (value i = key u = i / blockHeads, head i % blockHeads):
                // one store per lane per round instead of one predicated store (and 64-bit address) per value.
                // For d = 128, r = 4 that is one round, and a warp's store covers whole 32-byte sectors.
                for (int round = 0; round < KernelContext.unroll(UNROLL * blockHeads); round++) {
                    if (round * lanesPerKey < UNROLL * blockHeads) {
                        int want = round * lanesPerKey + chunk;
                        float value = 0f;
                        int pos = -1;
                        int head = 0;
                        for (int i = 0; i < KernelContext.unroll(UNROLL * blockHeads); i++) {
                            if (i == want) {
                                value = score[i];
                                pos = posCur[i / blockHeads];
                                head = i % blockHeads;
                            }
                        }
                        if (pos >= 0) {
                            logits.set(((long) b * qHeads + firstHead + head) * logitsStride + pos, value);
                        }
                    }
                }
            }

            // 4. Online softmax, once per step: new max, rescale, probabilities (score[] becomes p).
            for (int h = 0; h < KernelContext.unroll(blockHeads); h++) {
                if (!scatter) { // (the scattered path did this in 4')
                    float newMax = runMax[h];
                    for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                        newMax = posCur[u] >= 0 ? Math.max(newMax, score[u * blockHeads + h]) : newMax;
                    }
                    // Rescale only when some lane's maximum grew (a warp-uniform branch): otherwise every lane's
                    // correction is exp2(0) = 1 exactly, and after the first steps maxima rarely grow.
                    if (ctx.ballot(newMax > runMax[h]) != 0) {
                        float correction = KernelContext.exp2(runMax[h] - newMax);
                        runMax[h] = newMax;
                        runSum[h] *= correction;
                        if (withValues) {
                            for (int e = 0; e < KernelContext.unroll(CHUNK); e++) {
                                acc[h * CHUNK + e] *= correction;
                            }
                        }
                    }
                    float sum = runSum[h];
                    for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                        float p = posCur[u] >= 0 ? KernelContext.exp2(score[u * blockHeads + h] - newMax) : 0f;
                        score[u * blockHeads + h] = p;
                        sum += p;
                    }
                    runSum[h] = sum;
                }
            }

            // 5. acc += p * v for this lane's 8 dims.
            if (withValues) {
                for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                    if (asyncCopy) {
                        ctx.sharedLoad4(ring, ringIndex(asyncStages, warp, readStage, u, 1, lane), load);
                    }
                    for (int w = 0; w < KernelContext.unroll(WORDS); w++) {
                        unpack(kvBf16, asyncCopy ? load[w] : vCur[u * WORDS + w], row, 2 * w);
                    }
                    for (int h = 0; h < KernelContext.unroll(blockHeads); h++) {
                        float p = score[u * blockHeads + h];
                        for (int e = 0; e < KernelContext.unroll(CHUNK); e++) {
                            acc[h * CHUNK + e] = KernelContext.fma(p, row[e], acc[h * CHUNK + e]);
                        }
                    }
                }
            }
        }

        if (asyncCopy) {
            ctx.cpAsyncWait(0); // the last step's copies (rows past the end, never read) must land before exit
        }

        if (scatter) {
            // Merge the lanes of a key group that hold the same head (xor masks blockHeads .. lanesPerKey/2), then
            // give every lane of the group all heads' running max and sum, as the all-reduce path has them.
            for (int t = 0; t < KernelContext.unroll(5); t++) {
                int mask = 1 << t;
                if (mask >= blockHeads && mask < lanesPerKey) {
                    float otherMax = ctx.shuffleXor(laneMax, mask);
                    float otherSum = ctx.shuffleXor(laneSum, mask);
                    float newMax = Math.max(laneMax, otherMax);
                    laneSum = laneSum * KernelContext.exp2(laneMax - newMax) + otherSum * KernelContext.exp2(otherMax - newMax);
                    laneMax = newMax;
                }
            }
            for (int h = 0; h < KernelContext.unroll(blockHeads); h++) {
                runMax[h] = ctx.shuffleIdx(laneMax, slot * lanesPerKey + h);
                runSum[h] = ctx.shuffleIdx(laneSum, slot * lanesPerKey + h);
            }
        }

        // 6. Merge the workers of a warp: xor masks at or above lanesPerKey pair up lanes of equal chunk.
        for (int t = 0; t < KernelContext.unroll(5); t++) {
            int mask = 16 >> t;
            if (mask >= lanesPerKey) {
                for (int h = 0; h < KernelContext.unroll(blockHeads); h++) {
                    float otherMax = ctx.shuffleXor(runMax[h], mask);
                    float otherSum = ctx.shuffleXor(runSum[h], mask);
                    float newMax = Math.max(runMax[h], otherMax);
                    float mine = KernelContext.exp2(runMax[h] - newMax);
                    float theirs = KernelContext.exp2(otherMax - newMax);
                    runSum[h] = runSum[h] * mine + otherSum * theirs;
                    runMax[h] = newMax;
                    if (withValues) {
                        for (int e = 0; e < KernelContext.unroll(CHUNK); e++) {
                            float other = ctx.shuffleXor(acc[h * CHUNK + e], mask);
                            acc[h * CHUNK + e] = acc[h * CHUNK + e] * mine + other * theirs;
                        }
                    }
                }
            }
        }

        // 7. Merge the warps through shared memory and write one partial row per query head.
        float[] warpMax = ctx.sharedF32(WARPS * blockHeads);
        float[] warpSum = ctx.sharedF32(WARPS * blockHeads);
        float[] warpAcc = ctx.sharedF32(withValues ? WARPS * blockHeads * headDim : 1); // unused without V
        if (lane == 0) {
            for (int h = 0; h < KernelContext.unroll(blockHeads); h++) {
                warpMax[warp * blockHeads + h] = runMax[h];
                warpSum[warp * blockHeads + h] = runSum[h];
            }
        }
        if (withValues && slot == 0) {
            for (int h = 0; h < KernelContext.unroll(blockHeads); h++) {
                for (int e = 0; e < KernelContext.unroll(CHUNK); e++) {
                    warpAcc[(warp * blockHeads + h) * headDim + chunk * CHUNK + e] = acc[h * CHUNK + e];
                }
            }
        }
        ctx.barrier();
        int outputs = withValues ? blockHeads * headDim : blockHeads;
        int perHead = withValues ? headDim : 1;
        for (int i = ctx.threadIdx(); i < outputs; i += THREADS) {
            int h = i / perHead;
            int dim = i - h * perHead;
            float max = EMPTY_MAX;
            for (int w = 0; w < KernelContext.unroll(WARPS); w++) {
                max = Math.max(max, warpMax[w * blockHeads + h]);
            }
            float total = 0f;
            float out = 0f;
            for (int w = 0; w < KernelContext.unroll(WARPS); w++) {
                float weight = KernelContext.exp2(warpMax[w * blockHeads + h] - max);
                total += warpSum[w * blockHeads + h] * weight;
                if (withValues) {
                    out += warpAcc[(w * blockHeads + h) * headDim + dim] * weight;
                }
            }
            long partialRow = ((long) b * qHeads + firstHead + h) * numSplits + split;
            if (withValues) {
                partialOut.set(partialRow * headDim + dim, out / total);
            }
            if (dim == 0) {
                partialLse.set(partialRow, max + KernelContext.log2(total));
            }
        }
    }
}
