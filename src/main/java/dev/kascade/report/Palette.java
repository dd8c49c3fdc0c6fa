package dev.kascade.report;

/** Colours of chart series: distinguishable, and readable on white and in grey-scale print. */
final class Palette {
    private static final String[] COLOURS = {
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"
    };

    private Palette() {
    }

    static String colour(int i) {
        return COLOURS[Math.floorMod(i, COLOURS.length)];
    }
}
