package dev.kascade.algorithm;

import java.util.Arrays;

/**
 * Decode index sets: for every (sequence b, KV head g) the positions of the keys its queries attend to.
 *
 * <p>Layout (flat, no objects per set): set {@code s = b * kvHeads + g} occupies
 * {@code positions()[s * stride .. s * stride + count(b, g))}, positions in increasing order, each in
 * {@code [0, length of sequence b)}. {@code stride} is the largest budget the sets were sized for;
 * each sequence has its own {@code k} (its own fraction of its own length), the same for all its heads.
 *
 * <p>An anchor layer (and layer 0) writes them; reuse layers read them through the head mapping.
 */
public final class IndexSets {
    /** The most elements a Java array reliably holds (a few below {@code Integer.MAX_VALUE}). */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final int batch;
    private final int kvHeads;
    private final int stride;
    private final int[] positions;
    private final int[] offsets;
    private final int[] counts;

    /** Empty sets for {@code batch x kvHeads}, each able to hold {@code maxKeys} positions. */
    public IndexSets(int batch, int kvHeads, int maxKeys) {
        if (batch <= 0) throw new IllegalArgumentException("batch: expected > 0 but got " + batch);
        if (kvHeads <= 0) throw new IllegalArgumentException("kvHeads: expected > 0 but got " + kvHeads);
        if (maxKeys <= 0) throw new IllegalArgumentException("maxKeys: expected > 0 but got " + maxKeys);
        this.batch = batch;
        this.kvHeads = kvHeads;
        this.stride = maxKeys;
        long slots = (long) batch * kvHeads * maxKeys;
        if (slots > MAX_ARRAY) {
            throw new IllegalArgumentException("maxKeys: batch " + batch + " x " + kvHeads + " KV heads x " + maxKeys
                    + " keys = " + slots + " positions exceed one Java int array (at most " + MAX_ARRAY
                    + "); split the batch or lower the capacity");
        }
        this.positions = new int[(int) slots];
        this.offsets = new int[batch * kvHeads];
        this.counts = new int[batch * kvHeads];
        for (int s = 0; s < offsets.length; s++) offsets[s] = s * maxKeys;
    }

    public int batch() {
        return batch;
    }

    public int kvHeads() {
        return kvHeads;
    }

    /** Capacity of each set. */
    public int stride() {
        return stride;
    }

    /** Number of positions in the set of (b, g). */
    public int count(int b, int g) {
        return counts[set(b, g)];
    }

    /** Position {@code i} of the set of (b, g). */
    public int position(int b, int g, int i) {
        int s = set(b, g);
        if (i < 0 || i >= counts[s]) {
            throw new IndexOutOfBoundsException("i: " + i + " outside the " + counts[s] + " positions of set (" + b + ", " + g + ")");
        }
        return positions[offsets[s] + i];
    }

    /** A copy of the set of (b, g). */
    public int[] positions(int b, int g) {
        int s = set(b, g);
        return Arrays.copyOfRange(positions, offsets[s], offsets[s] + counts[s]);
    }

    /** The backing arrays, for kernels: all positions, start of each set, size of each set. */
    public int[] positionsArray() {
        return positions;
    }

    public int[] offsetsArray() {
        return offsets;
    }

    public int[] countsArray() {
        return counts;
    }

    /** Records that set (b, g) now holds {@code count} positions (written by the selection). */
    void setCount(int b, int g, int count) {
        if (count < 0 || count > stride) {
            throw new IllegalArgumentException("count: " + count + " outside [0, " + stride + "]");
        }
        counts[set(b, g)] = count;
    }

    /** Offset of set (b, g) in {@link #positionsArray()}. */
    public int offset(int b, int g) {
        return offsets[set(b, g)];
    }

    private int set(int b, int g) {
        if (b < 0 || b >= batch) throw new IllegalArgumentException("b: sequence " + b + " out of range [0, " + batch + ")");
        if (g < 0 || g >= kvHeads) throw new IllegalArgumentException("g: KV head " + g + " out of range [0, " + kvHeads + ")");
        return b * kvHeads + g;
    }
}
