package dev.kascade.report;

/** Pieces shared by the chart types: the svg element, plot frame, grid, ticks, axis labels, legend. */
final class Svg {
    private Svg() {
    }

    static void open(StringBuilder b, int w, int h, String title) {
        b.append("<svg class=\"chart\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" role=\"img\" aria-label=\"").append(Xml.escape(title))
                .append("\" font-family=\"sans-serif\">\n<title>").append(Xml.escape(title)).append("</title>\n")
                .append("<rect x=\"0\" y=\"0\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" fill=\"#ffffff\"/>\n")
                .append("<text class=\"chart-title\" x=\"").append(w / 2).append("\" y=\"22\" text-anchor=\"middle\" ")
                .append("font-size=\"15\" font-weight=\"bold\">").append(Xml.escape(title)).append("</text>\n");
    }

    static void frame(StringBuilder b, double x0, double y0, double x1, double y1) {
        b.append("<rect x=\"").append(Xml.coord(x0)).append("\" y=\"").append(Xml.coord(y0)).append("\" width=\"")
                .append(Xml.coord(x1 - x0)).append("\" height=\"").append(Xml.coord(y1 - y0))
                .append("\" fill=\"none\" stroke=\"#333\"/>\n");
    }

    static void gridY(StringBuilder b, double x0, double x1, double y, String label) {
        b.append("<line x1=\"").append(Xml.coord(x0)).append("\" x2=\"").append(Xml.coord(x1)).append("\" y1=\"")
                .append(Xml.coord(y)).append("\" y2=\"").append(Xml.coord(y)).append("\" stroke=\"#e0e0e0\"/>\n")
                .append("<text class=\"tick\" x=\"").append(Xml.coord(x0 - 6)).append("\" y=\"").append(Xml.coord(y + 4))
                .append("\" text-anchor=\"end\" font-size=\"11\">").append(Xml.escape(label)).append("</text>\n");
    }

    static void tickX(StringBuilder b, double x, double yAxis, String label) {
        b.append("<line x1=\"").append(Xml.coord(x)).append("\" x2=\"").append(Xml.coord(x)).append("\" y1=\"")
                .append(Xml.coord(yAxis)).append("\" y2=\"").append(Xml.coord(yAxis + 5)).append("\" stroke=\"#333\"/>\n")
                .append("<text class=\"tick\" x=\"").append(Xml.coord(x)).append("\" y=\"").append(Xml.coord(yAxis + 18))
                .append("\" text-anchor=\"middle\" font-size=\"11\">").append(Xml.escape(label)).append("</text>\n");
    }

    static void axisLabels(StringBuilder b, String xLabel, String yLabel, double xx, double xy, double yx, double yy) {
        b.append("<text class=\"axis-label\" x=\"").append(Xml.coord(xx)).append("\" y=\"").append(Xml.coord(xy))
                .append("\" text-anchor=\"middle\" font-size=\"13\">").append(Xml.escape(xLabel)).append("</text>\n")
                .append("<text class=\"axis-label\" x=\"").append(Xml.coord(yx)).append("\" y=\"").append(Xml.coord(yy))
                .append("\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 ").append(Xml.coord(yx))
                .append(' ').append(Xml.coord(yy)).append(")\">").append(Xml.escape(yLabel)).append("</text>\n");
    }

    static void legendEntry(StringBuilder b, double x, double y, String colour, String name) {
        String shown = name.length() > 30 ? name.substring(0, 29) + "…" : name;
        b.append("<rect x=\"").append(Xml.coord(x)).append("\" y=\"").append(Xml.coord(y - 9))
                .append("\" width=\"12\" height=\"12\" fill=\"").append(colour).append("\"/>\n")
                .append("<text class=\"legend\" x=\"").append(Xml.coord(x + 17)).append("\" y=\"").append(Xml.coord(y + 1))
                .append("\" font-size=\"11\">").append(Xml.escape(shown)).append("<title>").append(Xml.escape(name))
                .append("</title></text>\n");
    }
}
