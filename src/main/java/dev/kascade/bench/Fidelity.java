package dev.kascade.bench;

/**
 * How close Kascade's attention stays to dense over one pass through all layers of a plan.
 *
 * @param relErrorByLayer   {@code ||o_kascade - o_dense||_2 / ||o_dense||_2} per layer, over all sequences,
 *                          query heads (and prefill positions) of the layer
 * @param massRecallByLayer dense softmax mass on the keys Kascade attended, per layer, averaged over
 *                          query rows (1 on layer 0 and wherever attention is dense)
 */
public record Fidelity(double[] relErrorByLayer, double[] massRecallByLayer) {
    public Fidelity {
        if (relErrorByLayer.length != massRecallByLayer.length || relErrorByLayer.length == 0) {
            throw new IllegalArgumentException("relErrorByLayer, massRecallByLayer: expected one entry per layer");
        }
        relErrorByLayer = relErrorByLayer.clone();
        massRecallByLayer = massRecallByLayer.clone();
    }

    /** Mean relative L2 error over the layers run. */
    public double relError() {
        return mean(relErrorByLayer);
    }

    /** Mean mass recall over the layers run. */
    public double massRecall() {
        return mean(massRecallByLayer);
    }

    @Override
    public double[] relErrorByLayer() {
        return relErrorByLayer.clone();
    }

    @Override
    public double[] massRecallByLayer() {
        return massRecallByLayer.clone();
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }
}
