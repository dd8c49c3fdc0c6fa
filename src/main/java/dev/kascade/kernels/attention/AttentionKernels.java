package dev.kascade.kernels.attention;

import dev.kascade.kernels.KernelSpec;
import java.util.List;
import java.util.Map;

/**
 * The decode attention kernels as built-in specs, with the default specialisation of the reported setting:
 * d = 128, 32 query / 8 KV heads (r = 4), bf16 KV cache.
 */
public final class AttentionKernels {
    private AttentionKernels() {
    }

    public static final int DEFAULT_HEAD_DIM = 128;
    public static final int DEFAULT_GROUP_SIZE = 4;

    public static List<KernelSpec> specs() {
        return List.of(
                split("decode_dense", DecodeMode.DENSE, "split-K flash-decoding, GQA group per block (bf16 KV)"),
                split("decode_layer0", DecodeMode.LAYER0, "dense decode that also writes every logit (layer 0)"),
                split("decode_anchor_scores", DecodeMode.ANCHOR_SCORES, "anchor pass 1: logits and partial LSE, K only"),
                split("decode_sparse", DecodeMode.SPARSE, "split-K attention over an index set through a head mapping"),
                split("decode_anchor_sparse", DecodeMode.ANCHOR_SPARSE,
                        "anchor pass 4: attention over its top-k with the scores pass's logits (V gathered only)"),
                mma("decode_dense_mma", DecodeMode.DENSE, "dense decode with Q K^T and P V on tensor cores (mma.sync)"),
                mma("decode_layer0_mma", DecodeMode.LAYER0, "layer-0 decode (all logits written) on tensor cores"),
                mma("decode_sparse_mma", DecodeMode.SPARSE, "reuse decode over an index set on tensor cores"),
                persistent("decode_dense_persistent", DecodeMode.DENSE,
                        "dense decode on tensor cores, persistent blocks taking work items in turn"),
                persistent("decode_layer0_persistent", DecodeMode.LAYER0,
                        "layer-0 decode on tensor cores, persistent blocks taking work items in turn"),
                KernelSpec.of("decode_dense_streamk", StreamKDecodeKernel.class, "decodeStreamK",
                        DecodeMode.DENSE.streamKConstants(DEFAULT_HEAD_DIM, DEFAULT_GROUP_SIZE, true, 3),
                        "dense decode on tensor cores, one wave of blocks with equal shares of all rows"),
                KernelSpec.of("decode_merge", LseMergeKernel.class, "mergeSplits",
                        Map.of("headDim", DEFAULT_HEAD_DIM, "withValues", true), "log-sum-exp merge of split partials"),
                KernelSpec.of("decode_merge_lse", LseMergeKernel.class, "mergeSplits",
                        Map.of("headDim", DEFAULT_HEAD_DIM, "withValues", false), "log-sum-exp merge, LSE only (anchor)"),
                KernelSpec.of("decode_pool_scores", PooledScoreKernel.class, "poolScores",
                        Map.of("groupSize", DEFAULT_GROUP_SIZE), "GQA post-softmax pooled scores"),
                KernelSpec.of("decode_topk", TopKSelectKernel.class, "selectTopK", Map.of(),
                        "exact top-k by radix select on float bits, ties to the lower position"));
    }

    private static KernelSpec mma(String name, DecodeMode mode, String description) {
        return KernelSpec.of(name, MmaDecodeKernel.class, "decodeMma",
                mode.mmaConstants(DEFAULT_HEAD_DIM, DEFAULT_GROUP_SIZE, true, SplitTuning.DEFAULT), description);
    }

    private static KernelSpec persistent(String name, DecodeMode mode, String description) {
        return KernelSpec.of(name, PersistentDecodeKernel.class, "decodePersistent",
                mode.persistentConstants(DEFAULT_HEAD_DIM, DEFAULT_GROUP_SIZE, true, SplitTuning.DEFAULT), description);
    }

    private static KernelSpec split(String name, DecodeMode mode, String description) {
        return KernelSpec.of(name, SplitDecodeKernel.class, "decodeSplit",
                mode.constants(DEFAULT_HEAD_DIM, DEFAULT_GROUP_SIZE, true, SplitTuning.DEFAULT), description);
    }
}
