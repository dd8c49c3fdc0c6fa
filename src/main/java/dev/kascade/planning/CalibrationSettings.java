package dev.kascade.planning;

/**
 * Model shape and statistics settings of one calibration run.
 *
 * <p>Spec ("Anchor selection"): the reference computes its statistics with {@code k = 64} keys per
 * index set, tiles of 32 query tokens, over the prefill tiles and up to 32 decoded tokens.
 *
 * @param layers         L, transformer layers
 * @param qHeads         Hq, query heads
 * @param kvHeads        G, KV heads ({@code qHeads % kvHeads == 0})
 * @param headDim        d
 * @param hidden         width of the residual stream (the residual input and attention output rows)
 * @param topK           k, keys per index set in the statistics (64 in the paper)
 * @param tile           prefill query tile (32 in the paper)
 * @param maxDecodeSteps decoded tokens per prompt that count as decode steps (32 in the paper)
 */
public record CalibrationSettings(int layers, int qHeads, int kvHeads, int headDim, int hidden,
                                  int topK, int tile, int maxDecodeSteps) {
    public static final int DEFAULT_TOP_K = 64;
    public static final int DEFAULT_TILE = 32;
    public static final int DEFAULT_DECODE_STEPS = 32;

    public CalibrationSettings {
        if (layers <= 0) throw new IllegalArgumentException("layers: expected > 0 but got " + layers);
        if (qHeads <= 0) throw new IllegalArgumentException("qHeads: expected > 0 but got " + qHeads);
        if (kvHeads <= 0) throw new IllegalArgumentException("kvHeads: expected > 0 but got " + kvHeads);
        if (qHeads % kvHeads != 0) {
            throw new IllegalArgumentException("qHeads: expected a multiple of kvHeads (" + kvHeads + ") but got " + qHeads);
        }
        if (headDim <= 0) throw new IllegalArgumentException("headDim: expected > 0 but got " + headDim);
        if (hidden <= 0) throw new IllegalArgumentException("hidden: expected > 0 but got " + hidden);
        if (topK <= 0) throw new IllegalArgumentException("topK: expected k > 0 but got " + topK);
        if (tile <= 0) throw new IllegalArgumentException("tile: expected > 0 but got " + tile);
        if (maxDecodeSteps < 0) {
            throw new IllegalArgumentException("maxDecodeSteps: expected >= 0 but got " + maxDecodeSteps);
        }
    }

    /** The paper's statistics settings (k = 64, tile 32, up to 32 decode steps) for a model shape. */
    public static CalibrationSettings of(int layers, int qHeads, int kvHeads, int headDim, int hidden) {
        return new CalibrationSettings(layers, qHeads, kvHeads, headDim, hidden,
                DEFAULT_TOP_K, DEFAULT_TILE, DEFAULT_DECODE_STEPS);
    }

    public CalibrationSettings withTopK(int k) {
        return new CalibrationSettings(layers, qHeads, kvHeads, headDim, hidden, k, tile, maxDecodeSteps);
    }

    public CalibrationSettings withTile(int t) {
        return new CalibrationSettings(layers, qHeads, kvHeads, headDim, hidden, topK, t, maxDecodeSteps);
    }

    public CalibrationSettings withMaxDecodeSteps(int steps) {
        return new CalibrationSettings(layers, qHeads, kvHeads, headDim, hidden, topK, tile, steps);
    }

    /** GQA group size r = Hq / G. */
    public int groupSize() {
        return qHeads / kvHeads;
    }
}
