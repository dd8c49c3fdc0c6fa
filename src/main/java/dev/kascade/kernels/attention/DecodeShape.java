package dev.kascade.kernels.attention;

/**
 * Shape of one layer's decode step on the GPU: the KV cache is {@code [batch][kvHeads][capacity][headDim]},
 * queries and outputs {@code [batch][qHeads][headDim]}; query head {@code h} uses KV head {@code h / r}.
 *
 * @param batch    sequences decoded together (1..65535: the grid's y/z limit)
 * @param qHeads   query heads Hq
 * @param kvHeads  KV heads G; {@code qHeads % kvHeads == 0}
 * @param headDim  d: 64, 128 or 256 (one 16-byte chunk per lane, d/8 lanes per key)
 * @param capacity cache positions per sequence; every length is at most this
 */
public record DecodeShape(int batch, int qHeads, int kvHeads, int headDim, int capacity) {
    /** Largest GQA group the kernels keep in registers (r query rows of 8 floats per lane). */
    public static final int MAX_GROUP_SIZE = 16;
    private static final int MAX_GRID_YZ = 65535;

    public DecodeShape {
        if (batch <= 0 || batch > MAX_GRID_YZ) {
            throw new IllegalArgumentException("batch: expected 1.." + MAX_GRID_YZ + " but got " + batch);
        }
        if (kvHeads <= 0 || kvHeads > MAX_GRID_YZ) {
            throw new IllegalArgumentException("kvHeads: expected 1.." + MAX_GRID_YZ + " but got " + kvHeads);
        }
        if (qHeads <= 0 || qHeads % kvHeads != 0) {
            throw new IllegalArgumentException("qHeads: expected a positive multiple of kvHeads (" + kvHeads
                    + ") but got " + qHeads);
        }
        if (qHeads / kvHeads > MAX_GROUP_SIZE) {
            throw new IllegalArgumentException("qHeads: GQA group size " + qHeads / kvHeads + " exceeds "
                    + MAX_GROUP_SIZE + " (query rows held in registers)");
        }
        if (headDim != 64 && headDim != 128 && headDim != 256) {
            throw new IllegalArgumentException("headDim: expected 64, 128 or 256 but got " + headDim);
        }
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity: expected > 0 positions but got " + capacity);
        }
    }

    /** GQA group size r = Hq / G. */
    public int groupSize() {
        return qHeads / kvHeads;
    }

    /** Elements of one K (or V) cache: batch * kvHeads * capacity * headDim. */
    public long cacheElements() {
        return (long) batch * kvHeads * capacity * headDim;
    }

    /** Elements of q or of the output: batch * qHeads * headDim. */
    public long queryElements() {
        return (long) batch * qHeads * headDim;
    }
}
