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
    /** Largest GQA group accepted. */
    public static final int MAX_GROUP_SIZE = 16;
    /**
     * Most query heads one decode block keeps in registers (8 floats of q and 8 accumulators per head and
     * lane): r = 8 assembles to about 230 registers without spills, r = 16 spills. Larger groups are served
     * by {@link #groupParts()} blocks per KV head.
     */
    public static final int MAX_BLOCK_HEADS = 8;
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

    /** Blocks per KV head in split-K decode: the fewest that divide r into parts of at most 8 heads. */
    public int groupParts() {
        int r = groupSize();
        int parts = (r + MAX_BLOCK_HEADS - 1) / MAX_BLOCK_HEADS;
        while (r % parts != 0) parts++;
        return parts;
    }

    /** Query heads per split-K decode block: r / {@link #groupParts()}. */
    public int blockHeads() {
        return groupSize() / groupParts();
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
