package dev.kascade.kernels.attention;

import dev.kascade.algorithm.Budget;
import dev.kascade.algorithm.LayerRole;

/**
 * Bytes of the KV cache a decode step must read per layer role: what "effective bandwidth" divides by, the
 * same count as {@code benchmarks/gpu/sdpa_decode.py} (K and V of every visited key and KV head, at the cache's
 * element size). Scratch traffic (logits, pooled scores, partials, indices) is extra work, not counted.
 */
public final class DecodeTraffic {
    private DecodeTraffic() {
    }

    /**
     * @param role         layer 0 and dense read K and V of every key; an anchor reads K of every key and V of
     *                     its k_b selected keys (and their K too where the kernel recomputes their logits, see
     *                     {@link SplitDecodeKernel#scattersValues}); a reuse layer K and V of the selected keys
     * @param elementBytes 2 for bf16 and f16
     * @param lengths      keys visible to each sequence
     * @param budget       the kernels' budget ({@link GpuDecode#budget()})
     */
    public static long kvBytes(LayerRole role, DecodeShape shape, int elementBytes, int[] lengths, Budget budget) {
        if (lengths.length != shape.batch()) {
            throw new IllegalArgumentException("lengths: expected " + shape.batch() + " entries but got " + lengths.length);
        }
        long row = (long) shape.kvHeads() * shape.headDim() * elementBytes; // one key of one K (or V) cache
        long total = 0;
        for (int n : lengths) {
            long k = budget.keys(n);
            total += switch (role) {
                case LAYER0 -> 2 * n * row;
                case ANCHOR -> n * row + (SplitDecodeKernel.scattersValues(shape.headDim(), shape.blockHeads()) ? 1 : 2) * k * row;
                case REUSE -> 2 * k * row;
            };
        }
        return total;
    }

    /** Dense decode: K and V of every key. */
    public static long denseKvBytes(DecodeShape shape, int elementBytes, int[] lengths) {
        return kvBytes(LayerRole.LAYER0, shape, elementBytes, lengths, new Budget(1.0, 1, 1));
    }
}
