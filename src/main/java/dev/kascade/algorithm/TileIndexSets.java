package dev.kascade.algorithm;

import java.util.Arrays;

/**
 * Prefill index sets: one set per (sequence b, query tile i, KV head g), chosen among the keys strictly
 * before the tile's start {@code s} (spec, "Prefill").
 *
 * <p>Layout: tiles are numbered per call, sequence by sequence ({@code id = tileBase(b) + i}); set
 * {@code id * kvHeads + g} holds {@code count(b, i, g)} positions, ascending, at {@code offset(b, i, g)}
 * in {@link #positionsArray()}. Its size follows the rolling budget {@code k = budget.tileKeys(s)}.
 * A tile with {@code s <= k} (every prefix key fits the budget) is <em>dense</em>: it stores no
 * positions and attends to its whole prefix ({@link #dense}).
 *
 * <p>The sets remember the lengths they were built for, so a reuse layer can check it is given the
 * same prefill call ({@link #matches}).
 */
public final class TileIndexSets {
    private final int batch;
    private final int kvHeads;
    private int tile;
    private final int[] lengths;
    private final int[] qLens;
    private final int[] tileBase;
    private int tiles;
    private boolean[] dense = new boolean[0];
    private int[] offsets = new int[0];
    private int[] counts = new int[0];
    private int[] positions = new int[0];

    public TileIndexSets(int batch, int kvHeads) {
        if (batch <= 0) throw new IllegalArgumentException("batch: expected > 0 but got " + batch);
        if (kvHeads <= 0) throw new IllegalArgumentException("kvHeads: expected > 0 but got " + kvHeads);
        this.batch = batch;
        this.kvHeads = kvHeads;
        this.tileBase = new int[batch + 1];
        this.lengths = new int[batch];
        this.qLens = new int[batch];
    }

    /**
     * Sizes the sets for a prefill call: {@code qLens[b]} new tokens ending at {@code lengths[b]}, tiles of
     * {@code tile} tokens, budget per tile by {@code budget.tileKeys(s)}. Grows the backing arrays only
     * when a larger call than any before arrives.
     */
    public void layout(int[] lengths, int[] qLens, int tile, Budget budget) {
        if (lengths.length != batch || qLens.length != batch) {
            throw new IllegalArgumentException("lengths, qLens: expected " + batch + " entries each");
        }
        this.tile = tile;
        System.arraycopy(lengths, 0, this.lengths, 0, batch);
        System.arraycopy(qLens, 0, this.qLens, 0, batch);
        tiles = 0;
        for (int b = 0; b < batch; b++) {
            tileBase[b] = tiles;
            tiles += (qLens[b] + tile - 1) / tile;
        }
        tileBase[batch] = tiles;
        if (dense.length < tiles) {
            dense = new boolean[tiles];
        }
        if (offsets.length < tiles * kvHeads) {
            offsets = new int[tiles * kvHeads];
            counts = new int[tiles * kvHeads];
        }
        long total = 0;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < tiles(b); i++) {
                int id = tileBase[b] + i;
                int s = lengths[b] - qLens[b] + i * tile;
                int k = budget.tileKeys(s);
                dense[id] = k >= s;
                for (int g = 0; g < kvHeads; g++) {
                    offsets[id * kvHeads + g] = (int) Math.min(total, Integer.MAX_VALUE);
                    counts[id * kvHeads + g] = dense[id] ? 0 : k;
                    total += dense[id] ? 0 : k;
                }
            }
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("qLens: this prefill needs " + total
                    + " index positions, more than one Java array holds; prefill in smaller chunks");
        }
        if (positions.length < total) {
            positions = new int[(int) total];
        }
    }

    public int batch() {
        return batch;
    }

    public int kvHeads() {
        return kvHeads;
    }

    /** Tiles of sequence b in the call the sets were laid out for. */
    public int tiles(int b) {
        return tileBase[b + 1] - tileBase[b];
    }

    /** True when tile i of sequence b attends to its whole prefix (no positions stored). */
    public boolean dense(int b, int i) {
        return dense[id(b, i)];
    }

    public int count(int b, int i, int g) {
        return counts[id(b, i) * kvHeads + head(g)];
    }

    public int offset(int b, int i, int g) {
        return offsets[id(b, i) * kvHeads + head(g)];
    }

    /** A copy of the set of (b, i, g); empty for dense tiles. */
    public int[] positions(int b, int i, int g) {
        int o = offset(b, i, g);
        return Arrays.copyOfRange(positions, o, o + count(b, i, g));
    }

    public int[] positionsArray() {
        return positions;
    }

    /** True when these sets were laid out for exactly these lengths and new-token counts. */
    public boolean matches(int[] lengths, int[] qLens, int tile) {
        return this.tile == tile && Arrays.equals(this.lengths, lengths) && Arrays.equals(this.qLens, qLens);
    }

    private int id(int b, int i) {
        if (b < 0 || b >= batch) throw new IllegalArgumentException("b: sequence " + b + " out of range [0, " + batch + ")");
        if (i < 0 || i >= tiles(b)) throw new IllegalArgumentException("i: tile " + i + " out of range [0, " + tiles(b) + ")");
        return tileBase[b] + i;
    }

    private int head(int g) {
        if (g < 0 || g >= kvHeads) throw new IllegalArgumentException("g: KV head " + g + " out of range [0, " + kvHeads + ")");
        return g;
    }
}
