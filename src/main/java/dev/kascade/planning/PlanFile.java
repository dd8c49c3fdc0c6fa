package dev.kascade.planning;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.Budget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * An anchor plan as a JSON file a person can read and edit: anchors, the {@code [L][G]} head mapping (one
 * row per line), the top-k budget settings and, optionally, the statistics' provenance. Loading validates
 * everything and names the offending key, row or position (line and column for malformed JSON).
 *
 * @param plan       anchors and head mapping
 * @param budget     top-k settings the plan is meant to run with
 * @param provenance where the statistics came from; null when the file has none
 */
public record PlanFile(AnchorPlan plan, Budget budget, Provenance provenance) {
    public static final String KIND = "kascade-anchor-plan";
    public static final int VERSION = 1;
    private static final Set<String> TOP_KEYS = Set.of("kind", "version", "layers", "kvHeads", "anchors", "topk", "headMap",
            "provenance");
    private static final Set<String> TOPK_KEYS = Set.of("fraction", "minimum", "roundUpTo");

    public PlanFile {
        if (plan == null) throw new IllegalArgumentException("plan: expected an AnchorPlan but got null");
        if (budget == null) throw new IllegalArgumentException("budget: expected a Budget but got null");
    }

    /** Writes the JSON text to {@code path}. */
    public void write(Path path) throws IOException {
        Files.writeString(path, toJson(), StandardCharsets.UTF_8);
    }

    /** Reads and validates a plan file. */
    public static PlanFile read(Path path) throws IOException {
        if (path == null) throw new IllegalArgumentException("path: expected a plan file but got null");
        String text = Files.readString(path, StandardCharsets.UTF_8);
        return parse(text, "plan " + path);
    }

    /** The pretty-printed JSON text. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("{\n");
        sb.append("  \"kind\": ").append(JsonText.quote(KIND)).append(",\n");
        sb.append("  \"version\": ").append(VERSION).append(",\n");
        sb.append("  \"layers\": ").append(plan.layers()).append(",\n");
        sb.append("  \"kvHeads\": ").append(plan.kvHeads()).append(",\n");
        sb.append("  \"anchors\": ").append(JsonText.ints(plan.anchors())).append(",\n");
        sb.append("  \"topk\": {\"fraction\": ").append(JsonText.number(budget.fraction()))
                .append(", \"minimum\": ").append(budget.minimum())
                .append(", \"roundUpTo\": ").append(budget.roundUpTo()).append("},\n");
        sb.append("  \"headMap\": [\n");
        int[][] map = plan.headMap();
        for (int j = 0; j < map.length; j++) {
            sb.append("    ").append(JsonText.ints(map[j])).append(j + 1 < map.length ? "," : "").append('\n');
        }
        sb.append("  ]");
        if (provenance != null) {
            Provenance p = provenance;
            sb.append(",\n  \"provenance\": {\n");
            sb.append("    \"traces\": ").append(JsonText.quote(p.traces())).append(",\n");
            sb.append("    \"source\": ").append(JsonText.quote(p.source())).append(",\n");
            sb.append("    \"prompts\": ").append(p.prompts()).append(",\n");
            sb.append("    \"k\": ").append(p.topK()).append(",\n");
            sb.append("    \"tile\": ").append(p.tile()).append(",\n");
            sb.append("    \"decodeSteps\": ").append(p.decodeSteps()).append(",\n");
            sb.append("    \"date\": ").append(JsonText.quote(p.date())).append(",\n");
            sb.append("    \"objective\": ").append(JsonText.number(p.objective())).append(",\n");
            sb.append("    \"layerScores\": ").append(JsonText.numbers(p.layerScores())).append(",\n");
            sb.append("    \"importance\": ").append(JsonText.numbers(p.importance())).append(",\n");
            sb.append("    \"recovery\": ").append(JsonText.numbers(p.recovery())).append('\n');
            sb.append("  }");
        }
        sb.append("\n}\n");
        return sb.toString();
    }

    /**
     * Parses and validates plan JSON.
     *
     * @param what names the source in error messages ("plan plan.json")
     * @throws IllegalArgumentException for malformed JSON (with line and column) or an invalid plan
     */
    public static PlanFile parse(String text, String what) {
        JsonNode root;
        try {
            ObjectMapper mapper = new ObjectMapper();
            mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String at = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new IllegalArgumentException(what + ": malformed JSON" + at + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode()) throw new IllegalArgumentException(what + ": empty file, expected a JSON object");
        if (!root.isObject()) throw new IllegalArgumentException(what + ": expected a JSON object at the top level");
        checkKeys(root, TOP_KEYS, what, "");
        if (root.has("kind") && !KIND.equals(root.get("kind").asText())) {
            throw new IllegalArgumentException(what + ": kind is '" + root.get("kind").asText() + "', expected '" + KIND + "'");
        }
        if (root.has("version") && intValue(root.get("version"), what, "version") != VERSION) {
            throw new IllegalArgumentException(what + ": version " + root.get("version") + " is not supported (expected " + VERSION + ")");
        }
        int[] anchors = intArray(required(root, "anchors", what), what, "anchors");
        JsonNode mapNode = required(root, "headMap", what);
        if (!mapNode.isArray() || mapNode.isEmpty()) {
            throw new IllegalArgumentException(what + ": headMap: expected an array of rows [layers][kvHeads]");
        }
        int[][] headMap = new int[mapNode.size()][];
        for (int j = 0; j < headMap.length; j++) headMap[j] = intArray(mapNode.get(j), what, "headMap[" + j + "]");
        if (root.has("layers")) {
            int layers = intValue(root.get("layers"), what, "layers");
            if (layers != headMap.length) {
                throw new IllegalArgumentException(what + ": headMap: expected " + layers + " rows (one per layer, \"layers\": "
                        + layers + ") but got " + headMap.length);
            }
        }
        if (root.has("kvHeads")) {
            int kv = intValue(root.get("kvHeads"), what, "kvHeads");
            for (int j = 0; j < headMap.length; j++) {
                if (headMap[j].length != kv) {
                    throw new IllegalArgumentException(what + ": headMap[" + j + "]: expected " + kv + " entries (\"kvHeads\": " + kv
                            + ") but got " + headMap[j].length);
                }
            }
        }
        AnchorPlan plan;
        try {
            plan = new AnchorPlan(anchors, headMap);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
        Budget budget = Budget.PAPER;
        if (root.has("topk")) {
            JsonNode t = root.get("topk");
            if (!t.isObject()) throw new IllegalArgumentException(what + ": topk: expected an object {fraction, minimum, roundUpTo}");
            checkKeys(t, TOPK_KEYS, what, "topk.");
            double fraction = t.has("fraction") ? doubleValue(t.get("fraction"), what, "topk.fraction") : Budget.PAPER.fraction();
            int minimum = t.has("minimum") ? intValue(t.get("minimum"), what, "topk.minimum") : Budget.PAPER.minimum();
            int round = t.has("roundUpTo") ? intValue(t.get("roundUpTo"), what, "topk.roundUpTo") : Budget.PAPER.roundUpTo();
            try {
                budget = new Budget(fraction, minimum, round);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + ": topk: " + e.getMessage(), e);
            }
        }
        Provenance provenance = root.has("provenance") ? provenance(root.get("provenance"), what) : null;
        return new PlanFile(plan, budget, provenance);
    }

    private static Provenance provenance(JsonNode p, String what) {
        if (!p.isObject()) throw new IllegalArgumentException(what + ": provenance: expected an object");
        return new Provenance(
                p.path("traces").asText(""), p.path("source").asText(""),
                p.has("prompts") ? intValue(p.get("prompts"), what, "provenance.prompts") : 0,
                p.has("k") ? intValue(p.get("k"), what, "provenance.k") : 0,
                p.has("tile") ? intValue(p.get("tile"), what, "provenance.tile") : 0,
                p.has("decodeSteps") ? intValue(p.get("decodeSteps"), what, "provenance.decodeSteps") : 0,
                p.path("date").asText(""),
                p.has("objective") ? doubleValue(p.get("objective"), what, "provenance.objective") : Double.NaN,
                p.has("layerScores") ? doubleArray(p.get("layerScores"), what, "provenance.layerScores") : null,
                p.has("importance") ? doubleArray(p.get("importance"), what, "provenance.importance") : null,
                p.has("recovery") ? doubleArray(p.get("recovery"), what, "provenance.recovery") : null);
    }

    private static void checkKeys(JsonNode obj, Set<String> allowed, String what, String prefix) {
        Iterator<String> names = obj.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!allowed.contains(n)) {
                throw new IllegalArgumentException(what + ": unknown key '" + prefix + n + "' (expected one of "
                        + allowed.stream().sorted().toList() + ")");
            }
        }
    }

    private static JsonNode required(JsonNode root, String key, String what) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) throw new IllegalArgumentException(what + ": missing key '" + key + "'");
        return n;
    }

    private static int intValue(JsonNode n, String what, String name) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException(what + ": " + name + ": expected an integer but got " + n);
        }
        return n.intValue();
    }

    private static double doubleValue(JsonNode n, String what, String name) {
        if (n == null || !n.isNumber()) throw new IllegalArgumentException(what + ": " + name + ": expected a number but got " + n);
        return n.doubleValue();
    }

    private static int[] intArray(JsonNode n, String what, String name) {
        if (n == null || !n.isArray()) throw new IllegalArgumentException(what + ": " + name + ": expected an array of integers but got " + n);
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = intValue(n.get(i), what, name + "[" + i + "]");
        return out;
    }

    private static double[] doubleArray(JsonNode n, String what, String name) {
        if (!n.isArray()) throw new IllegalArgumentException(what + ": " + name + ": expected an array of numbers but got " + n);
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = doubleValue(n.get(i), what, name + "[" + i + "]");
        return out;
    }
}
