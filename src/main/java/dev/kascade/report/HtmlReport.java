package dev.kascade.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Turns benchmark rows and JMH scores into one self-contained XHTML page: inline SVG charts and tables, an
 * embedded style sheet, no scripts, no fonts or images fetched from anywhere. All text from the inputs is
 * escaped.
 *
 * <p>Charts: speedup vs context (decode, prefill); per-role time relative to dense (decode, prefill); fidelity
 * (relative error, mass recall) vs top-k fraction; dense decode bandwidth vs the measured ceiling, per device
 * kind; JMH scores per unit. A chart appears when its rows exist.
 */
public final class HtmlReport {
    private static final String STYLE = """
            body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}
            h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}
            table{border-collapse:collapse;font-size:12px;margin:8px 0}
            th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
            th{background:#f3f3f3}td.l,th.l{text-align:left}
            .chart{display:block;margin:12px 0;border:1px solid #eee}
            .note{color:#555;font-size:13px}
            """;

    private HtmlReport() {
    }

    /** The whole page. */
    public static String render(ReportInputs in, String title, Instant generated) {
        List<BenchRow> rows = in.rows();
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>")
                .append(Xml.escape(title)).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
        b.append("<h1>").append(Xml.escape(title)).append("</h1>\n");
        b.append("<p class=\"note\">Generated ").append(Xml.escape(generated.toString())).append(" from ")
                .append(Xml.escape(String.join(", ", in.sources()))).append(". ").append(rows.size())
                .append(" benchmark rows, ").append(in.jmh().size()).append(" JMH results.</p>\n");
        b.append("<p class=\"note\">Kascade time is the per-layer average over the plan's real layer sequence, ")
                .append("(T<sub>layer0</sub> + n<sub>anchor</sub> T<sub>anchor</sub> + n<sub>reuse</sub> T<sub>reuse</sub>) / L; ")
                .append("speedup is dense time over it. Attention only, on synthetic sparse data (docs/benchmarks.md).</p>\n");
        machines(b, rows);
        for (String mode : List.of("decode", "prefill")) {
            List<BenchRow> m = rows.stream().filter(r -> r.mode().equals(mode)).toList();
            if (m.isEmpty()) continue;
            b.append("<h2>").append(cap(mode)).append("</h2>\n");
            double p = primaryTopk(m);
            chart(b, speedupChart(mode, m, p).toSvg());
            BarChart roles = roleChart(mode, m, p);
            if (!roles.isEmpty()) chart(b, roles.toSvg());
        }
        List<BenchRow> sweep = rows.stream().filter(r -> Double.isFinite(r.topk())).toList();
        if (!sweep.isEmpty()) {
            b.append("<h2>Fidelity vs top-k fraction</h2>\n");
            chart(b, fidelityChart(sweep, true).toSvg());
            chart(b, fidelityChart(sweep, false).toSvg());
        }
        bandwidth(b, rows);
        table(b, rows);
        jmh(b, in.jmh());
        b.append("</body>\n</html>\n");
        return b.toString();
    }

    private static void chart(StringBuilder b, String svg) {
        b.append("<figure>\n").append(svg).append("</figure>\n");
    }

    /** The top-k fraction most rows of a mode use (ties: the one nearest the paper's 10%). */
    static double primaryTopk(List<BenchRow> rows) {
        Map<Double, Long> counts = rows.stream().collect(Collectors.groupingBy(BenchRow::topk, TreeMap::new, Collectors.counting()));
        return counts.entrySet().stream()
                .max(Comparator.<Map.Entry<Double, Long>>comparingLong(Map.Entry::getValue)
                        .thenComparing(e -> -Math.abs(e.getKey() - 0.10)))
                .map(Map.Entry::getKey).orElse(0.10);
    }

    private static LineChart speedupChart(String mode, List<BenchRow> rows, double p) {
        LineChart c = new LineChart(cap(mode) + ": Kascade speedup over dense (top-k " + pct(p) + ")",
                "context (tokens, log scale)", "speedup (dense / Kascade per-layer avg)", true)
                .xTicks(Xml::tokens).reference(1.0, "1x = dense");
        for (Map.Entry<String, List<BenchRow>> e : bySeries(rows, p).entrySet()) {
            Map<Integer, BenchRow> latest = latestByContext(e.getValue());
            c.add(new Series(e.getKey(), latest.keySet().stream().map(Integer::doubleValue).toList(),
                    latest.values().stream().map(BenchRow::speedup).toList()));
        }
        return c;
    }

    /** Per-role time over dense time for the first series of a mode, one bar group per context. */
    private static BarChart roleChart(String mode, List<BenchRow> rows, double p) {
        Map<String, List<BenchRow>> series = bySeries(rows, p);
        if (series.isEmpty()) return new BarChart("", "", "", List.of());
        Map.Entry<String, List<BenchRow>> first = series.entrySet().iterator().next();
        Map<Integer, BenchRow> latest = latestByContext(first.getValue());
        List<String> cats = latest.keySet().stream().map(Xml::tokens).toList();
        BarChart c = new BarChart(cap(mode) + ": time per layer role relative to dense (" + first.getKey() + ")",
                "context (tokens)", "time / dense time", cats).reference(1.0, "dense");
        String[] names = {"layer 0", "anchor", "reuse", "Kascade avg"};
        for (int role = 0; role < names.length; role++) {
            double[] v = new double[cats.size()];
            int i = 0;
            for (BenchRow r : latest.values()) {
                double t = switch (role) {
                    case 0 -> r.layer0Ms();
                    case 1 -> r.anchorMs();
                    case 2 -> r.reuseMs();
                    default -> r.kascadeMs();
                };
                v[i++] = t / r.denseMs();
            }
            c.add(names[role], v);
        }
        return c;
    }

    private static LineChart fidelityChart(List<BenchRow> rows, boolean error) {
        LineChart c = new LineChart(error ? "Relative L2 error of the attention output vs dense"
                : "Dense softmax mass on the attended keys (mass recall)",
                "top-k fraction p", error ? "relative L2 error (mean over layers)" : "mass recall (mean over layers)", false)
                .xTicks(HtmlReport::pct).yFromZero(error);
        Map<String, TreeMap<Double, BenchRow>> groups = new TreeMap<>();
        for (BenchRow r : rows) {
            groups.computeIfAbsent(r.mode() + " " + Xml.tokens(r.context()) + " " + r.device() + " " + r.dtype(),
                    k -> new TreeMap<>()).put(r.topk(), r);
        }
        // Configurations swept over top-k; single-point groups only when nothing was swept.
        boolean anySwept = groups.values().stream().anyMatch(g -> g.size() > 1);
        for (Map.Entry<String, TreeMap<Double, BenchRow>> e : groups.entrySet()) {
            if (anySwept && e.getValue().size() < 2) continue;
            c.add(new Series(e.getKey(), List.copyOf(e.getValue().keySet()),
                    e.getValue().values().stream().map(r -> error ? r.relError() : r.massRecall()).toList()));
        }
        return c;
    }

    private static void bandwidth(StringBuilder b, List<BenchRow> rows) {
        Map<String, List<BenchRow>> byDevice = new TreeMap<>();
        List<BenchRow> decode = rows.stream().filter(r -> r.mode().equals("decode")).toList();
        double p = primaryTopk(decode);
        for (BenchRow r : decode) {
            // Dense decode does not depend on top-k: one bar per configuration, at the main top-k.
            if (r.topk() == p && Double.isFinite(r.denseGbs())) {
                byDevice.computeIfAbsent(r.device(), k -> new ArrayList<>()).add(r);
            }
        }
        if (byDevice.isEmpty()) return;
        b.append("<h2>Dense decode bandwidth vs measured ceiling</h2>\n");
        for (Map.Entry<String, List<BenchRow>> e : byDevice.entrySet()) {
            List<BenchRow> rs = e.getValue();
            List<String> cats = rs.stream().map(r -> Xml.tokens(r.context()) + " b" + r.batch() + " " + r.dtype()).toList();
            String kind = e.getKey().equals("cuda") ? "GPU" : e.getKey().toUpperCase(java.util.Locale.ROOT);
            BarChart c = new BarChart(kind + " bandwidth: dense decode vs measured ceiling", "configuration",
                    "GB/s", cats);
            c.add("dense decode K+V", rs.stream().mapToDouble(BenchRow::denseGbs).toArray());
            c.add("measured ceiling", rs.stream().mapToDouble(BenchRow::bandwidthGbs).toArray());
            chart(b, c.toSvg());
        }
    }

    private static void machines(StringBuilder b, List<BenchRow> rows) {
        TreeSet<String> names = rows.stream().map(r -> r.device() + ": " + r.deviceName())
                .collect(Collectors.toCollection(TreeSet::new));
        if (names.isEmpty()) return;
        b.append("<p class=\"note\">Devices: ").append(Xml.escape(String.join("; ", names))).append("</p>\n");
    }

    private static void table(StringBuilder b, List<BenchRow> rows) {
        if (rows.isEmpty()) return;
        b.append("<h2>All benchmark rows</h2>\n<table>\n<tr>");
        String[] head = {"mode", "device", "context", "batch", "L", "Hq/G", "d", "dtype", "top-k", "dense ms", "layer0 ms",
            "anchor ms", "reuse ms", "Kascade ms", "speedup", "rel error", "mass recall", "dense GB/s", "ceiling GB/s",
            "date"};
        for (String h : head) b.append("<th>").append(Xml.escape(h)).append("</th>");
        b.append("</tr>\n");
        for (BenchRow r : rows) {
            b.append("<tr>");
            cell(b, r.mode(), true);
            cell(b, r.device(), true);
            cell(b, Xml.tokens(r.context()), false);
            cell(b, Integer.toString(r.batch()), false);
            cell(b, Integer.toString(r.layers()), false);
            cell(b, r.qHeads() + "/" + r.kvHeads(), false);
            cell(b, Integer.toString(r.headDim()), false);
            cell(b, r.dtype(), true);
            cell(b, pct(r.topk()), false);
            for (double v : new double[] {r.denseMs(), r.layer0Ms(), r.anchorMs(), r.reuseMs(), r.kascadeMs(),
                r.speedup(), r.relError(), r.massRecall(), r.denseGbs(), r.bandwidthGbs()}) {
                cell(b, Xml.num(v), false);
            }
            cell(b, r.date(), true);
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }

    private static void jmh(StringBuilder b, List<JmhScore> scores) {
        if (scores.isEmpty()) return;
        b.append("<h2>JMH micro-benchmarks</h2>\n");
        Map<String, HBarChart> byUnit = new LinkedHashMap<>();
        for (JmhScore s : scores) {
            byUnit.computeIfAbsent(s.unit() + " (" + s.mode() + ")", u -> new HBarChart("JMH scores, " + u, s.unit()))
                    .add(s.label(), s.score(), s.error());
        }
        for (HBarChart c : byUnit.values()) chart(b, c.toSvg());
        b.append("<table>\n<tr><th class=\"l\">benchmark</th><th class=\"l\">params</th><th>mode</th><th>score</th>")
                .append("<th>error (99.9%)</th><th class=\"l\">unit</th></tr>\n");
        for (JmhScore s : scores) {
            b.append("<tr>");
            cell(b, s.shortName(), true);
            cell(b, s.params().toString(), true);
            cell(b, s.mode(), false);
            cell(b, Xml.num(s.score()), false);
            cell(b, Xml.num(s.error()), false);
            cell(b, s.unit(), true);
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }

    private static void cell(StringBuilder b, String text, boolean left) {
        b.append(left ? "<td class=\"l\">" : "<td>").append(Xml.escape(text)).append("</td>");
    }

    private static Map<String, List<BenchRow>> bySeries(List<BenchRow> rows, double p) {
        Map<String, List<BenchRow>> m = new TreeMap<>();
        for (BenchRow r : rows) {
            if (r.topk() == p) m.computeIfAbsent(r.seriesKey(), k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    /** Rows by context, the later line winning when a context was run twice. */
    private static Map<Integer, BenchRow> latestByContext(List<BenchRow> rows) {
        Map<Integer, BenchRow> m = new TreeMap<>();
        for (BenchRow r : rows) m.put(r.context(), r);
        return m;
    }

    private static String pct(double p) {
        return Double.isFinite(p) ? Xml.num(100 * p) + "%" : "n/a";
    }

    private static String cap(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
