package dev.kascade.planning;

/**
 * Where a plan's statistics came from, recorded in the plan file for the reader (never used to run).
 *
 * @param traces       the trace file the statistics were computed from
 * @param source       the trace file's own description (model or generator)
 * @param prompts      prompts in the statistics
 * @param topK         k of the statistics
 * @param tile         prefill tile of the statistics
 * @param decodeSteps  decoded tokens per prompt used as steps, at most
 * @param date         ISO-8601 instant the plan was made
 * @param objective    the DP objective of the chosen anchors
 * @param layerScores  {@code sim[anchor(j)][j]} per layer
 * @param importance   {@code w_j} per layer
 * @param recovery     per layer, mean over heads of the chosen anchor head's {@code S}
 */
public record Provenance(String traces, String source, int prompts, int topK, int tile, int decodeSteps, String date,
                         double objective, double[] layerScores, double[] importance, double[] recovery) {
    public Provenance {
        layerScores = layerScores == null ? new double[0] : layerScores.clone();
        importance = importance == null ? new double[0] : importance.clone();
        recovery = recovery == null ? new double[0] : recovery.clone();
        traces = traces == null ? "" : traces;
        source = source == null ? "" : source;
        date = date == null ? "" : date;
    }

    @Override
    public double[] layerScores() {
        return layerScores.clone();
    }

    @Override
    public double[] importance() {
        return importance.clone();
    }

    @Override
    public double[] recovery() {
        return recovery.clone();
    }
}
