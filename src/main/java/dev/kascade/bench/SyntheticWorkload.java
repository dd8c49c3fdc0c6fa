package dev.kascade.bench;

import dev.kascade.algorithm.AnchorPlan;

/**
 * Queries, keys and values for {@code L} layers whose attention looks like the premises of the Kascade paper:
 * sparse (a few percent of the keys hold most of the softmax mass of each head) and persistent (the heavy
 * positions stay put across the layers of a segment led by an anchor, drift a little per layer, change
 * abruptly at the next anchor, and are permuted between KV heads so the head mapping matters).
 *
 * <p>The construction, for layer {@code l}, sequence {@code b}, KV head {@code g} (docs/benchmarks.md has the
 * numbers):
 * <ul>
 *   <li>{@code H(l,b,g)}: {@code m = round(heavyFraction * n)} heavy positions. On an anchor layer of segment
 *       {@code s} a fresh uniform sample; on a reuse layer {@code j} of that segment the set of anchor head
 *       {@code sigma_s(g)}, then at each layer step from the anchor to {@code j} a share {@code drift} of the
 *       positions is replaced by fresh ones. {@code sigma_s} is a random non-identity permutation per segment,
 *       so the true head mapping is {@code headMap[j][g] = sigma_s(g)} ({@link #plan()}).</li>
 *   <li>{@code u(l,b,g)}: a random unit direction. Keys: {@code k_j = noise + alpha * u} when
 *       {@code j in H}, else {@code noise}. Queries of the {@code r} heads of group {@code g}:
 *       {@code q = beta * u + noise}. Values: noise. Noise is i.i.d. uniform with unit variance, never zero.</li>
 *   <li>{@code alpha = beta = sqrt(logitGap * sqrt(d))}, so a heavy key's logit {@code q.k / sqrt(d)} sits
 *       {@code logitGap} above the others on average.</li>
 * </ul>
 * Everything is a pure function of the seed and the coordinates, so one layer can be made at a time (the only
 * way 256K contexts fit in memory) and in any thread order.
 */
public final class SyntheticWorkload {
    static final int TAG_BASE = 1;
    static final int TAG_DRIFT = 2;
    static final int TAG_PERM = 3;
    static final int TAG_DIR = 4;
    static final int TAG_KEY = 5;
    static final int TAG_VALUE = 6;
    static final int TAG_QUERY = 7;

    private final WorkloadSpec spec;
    private final AnchorPlan plan;
    private final int[] anchors;

    public SyntheticWorkload(WorkloadSpec spec) {
        this.spec = spec;
        this.anchors = spec.anchors();
        int g = spec.kvHeads();
        int[][] headMap = new int[spec.layers()][g];
        for (int l = 0; l < spec.layers(); l++) {
            int seg = segmentOf(l);
            int[] perm = anchors[seg] == l ? identity(g) : segmentPermutation(seg);
            headMap[l] = perm;
        }
        this.plan = new AnchorPlan(anchors, headMap);
    }

    public WorkloadSpec spec() {
        return spec;
    }

    /** The plan whose head mapping matches how the heavy sets were permuted: what a perfect planner finds. */
    public AnchorPlan plan() {
        return plan;
    }

    /** The same anchors with the identity head mapping (the "no remap" ablation). */
    public AnchorPlan identityPlan() {
        return AnchorPlan.identity(spec.layers(), spec.kvHeads(), anchors);
    }

    /** Makes the generator state of one layer (heavy masks and directions); rows and fills come from it. */
    public SyntheticLayer layer(int layer) {
        checkLayer(layer);
        return new SyntheticLayer(this, layer);
    }

    /** {@code alpha = beta = sqrt(logitGap * sqrt(d))}. */
    public float alpha() {
        return (float) Math.sqrt(spec.logitGap() * Math.sqrt(spec.headDim()));
    }

    /** The heavy positions of (layer, b, g), in the order they were drawn (not sorted). */
    public int[] heavyPositions(int layer, int b, int g) {
        checkLayer(layer);
        if (b < 0 || b >= spec.batch()) throw new IllegalArgumentException("b: sequence " + b + " out of range [0, " + spec.batch() + ")");
        if (g < 0 || g >= spec.kvHeads()) throw new IllegalArgumentException("g: KV head " + g + " out of range [0, " + spec.kvHeads() + ")");
        int n = spec.context();
        int seg = segmentOf(layer);
        int anchor = anchors[seg];
        int sourceHead = plan.sourceHead(layer, g);
        boolean[] mask = new boolean[n];
        int[] set = baseSet(seg, b, sourceHead, mask);
        int m = set.length;
        int moves = (int) Math.round(spec.drift() * m);
        if (m >= n) return set; // every key is heavy: nowhere to drift to
        // Random walk: each layer step after the anchor replaces `moves` positions of the previous layer's set.
        for (int j = anchor + 1; j <= layer; j++) {
            SplitMix rng = new SplitMix(SplitMix.key(spec.seed(), TAG_DRIFT, j, b, g, 0));
            for (int t = 0; t < moves; t++) {
                int slot = rng.nextInt(m);
                int fresh;
                do {
                    fresh = rng.nextInt(n);
                } while (mask[fresh]);
                mask[set[slot]] = false;
                mask[fresh] = true;
                set[slot] = fresh;
            }
        }
        return set;
    }

    /** Index of the segment (the anchor at or before {@code layer}) in the sorted anchor list. */
    int segmentOf(int layer) {
        int s = 0;
        while (s + 1 < anchors.length && anchors[s + 1] <= layer) s++;
        return s;
    }

    /** Floyd's sampling of m distinct positions out of n for the anchor of segment {@code seg}. */
    private int[] baseSet(int seg, int b, int g, boolean[] mask) {
        int n = spec.context();
        int m = spec.heavyCount();
        SplitMix rng = new SplitMix(SplitMix.key(spec.seed(), TAG_BASE, seg, b, g, 0));
        int[] set = new int[m];
        int k = 0;
        for (int j = n - m; j < n; j++) {
            int t = rng.nextInt(j + 1);
            if (mask[t]) t = j;
            mask[t] = true;
            set[k++] = t;
        }
        return set;
    }

    /** A random permutation of the KV heads for the reuse layers of a segment; never the identity when G > 1. */
    private int[] segmentPermutation(int seg) {
        int g = spec.kvHeads();
        int[] p = identity(g);
        SplitMix rng = new SplitMix(SplitMix.key(spec.seed(), TAG_PERM, seg, 0, 0, 0));
        for (int i = g - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        boolean isIdentity = true;
        for (int i = 0; i < g; i++) isIdentity &= p[i] == i;
        if (isIdentity && g > 1) {
            for (int i = 0; i < g; i++) p[i] = (i + 1) % g;
        }
        return p;
    }

    private static int[] identity(int g) {
        int[] p = new int[g];
        for (int i = 0; i < g; i++) p[i] = i;
        return p;
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= spec.layers()) {
            throw new IllegalArgumentException("layer: " + layer + " out of range [0, " + spec.layers() + ")");
        }
    }
}
