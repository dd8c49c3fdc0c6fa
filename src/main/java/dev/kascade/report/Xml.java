package dev.kascade.report;

import java.util.Locale;

/** Escaping and number formatting for the report's XHTML and SVG text. */
final class Xml {
    private Xml() {
    }

    /** Escapes text for element content and double-quoted attributes. */
    static String escape(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    // Control characters other than tab/newline are not allowed in XML 1.0: drop them.
                    if (c >= 0x20 || c == '\t' || c == '\n') b.append(c);
                }
            }
        }
        return b.toString();
    }

    /** A coordinate with one decimal (SVG needs no more). */
    static String coord(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A value for labels and tables: 3 significant digits, no exponent for ordinary magnitudes. */
    static String num(double v) {
        if (Double.isNaN(v)) return "n/a";
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e7)) return String.format(Locale.ROOT, "%.2e", v);
        if (a >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        if (a >= 1) return String.format(Locale.ROOT, "%.2f", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /** Context lengths as 8K, 32K, 1M. */
    static String tokens(double n) {
        long v = Math.round(n);
        if (v >= 1 << 20 && v % (1 << 20) == 0) return (v >> 20) + "M";
        if (v >= 1024 && v % 1024 == 0) return (v >> 10) + "K";
        return Long.toString(v);
    }
}
