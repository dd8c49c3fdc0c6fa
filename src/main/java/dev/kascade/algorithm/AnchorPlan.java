package dev.kascade.algorithm;

import java.util.Arrays;

/**
 * Which layers are anchors and, for every layer, which anchor head each KV head reads its index set from.
 *
 * <p>Spec ("Layer roles"): anchors always include layer 0; a reuse layer {@code j} uses the index sets
 * of the most recent anchor {@code a <= j}, KV head {@code g} reading head {@code headMap[j][g]} of that
 * anchor. On anchor layers the mapping is the identity. The table is {@code [L][G]}.
 */
public final class AnchorPlan {
    private final int[] anchors;
    private final int[][] headMap;
    private final int[] anchorOf;

    /**
     * @param anchors sorted or not, distinct layer indices, must contain 0
     * @param headMap {@code [layers][kvHeads]}; rows of anchor layers must be the identity
     */
    public AnchorPlan(int[] anchors, int[][] headMap) {
        if (headMap == null || headMap.length == 0) {
            throw new IllegalArgumentException("headMap: expected [layers][kvHeads] with layers > 0");
        }
        int layers = headMap.length;
        int kvHeads = headMap[0] == null ? 0 : headMap[0].length;
        if (kvHeads == 0) throw new IllegalArgumentException("headMap: expected kvHeads > 0 columns");
        if (anchors == null || anchors.length == 0) {
            throw new IllegalArgumentException("anchors: expected at least layer 0 but got none");
        }
        int[] a = anchors.clone();
        Arrays.sort(a);
        for (int i = 0; i < a.length; i++) {
            if (a[i] < 0 || a[i] >= layers) {
                throw new IllegalArgumentException("anchors: layer " + a[i] + " out of range [0, " + layers + ")");
            }
            if (i > 0 && a[i] == a[i - 1]) {
                throw new IllegalArgumentException("anchors: layer " + a[i] + " listed twice");
            }
        }
        if (a[0] != 0) {
            throw new IllegalArgumentException("anchors: a plan must contain layer 0 (it stays dense and seeds reuse) but got "
                    + Arrays.toString(a));
        }
        int[][] map = new int[layers][];
        for (int l = 0; l < layers; l++) {
            if (headMap[l] == null || headMap[l].length != kvHeads) {
                throw new IllegalArgumentException("headMap: row " + l + " must have " + kvHeads + " entries");
            }
            map[l] = headMap[l].clone();
            for (int g = 0; g < kvHeads; g++) {
                if (map[l][g] < 0 || map[l][g] >= kvHeads) {
                    throw new IllegalArgumentException("headMap[" + l + "][" + g + "] = " + map[l][g]
                            + " out of range [0, " + kvHeads + ")");
                }
            }
        }
        this.anchors = a;
        this.headMap = map;
        this.anchorOf = new int[layers];
        int cur = 0;
        int next = 0;
        for (int l = 0; l < layers; l++) {
            if (next < a.length && a[next] == l) {
                cur = l;
                next++;
                for (int g = 0; g < kvHeads; g++) {
                    if (map[l][g] != g) {
                        throw new IllegalArgumentException("headMap: anchor layer " + l + " must map head " + g
                                + " to itself but maps it to " + map[l][g]);
                    }
                }
            }
            anchorOf[l] = cur;
        }
    }

    /** Anchors with the identity head mapping everywhere ("no remap" ablation, and a plain default). */
    public static AnchorPlan identity(int layers, int kvHeads, int... anchors) {
        int[][] map = new int[layers][kvHeads];
        for (int[] row : map) {
            for (int g = 0; g < kvHeads; g++) row[g] = g;
        }
        return new AnchorPlan(anchors, map);
    }

    /** Oracle top-k ablation: every layer is an anchor. */
    public static AnchorPlan everyLayer(int layers, int kvHeads) {
        int[] all = new int[layers];
        for (int i = 0; i < layers; i++) all[i] = i;
        return identity(layers, kvHeads, all);
    }

    public int layers() {
        return headMap.length;
    }

    public int kvHeads() {
        return headMap[0].length;
    }

    public int[] anchors() {
        return anchors.clone();
    }

    public boolean isAnchor(int layer) {
        checkLayer(layer);
        return anchorOf[layer] == layer;
    }

    /** The most recent anchor at or before {@code layer}. */
    public int anchorOf(int layer) {
        checkLayer(layer);
        return anchorOf[layer];
    }

    /** Anchor head whose index set KV head {@code g} of {@code layer} reuses. */
    public int sourceHead(int layer, int g) {
        checkLayer(layer);
        if (g < 0 || g >= kvHeads()) {
            throw new IllegalArgumentException("g: KV head " + g + " out of range [0, " + kvHeads() + ")");
        }
        return headMap[layer][g];
    }

    /** A copy of the {@code [L][G]} table. */
    public int[][] headMap() {
        int[][] copy = new int[headMap.length][];
        for (int i = 0; i < copy.length; i++) copy[i] = headMap[i].clone();
        return copy;
    }

    /** The role of a layer in the plan. */
    public LayerRole role(int layer) {
        checkLayer(layer);
        if (layer == 0) return LayerRole.LAYER0;
        return anchorOf[layer] == layer ? LayerRole.ANCHOR : LayerRole.REUSE;
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= headMap.length) {
            throw new IllegalArgumentException("layer: " + layer + " out of range [0, " + headMap.length + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AnchorPlan p && Arrays.equals(anchors, p.anchors) && Arrays.deepEquals(headMap, p.headMap);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(anchors) * 31 + Arrays.deepHashCode(headMap);
    }

    @Override
    public String toString() {
        return "AnchorPlan{anchors=" + Arrays.toString(anchors) + ", layers=" + layers() + ", kvHeads=" + kvHeads() + "}";
    }
}
