package dev.kascade.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A grouped vertical bar chart as an inline SVG element: one group per category (e.g. a context length), one
 * bar per series in each group (e.g. a layer role), value labels above the bars, optional reference lines.
 */
public final class BarChart {
    private static final int WIDTH = LineChart.WIDTH;
    private static final int HEIGHT = LineChart.HEIGHT;
    private static final int LEFT = 70;
    private static final int RIGHT = 200;
    private static final int TOP = 40;
    private static final int BOTTOM = 56;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<String> categories;
    private final List<String> seriesNames = new ArrayList<>();
    private final List<double[]> seriesValues = new ArrayList<>();
    private final List<Double> refs = new ArrayList<>();
    private final List<String> refLabels = new ArrayList<>();

    public BarChart(String title, String xLabel, String yLabel, List<String> categories) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.categories = List.copyOf(categories);
    }

    /** One bar per category; NaN leaves a gap. */
    public BarChart add(String name, double[] values) {
        if (values.length != categories.size()) {
            throw new IllegalArgumentException("values: expected " + categories.size() + " (one per category) but got " + values.length);
        }
        seriesNames.add(name);
        seriesValues.add(values.clone());
        return this;
    }

    public BarChart reference(double y, String label) {
        refs.add(y);
        refLabels.add(label);
        return this;
    }

    public boolean isEmpty() {
        return categories.isEmpty() || seriesNames.isEmpty();
    }

    public String toSvg() {
        double ymax = 0;
        for (double[] v : seriesValues) for (double x : v) if (Double.isFinite(x)) ymax = Math.max(ymax, x);
        for (double r : refs) ymax = Math.max(ymax, r);
        double[] yr = Axis.niceRange(0, ymax > 0 ? ymax : 1, true);
        Axis ay = new Axis(yr[0], yr[1], false, HEIGHT - BOTTOM, TOP);
        StringBuilder b = new StringBuilder();
        Svg.open(b, WIDTH, HEIGHT, title);
        Svg.frame(b, LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM);
        for (double t : ay.ticks()) Svg.gridY(b, LEFT, WIDTH - RIGHT, ay.px(t), Xml.num(t));
        double groupWidth = (double) (WIDTH - RIGHT - LEFT) / Math.max(1, categories.size());
        int nSeries = Math.max(1, seriesNames.size());
        double barWidth = groupWidth * 0.8 / nSeries;
        for (int c = 0; c < categories.size(); c++) {
            double gx = LEFT + groupWidth * c;
            Svg.tickX(b, gx + groupWidth / 2, HEIGHT - BOTTOM, categories.get(c));
            for (int s = 0; s < seriesNames.size(); s++) {
                double v = seriesValues.get(s)[c];
                if (!Double.isFinite(v)) continue;
                double x = gx + groupWidth * 0.1 + s * barWidth;
                double y = ay.px(Math.max(0, v));
                double h = ay.px(0) - y;
                b.append("<rect x=\"").append(Xml.coord(x)).append("\" y=\"").append(Xml.coord(y)).append("\" width=\"")
                        .append(Xml.coord(barWidth - 1)).append("\" height=\"").append(Xml.coord(h)).append("\" fill=\"")
                        .append(Palette.colour(s)).append("\"><title>").append(Xml.escape(seriesNames.get(s)))
                        .append(", ").append(Xml.escape(categories.get(c))).append(": ").append(Xml.num(v))
                        .append("</title></rect>\n");
                if (barWidth >= 14) {
                    b.append("<text x=\"").append(Xml.coord(x + barWidth / 2)).append("\" y=\"").append(Xml.coord(y - 3))
                            .append("\" text-anchor=\"middle\" font-size=\"9\">").append(Xml.num(v)).append("</text>\n");
                }
            }
        }
        for (int r = 0; r < refs.size(); r++) {
            double y = ay.px(refs.get(r));
            b.append("<line class=\"ref\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"")
                    .append(Xml.coord(y)).append("\" y2=\"").append(Xml.coord(y))
                    .append("\" stroke=\"#555\" stroke-dasharray=\"6 4\"/>\n")
                    .append("<text x=\"").append(WIDTH - RIGHT - 4).append("\" y=\"").append(Xml.coord(y - 4))
                    .append("\" text-anchor=\"end\" font-size=\"11\" fill=\"#555\">").append(Xml.escape(refLabels.get(r)))
                    .append("</text>\n");
        }
        Svg.axisLabels(b, xLabel, yLabel, (LEFT + WIDTH - RIGHT) / 2.0, HEIGHT - 12, 18, (TOP + HEIGHT - BOTTOM) / 2.0);
        for (int s = 0; s < seriesNames.size(); s++) {
            Svg.legendEntry(b, WIDTH - RIGHT + 14, TOP + 10 + 18 * s, Palette.colour(s), seriesNames.get(s));
        }
        b.append("</svg>\n");
        return b.toString();
    }
}
