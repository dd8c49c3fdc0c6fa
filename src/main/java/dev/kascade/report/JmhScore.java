package dev.kascade.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * One result of a JMH JSON file ({@code -rf json}): benchmark method, parameters, primary score.
 *
 * @param benchmark fully qualified method name
 * @param mode      JMH mode ("avgt", "thrpt", ...)
 * @param params    {@code @Param} values, sorted by name
 * @param score     primary metric score
 * @param error     its 99.9% error half-width (NaN when JMH could not compute one)
 * @param unit      score unit ("ms/op")
 */
public record JmhScore(String benchmark, String mode, Map<String, String> params, double score, double error, String unit) {

    static JmhScore of(JsonNode o, String where) {
        if (!o.hasNonNull("benchmark") || !o.has("primaryMetric")) {
            throw new IllegalArgumentException(where + ": not a JMH result (no 'benchmark' or 'primaryMetric')");
        }
        Map<String, String> params = new TreeMap<>();
        JsonNode p = o.get("params");
        if (p != null && p.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = p.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                params.put(e.getKey(), e.getValue().asText());
            }
        }
        JsonNode m = o.get("primaryMetric");
        double err = m.path("scoreError").isNumber() ? m.path("scoreError").asDouble() : Double.NaN;
        return new JmhScore(o.get("benchmark").asText(), o.path("mode").asText(), params,
                m.path("score").asDouble(Double.NaN), err, m.path("scoreUnit").asText());
    }

    /** {@code Class.method} without the package. */
    public String shortName() {
        String[] parts = benchmark.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : benchmark;
    }

    /** Short name plus parameters, for a row label. */
    public String label() {
        if (params.isEmpty()) return shortName();
        StringBuilder b = new StringBuilder(shortName()).append(" [");
        params.forEach((k, v) -> b.append(k).append('=').append(v).append(' '));
        b.setLength(b.length() - 1);
        return b.append(']').toString();
    }
}
