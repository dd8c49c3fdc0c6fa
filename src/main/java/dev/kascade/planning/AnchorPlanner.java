package dev.kascade.planning;

import dev.kascade.algorithm.AnchorPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Chooses anchor layers and head mappings from calibration statistics (spec, "Anchor selection"):
 * {@code sim[a][b] = w_b * mean over gb of (max over ga of S[a][b][gb][ga])}, a dynamic program over
 * contiguous segments for the anchors, and {@code headMap[b][gb] = argmax over ga of S[a][b][gb][ga]}.
 */
public final class AnchorPlanner {
    /** Anchor counts the planner reports by default (spec: "anchor sets for K = 3..8"). */
    public static final int MIN_REPORTED = 3;
    public static final int MAX_REPORTED = 8;

    private AnchorPlanner() {
    }

    /** Anchors and objective of one DP solution. */
    public record AnchorChoice(int[] anchors, double objective) {
        public AnchorChoice {
            anchors = anchors.clone();
        }

        @Override
        public int[] anchors() {
            return anchors.clone();
        }
    }

    /** {@code sim[a][b]} for {@code a <= b} (entries with {@code a > b} are 0 and never read). */
    public static double[][] similarity(CalibrationStats stats) {
        int l = stats.layers();
        double[][] sim = new double[l][l];
        for (int a = 0; a < l; a++) {
            for (int b = a; b < l; b++) {
                sim[a][b] = stats.importance(b) * meanBestRecovery(stats, a, b);
            }
        }
        return sim;
    }

    /** Mean over reuse heads gb of {@code max over ga of S[a][b][gb][ga]}. */
    public static double meanBestRecovery(CalibrationStats stats, int a, int b) {
        int g = stats.kvHeads();
        double sum = 0;
        for (int gb = 0; gb < g; gb++) {
            double best = 0;
            for (int ga = 0; ga < g; ga++) best = Math.max(best, stats.recovery(a, b, gb, ga));
            sum += best;
        }
        return sum / g;
    }

    /** {@code headMap[b][gb] = argmax over ga of S[a][b][gb][ga]} (the lowest head on ties); identity when {@code a == b}. */
    public static int[] headMapping(CalibrationStats stats, int a, int b) {
        int g = stats.kvHeads();
        int[] row = new int[g];
        for (int gb = 0; gb < g; gb++) {
            if (a == b) {
                row[gb] = gb;
                continue;
            }
            int arg = 0;
            for (int ga = 1; ga < g; ga++) {
                if (stats.recovery(a, b, gb, ga) > stats.recovery(a, b, gb, arg)) arg = ga;
            }
            row[gb] = arg;
        }
        return row;
    }

    /*
     * The DP of the spec. V[1][i] = P[0][i]; V[k][i] = max over k-1 <= l < i of V[k-1][l] + P[l][i], where
     * P[l][i] = sum_{j=l}^{i-1} sim[l][j] is the value of a segment of layers l..i-1 led by anchor l (prefix
     * sums, so each transition is O(1)). Answer V[K][L], backtracked through the argmax table.
     * Cost: O(L^2) for the prefix sums, O(K L^2) for the table.
     */
    /**
     * The K anchors {@code 0 = p1 < ... < pK} maximising {@code sum_j sim[anchor(j)][j]}.
     *
     * @param sim {@code [L][L]}, only {@code a <= b} read
     * @throws IllegalArgumentException for {@code K < 1} or {@code K > L}
     */
    public static AnchorChoice chooseAnchors(double[][] sim, int count) {
        if (sim == null || sim.length == 0) throw new IllegalArgumentException("sim: expected an [L][L] matrix with L > 0");
        int l = sim.length;
        for (int a = 0; a < l; a++) {
            if (sim[a] == null || sim[a].length != l) {
                throw new IllegalArgumentException("sim: row " + a + " must have " + l + " entries");
            }
        }
        if (count < 1) throw new IllegalArgumentException("anchors: expected K >= 1 (layer 0 is always an anchor) but got " + count);
        if (count > l) throw new IllegalArgumentException("anchors: K = " + count + " exceeds the " + l + " layers");
        double[][] prefix = new double[l][l + 1];
        for (int a = 0; a < l; a++) {
            for (int i = a + 1; i <= l; i++) prefix[a][i] = prefix[a][i - 1] + sim[a][i - 1];
        }
        double[][] value = new double[count + 1][l + 1];
        int[][] choice = new int[count + 1][l + 1];
        for (double[] row : value) Arrays.fill(row, Double.NEGATIVE_INFINITY);
        for (int i = 1; i <= l; i++) value[1][i] = prefix[0][i];
        for (int k = 2; k <= count; k++) {
            for (int i = k; i <= l; i++) {
                for (int j = k - 1; j < i; j++) {
                    double v = value[k - 1][j] + prefix[j][i];
                    if (v > value[k][i]) {
                        value[k][i] = v;
                        choice[k][i] = j;
                    }
                }
            }
        }
        int[] anchors = new int[count];
        int i = l;
        for (int k = count; k >= 2; k--) {
            i = choice[k][i];
            anchors[k - 1] = i;
        }
        anchors[0] = 0;
        return new AnchorChoice(anchors, value[count][l]);
    }

    /** Sum over layers of {@code sim[anchor(j)][j]} for given anchors (sorted, containing 0). */
    public static double objective(double[][] sim, int[] anchors) {
        int[] a = anchors.clone();
        Arrays.sort(a);
        if (a.length == 0 || a[0] != 0) throw new IllegalArgumentException("anchors: must contain layer 0");
        double total = 0;
        int next = 0;
        int cur = 0;
        for (int j = 0; j < sim.length; j++) {
            if (next < a.length && a[next] == j) cur = a[next++];
            total += sim[cur][j];
        }
        return total;
    }

    /** The best plan with {@code count} anchors: the DP's anchors with head mappings from the argmax of S. */
    public static PlannedAnchors plan(CalibrationStats stats, int count) {
        double[][] sim = similarity(stats);
        AnchorChoice choice = chooseAnchors(sim, count);
        return planFor(stats, sim, choice.anchors(), choice.objective());
    }

    /** Plans for every K in {@code min..max}, clipped to the layer count. */
    public static List<PlannedAnchors> plans(CalibrationStats stats, int min, int max) {
        double[][] sim = similarity(stats);
        List<PlannedAnchors> out = new ArrayList<>();
        for (int k = Math.max(1, min); k <= Math.min(max, stats.layers()); k++) {
            AnchorChoice c = chooseAnchors(sim, k);
            out.add(planFor(stats, sim, c.anchors(), c.objective()));
        }
        return out;
    }

    /** The head mapping, per-layer scores and objective of a given anchor set (chosen or hand-picked). */
    public static PlannedAnchors planFor(CalibrationStats stats, int[] anchors) {
        double[][] sim = similarity(stats);
        return planFor(stats, sim, anchors, objective(sim, anchors));
    }

    /**
     * Scores a given plan with its own head mapping (for instance one edited by hand): layer {@code j} under
     * anchor {@code a} scores {@code w_j * mean over gb of S[a][j][gb][headMap[j][gb]]}. For a plan made by
     * {@link #plan} this equals the DP objective, since its head mapping is the argmax.
     *
     * @throws IllegalArgumentException when the plan's layer or KV-head count differs from the statistics
     */
    public static PlannedAnchors evaluate(CalibrationStats stats, AnchorPlan plan) {
        if (plan.layers() != stats.layers() || plan.kvHeads() != stats.kvHeads()) {
            throw new IllegalArgumentException("plan: it has " + plan.layers() + " layers and " + plan.kvHeads()
                    + " KV heads but the statistics have " + stats.layers() + " and " + stats.kvHeads());
        }
        int l = stats.layers();
        int g = stats.kvHeads();
        double[] scores = new double[l];
        double[] recovery = new double[l];
        double objective = 0;
        for (int j = 0; j < l; j++) {
            int a = plan.anchorOf(j);
            double sum = 0;
            for (int gb = 0; gb < g; gb++) sum += stats.recovery(a, j, gb, plan.sourceHead(j, gb));
            recovery[j] = sum / g;
            scores[j] = stats.importance(j) * recovery[j];
            objective += scores[j];
        }
        return new PlannedAnchors(plan, objective, scores, recovery);
    }

    private static PlannedAnchors planFor(CalibrationStats stats, double[][] sim, int[] anchors, double objective) {
        int l = stats.layers();
        int[][] headMap = new int[l][];
        double[] scores = new double[l];
        double[] recovery = new double[l];
        int[] sorted = anchors.clone();
        Arrays.sort(sorted);
        int next = 0;
        int cur = 0;
        for (int j = 0; j < l; j++) {
            if (next < sorted.length && sorted[next] == j) cur = sorted[next++];
            headMap[j] = headMapping(stats, cur, j);
            scores[j] = sim[cur][j];
            recovery[j] = meanBestRecovery(stats, cur, j);
        }
        return new PlannedAnchors(new AnchorPlan(sorted, headMap), objective, scores, recovery);
    }
}
