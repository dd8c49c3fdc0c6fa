package dev.kascade.algorithm;

import dev.kascade.tensor.DType;

/**
 * Model shape and Kascade settings a session is opened with.
 *
 * @param layers   L, transformer layers
 * @param qHeads   Hq, query heads
 * @param kvHeads  G, KV heads; {@code qHeads % kvHeads == 0}, r = Hq / G is the GQA group size
 * @param headDim  d, up to 256
 * @param dtype    KV-cache storage type
 * @param budget   top-k budget rule
 * @param pooling  GQA pooling of scores before top-k
 * @param tile     prefill query tile (32 in the paper)
 */
public record KascadeConfig(int layers, int qHeads, int kvHeads, int headDim, DType dtype,
                            Budget budget, Pooling pooling, int tile) {
    public static final int MAX_HEAD_DIM = 256;

    public KascadeConfig {
        if (layers <= 0) throw new IllegalArgumentException("layers: expected > 0 but got " + layers);
        if (qHeads <= 0) throw new IllegalArgumentException("qHeads: expected > 0 but got " + qHeads);
        if (kvHeads <= 0) throw new IllegalArgumentException("kvHeads: expected > 0 but got " + kvHeads);
        if (qHeads % kvHeads != 0) {
            throw new IllegalArgumentException("qHeads: expected a multiple of kvHeads (" + kvHeads + ") but got " + qHeads);
        }
        if (headDim <= 0 || headDim > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("headDim: expected 1.." + MAX_HEAD_DIM + " but got " + headDim);
        }
        if (dtype == null) throw new IllegalArgumentException("dtype: expected f32, f16 or bf16 but got null");
        if (budget == null) throw new IllegalArgumentException("budget: expected a Budget but got null");
        if (pooling == null) throw new IllegalArgumentException("pooling: expected a Pooling but got null");
        if (tile <= 0) throw new IllegalArgumentException("tile: expected > 0 but got " + tile);
    }

    /** The paper's setting for a given shape: 10% budget, minimum 128, post-softmax pooling, tile 32. */
    public static KascadeConfig of(int layers, int qHeads, int kvHeads, int headDim, DType dtype) {
        return new KascadeConfig(layers, qHeads, kvHeads, headDim, dtype, Budget.PAPER, Pooling.POST_SOFTMAX, 32);
    }

    /** GQA group size r = Hq / G. */
    public int groupSize() {
        return qHeads / kvHeads;
    }

    public KascadeConfig withBudget(Budget b) {
        return new KascadeConfig(layers, qHeads, kvHeads, headDim, dtype, b, pooling, tile);
    }

    public KascadeConfig withPooling(Pooling p) {
        return new KascadeConfig(layers, qHeads, kvHeads, headDim, dtype, budget, p, tile);
    }
}
