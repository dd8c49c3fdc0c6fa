package dev.kascade.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Horizontal bars with long row labels (JMH benchmark names and parameters), one unit per chart, with error
 * whiskers when the row has an error estimate.
 */
public final class HBarChart {
    private static final int WIDTH = 900;
    private static final int LABEL = 420;
    private static final int ROW = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private final String title;
    private final String unit;
    private final List<String> labels = new ArrayList<>();
    private final List<double[]> values = new ArrayList<>();

    public HBarChart(String title, String unit) {
        this.title = title;
        this.unit = unit;
    }

    /** A bar of {@code value} with a symmetric error {@code error} (NaN for none). */
    public HBarChart add(String label, double value, double error) {
        labels.add(label);
        values.add(new double[] {value, error});
        return this;
    }

    public boolean isEmpty() {
        return labels.isEmpty();
    }

    public String toSvg() {
        int height = TOP + BOTTOM + ROW * labels.size();
        double max = 0;
        for (double[] v : values) {
            if (Double.isFinite(v[0])) max = Math.max(max, v[0] + (Double.isFinite(v[1]) ? v[1] : 0));
        }
        double[] xr = Axis.niceRange(0, max > 0 ? max : 1, true);
        Axis ax = new Axis(xr[0], xr[1], false, LABEL, WIDTH - 30);
        StringBuilder b = new StringBuilder();
        Svg.open(b, WIDTH, height, title);
        Svg.frame(b, LABEL, TOP, WIDTH - 30, height - BOTTOM);
        for (double t : ax.ticks()) Svg.tickX(b, ax.px(t), height - BOTTOM, Xml.num(t));
        for (int i = 0; i < labels.size(); i++) {
            double y = TOP + ROW * i;
            double v = values.get(i)[0];
            double e = values.get(i)[1];
            String label = labels.get(i).length() > 64 ? labels.get(i).substring(0, 63) + "…" : labels.get(i);
            b.append("<text class=\"tick\" x=\"").append(LABEL - 6).append("\" y=\"").append(Xml.coord(y + 14))
                    .append("\" text-anchor=\"end\" font-size=\"11\">").append(Xml.escape(label)).append("</text>\n");
            if (!Double.isFinite(v)) continue;
            b.append("<rect x=\"").append(LABEL).append("\" y=\"").append(Xml.coord(y + 3)).append("\" width=\"")
                    .append(Xml.coord(ax.px(v) - LABEL)).append("\" height=\"").append(ROW - 6).append("\" fill=\"")
                    .append(Palette.colour(0)).append("\"><title>").append(Xml.escape(labels.get(i))).append(": ")
                    .append(Xml.num(v)).append(' ').append(Xml.escape(unit)).append("</title></rect>\n");
            if (Double.isFinite(e) && e > 0) {
                double cy = y + ROW / 2.0;
                b.append("<line x1=\"").append(Xml.coord(ax.px(Math.max(0, v - e)))).append("\" x2=\"")
                        .append(Xml.coord(ax.px(v + e))).append("\" y1=\"").append(Xml.coord(cy)).append("\" y2=\"")
                        .append(Xml.coord(cy)).append("\" stroke=\"#000\"/>\n");
            }
        }
        Svg.axisLabels(b, unit, "", (LABEL + WIDTH - 30) / 2.0, height - 12, 14, TOP);
        b.append("</svg>\n");
        return b.toString();
    }
}
