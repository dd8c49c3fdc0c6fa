package dev.kascade.kernels.attention;

import java.util.Map;

/**
 * The specialisations of {@link SplitDecodeKernel#decodeSplit}: which keys it visits and what it
 * writes. Each maps to the kernel's {@code @Const} flags.
 */
public enum DecodeMode {
    /** All keys of each sequence; partial outputs and LSEs. */
    DENSE(true, false, false),
    /** Layer 0: dense output plus every key's logit per query head (for its top-k). */
    LAYER0(true, true, false),
    /** Other anchors, pass 1: logits and LSEs only; V is not read. */
    ANCHOR_SCORES(false, true, false),
    /** The keys of an index set, through a head mapping; partial outputs and LSEs. */
    SPARSE(true, false, true, false),
    /** Anchor pass 4: as sparse, reading the selected keys' logits from the scores pass instead of K. */
    ANCHOR_SPARSE(true, false, true, true);

    private final boolean withValues;
    private final boolean writeLogits;
    private final boolean sparse;
    private final boolean keptLogits;

    DecodeMode(boolean withValues, boolean writeLogits, boolean sparse) {
        this(withValues, writeLogits, sparse, false);
    }

    DecodeMode(boolean withValues, boolean writeLogits, boolean sparse, boolean keptLogits) {
        this.withValues = withValues;
        this.writeLogits = writeLogits;
        this.sparse = sparse;
        this.keptLogits = keptLogits;
    }

    /** Reads the logits the anchor's scores pass wrote (where the shape allows, else recomputes them from K). */
    public boolean keptLogits() {
        return keptLogits;
    }

    public boolean withValues() {
        return withValues;
    }

    public boolean writeLogits() {
        return writeLogits;
    }

    public boolean sparse() {
        return sparse;
    }

    /** The kernel's {@code @Const} values for this mode, head dim, query heads per block, KV type and tuning. */
    public Map<String, Object> constants(int headDim, int blockHeads, boolean kvBf16, SplitTuning tuning) {
        return Map.of("headDim", headDim, "blockHeads", blockHeads, "kvBf16", kvBf16,
                "withValues", withValues, "writeLogits", writeLogits, "sparse", sparse,
                "pipelined", tuning.pipelined(blockHeads), "asyncStages", tuning.asyncStages(blockHeads),
                "gatherReduce", tuning.gatherReduce(this),
                "keptLogits", keptLogits);
    }

    /** {@link MmaDecodeKernel#decodeMma}'s {@code @Const} values for this mode (dense, layer 0 or sparse). */
    public Map<String, Object> mmaConstants(int headDim, int blockHeads, boolean kvBf16, SplitTuning tuning) {
        if (!withValues || keptLogits) {
            throw new IllegalArgumentException("mode: the tensor-core kernel serves DENSE, LAYER0 and SPARSE, not " + this);
        }
        return Map.of("headDim", headDim, "blockHeads", blockHeads, "kvBf16", kvBf16, "writeLogits", writeLogits,
                "sparse", sparse, "stages", tuning.mmaStages());
    }

    /** {@link StreamKDecodeKernel#decodeStreamK}'s {@code @Const} values (dense only). */
    public Map<String, Object> streamKConstants(int headDim, int blockHeads, boolean kvBf16, int stages) {
        if (this != DENSE) {
            throw new IllegalArgumentException("mode: the stream-K kernel serves DENSE, not " + this);
        }
        return Map.of("headDim", headDim, "blockHeads", blockHeads, "kvBf16", kvBf16, "stages", stages);
    }

    /** {@link PersistentDecodeKernel#decodePersistent}'s {@code @Const} values for this mode (dense or layer 0). */
    public Map<String, Object> persistentConstants(int headDim, int blockHeads, boolean kvBf16, SplitTuning tuning) {
        if (!withValues || keptLogits || sparse) {
            throw new IllegalArgumentException("mode: the persistent kernel serves DENSE and LAYER0, not " + this);
        }
        return Map.of("headDim", headDim, "blockHeads", blockHeads, "kvBf16", kvBf16, "writeLogits", writeLogits,
                "stages", tuning.mmaStages());
    }
}
