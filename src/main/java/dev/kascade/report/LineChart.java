package dev.kascade.report;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * A line chart as an inline SVG element: axes with ticks and labels, one polyline and marker set per
 * {@link Series}, a legend, and optional dashed horizontal reference lines (speedup 1x, a bar to meet).
 */
public final class LineChart {
    static final int WIDTH = 720;
    static final int HEIGHT = 380;
    private static final int LEFT = 70;
    private static final int RIGHT = 200;
    private static final int TOP = 40;
    private static final int BOTTOM = 56;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logX;
    private final List<Series> series = new ArrayList<>();
    private final List<double[]> refValues = new ArrayList<>();
    private final List<String> refLabels = new ArrayList<>();
    private DoubleFunction<String> xTickFormat = Xml::num;
    private boolean yFromZero = true;

    public LineChart(String title, String xLabel, String yLabel, boolean logX) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logX = logX;
    }

    public LineChart add(Series s) {
        series.add(s);
        return this;
    }

    /** A dashed horizontal line at {@code y} with a label. */
    public LineChart reference(double y, String label) {
        refValues.add(new double[] {y});
        refLabels.add(label);
        return this;
    }

    /** Tick labels of the x axis (e.g. 32K for contexts). */
    public LineChart xTicks(DoubleFunction<String> format) {
        this.xTickFormat = format;
        return this;
    }

    /** Whether the y axis starts at zero (default) or hugs the data. */
    public LineChart yFromZero(boolean fromZero) {
        this.yFromZero = fromZero;
        return this;
    }

    public boolean isEmpty() {
        return series.stream().allMatch(s -> s.xs().isEmpty());
    }

    /** The SVG element. */
    public String toSvg() {
        double xmin = Double.POSITIVE_INFINITY, xmax = Double.NEGATIVE_INFINITY;
        double ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.xs().size(); i++) {
                double x = s.xs().get(i), y = s.ys().get(i);
                if (!Double.isFinite(x) || !Double.isFinite(y) || (logX && x <= 0)) continue;
                xmin = Math.min(xmin, x);
                xmax = Math.max(xmax, x);
                ymin = Math.min(ymin, y);
                ymax = Math.max(ymax, y);
            }
        }
        for (double[] r : refValues) {
            ymin = Math.min(ymin, r[0]);
            ymax = Math.max(ymax, r[0]);
        }
        if (!Double.isFinite(xmin)) {
            xmin = 1;
            xmax = 2;
        }
        if (!Double.isFinite(ymin)) {
            ymin = 0;
            ymax = 1;
        }
        if (!logX) {
            double[] xr = Axis.niceRange(xmin, xmax, false);
            xmin = xr[0];
            xmax = xr[1];
        } else if (xmin == xmax) {
            xmin /= 2;
            xmax *= 2;
        }
        double[] yr = Axis.niceRange(ymin, ymax, yFromZero);
        Axis ax = new Axis(xmin, xmax, logX, LEFT, WIDTH - RIGHT);
        Axis ay = new Axis(yr[0], yr[1], false, HEIGHT - BOTTOM, TOP);

        StringBuilder b = new StringBuilder();
        Svg.open(b, WIDTH, HEIGHT, title);
        Svg.frame(b, LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM);
        for (double t : ay.ticks()) {
            double y = ay.px(t);
            Svg.gridY(b, LEFT, WIDTH - RIGHT, y, Xml.num(t));
        }
        for (double t : ax.ticks()) {
            Svg.tickX(b, ax.px(t), HEIGHT - BOTTOM, xTickFormat.apply(t));
        }
        Svg.axisLabels(b, xLabel, yLabel, (LEFT + WIDTH - RIGHT) / 2.0, HEIGHT - 12, 18, (TOP + HEIGHT - BOTTOM) / 2.0);
        for (int r = 0; r < refValues.size(); r++) {
            double y = ay.px(refValues.get(r)[0]);
            b.append("<line class=\"ref\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT)
                    .append("\" y1=\"").append(Xml.coord(y)).append("\" y2=\"").append(Xml.coord(y))
                    .append("\" stroke=\"#555\" stroke-dasharray=\"6 4\"/>\n");
            b.append("<text x=\"").append(WIDTH - RIGHT - 4).append("\" y=\"").append(Xml.coord(y - 4))
                    .append("\" text-anchor=\"end\" font-size=\"11\" fill=\"#555\">").append(Xml.escape(refLabels.get(r)))
                    .append("</text>\n");
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String colour = Palette.colour(i);
            StringBuilder pts = new StringBuilder();
            StringBuilder marks = new StringBuilder();
            for (int k = 0; k < s.xs().size(); k++) {
                double x = s.xs().get(k), y = s.ys().get(k);
                if (!Double.isFinite(x) || !Double.isFinite(y) || (logX && x <= 0)) continue;
                String px = Xml.coord(ax.px(x)), py = Xml.coord(ay.px(y));
                pts.append(px).append(',').append(py).append(' ');
                marks.append("<circle cx=\"").append(px).append("\" cy=\"").append(py).append("\" r=\"3.5\" fill=\"")
                        .append(colour).append("\"><title>").append(Xml.escape(s.name())).append(": ")
                        .append(Xml.escape(xTickFormat.apply(x))).append(" → ").append(Xml.num(y))
                        .append("</title></circle>\n");
            }
            b.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\" points=\"")
                    .append(pts.toString().trim()).append("\"/>\n").append(marks);
            Svg.legendEntry(b, WIDTH - RIGHT + 14, TOP + 10 + 18 * i, colour, s.name());
        }
        b.append("</svg>\n");
        return b.toString();
    }
}
