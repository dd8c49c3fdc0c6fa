package dev.kascade.planning;

import dev.kascade.algorithm.AnchorPlan;

/**
 * The planner's answer for one anchor count K.
 *
 * @param plan        the anchors and the {@code [L][G]} head mapping
 * @param objective   {@code sum over layers j of sim[anchor(j)][j]}, the DP's maximum
 * @param layerScores {@code sim[anchor(j)][j]} per layer (importance-weighted)
 * @param recovery    per layer, the mean over reuse heads of the best anchor head's {@code S} (unweighted)
 */
public record PlannedAnchors(AnchorPlan plan, double objective, double[] layerScores, double[] recovery) {
    public PlannedAnchors {
        layerScores = layerScores.clone();
        recovery = recovery.clone();
    }

    public int count() {
        return plan.anchors().length;
    }

    @Override
    public double[] layerScores() {
        return layerScores.clone();
    }

    @Override
    public double[] recovery() {
        return recovery.clone();
    }
}
