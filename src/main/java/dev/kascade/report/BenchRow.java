package dev.kascade.report;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One line of {@code kascade bench --json} output, as the report reads it. Numbers that are missing or null
 * in the line are NaN, so rows from older or partial runs still chart.
 */
public record BenchRow(String mode, String device, String deviceName, int context, int batch, int layers, int qHeads,
                       int kvHeads, int headDim, String dtype, double topk, String anchors, double denseMs,
                       double layer0Ms, double anchorMs, double reuseMs, double kascadeMs, double speedup,
                       double relError, double massRecall, double bandwidthGbs, double denseGbs, double denseBwShare,
                       String date) {

    /** Reads a parsed JSON object; {@code where} names the file and line for errors. */
    static BenchRow of(JsonNode o, String where) {
        if (!o.isObject()) throw new IllegalArgumentException(where + ": expected a JSON object per line");
        for (String key : new String[] {"mode", "context", "dense_ms"}) {
            if (!o.hasNonNull(key)) {
                throw new IllegalArgumentException(where + ": not a kascade bench row (no '" + key + "')");
            }
        }
        return new BenchRow(text(o, "mode"), text(o, "device"), text(o, "device_name"), o.path("context").asInt(),
                o.path("batch").asInt(1), o.path("layers").asInt(), o.path("q_heads").asInt(), o.path("kv_heads").asInt(),
                o.path("head_dim").asInt(), text(o, "dtype"), num(o, "topk"), o.path("anchors").toString(),
                num(o, "dense_ms"), num(o, "layer0_ms"), num(o, "anchor_ms"), num(o, "reuse_ms"), num(o, "kascade_ms"),
                num(o, "speedup"), num(o, "rel_error"), num(o, "mass_recall"), num(o, "bandwidth_gbs"),
                num(o, "dense_gbs"), num(o, "dense_bw_share"), text(o, "date"));
    }

    /**
     * Reads a row of the GPU decode harness ({@code kascade bench decode --device cuda --json}, keys {@code bench},
     * {@code gpu}, {@code dense_tbs}, ...), which has no fidelity columns. {@code ceilingGbs} is the copy-read
     * bandwidth measured in the same run (NaN when the file has none).
     */
    static BenchRow ofGpuHarness(JsonNode o, String where, double ceilingGbs) {
        for (String key : new String[] {"context", "dense_ms", "dense_tbs"}) {
            if (!o.hasNonNull(key)) {
                throw new IllegalArgumentException(where + ": GPU decode row without '" + key + "'");
            }
        }
        double denseGbs = num(o, "dense_tbs") * 1000;
        return new BenchRow("decode", "cuda", text(o, "gpu"), o.path("context").asInt(), o.path("batch").asInt(1),
                o.path("layers").asInt(), o.path("q_heads").asInt(), o.path("kv_heads").asInt(), o.path("head_dim").asInt(),
                text(o, "dtype"), num(o, "topk"), text(o, "anchors"), num(o, "dense_ms"), num(o, "layer0_ms"),
                num(o, "anchor_ms"), num(o, "reuse_ms"), num(o, "kascade_ms"), num(o, "speedup"), Double.NaN, Double.NaN,
                ceilingGbs, denseGbs, denseGbs / ceilingGbs, text(o, "date"));
    }

    /** The series a row belongs to in context charts: device, dtype and batch. */
    String seriesKey() {
        return device + " " + dtype + " batch " + batch;
    }

    private static String text(JsonNode o, String key) {
        JsonNode v = o.get(key);
        return v == null || v.isNull() ? "" : v.asText();
    }

    private static double num(JsonNode o, String key) {
        JsonNode v = o.get(key);
        return v == null || !v.isNumber() ? Double.NaN : v.asDouble();
    }
}
