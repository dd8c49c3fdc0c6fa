package dev.kascade.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The results a report is made from, read from files: {@code kascade bench --json} output (one JSON object per
 * line) and JMH result files (one JSON array). The kind is told by the first character of the file.
 */
public final class ReportInputs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<BenchRow> rows = new ArrayList<>();
    private final List<JmhScore> jmh = new ArrayList<>();
    private final List<String> sources = new ArrayList<>();

    public List<BenchRow> rows() {
        return List.copyOf(rows);
    }

    public List<JmhScore> jmh() {
        return List.copyOf(jmh);
    }

    public List<String> sources() {
        return List.copyOf(sources);
    }

    /** Reads one file; errors name the file and the line. */
    public ReportInputs load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("input: " + file + " is not a readable file");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String trimmed = text.stripLeading();
        if (trimmed.isEmpty()) throw new IllegalArgumentException("input: " + file + " is empty");
        sources.add(file.getFileName().toString());
        if (trimmed.charAt(0) == '[') {
            JsonNode arr = parse(text, file.toString());
            if (!arr.isArray()) throw new IllegalArgumentException(file + ": expected a JMH JSON array");
            for (int i = 0; i < arr.size(); i++) jmh.add(JmhScore.of(arr.get(i), file + " [" + i + "]"));
            return this;
        }
        String[] lines = text.split("\r?\n");
        List<JsonNode> objects = new ArrayList<>();
        double gpuCeilingGbs = Double.NaN;
        for (int i = 0; i < lines.length; i++) {
            JsonNode o = lines[i].isBlank() ? null : parse(lines[i], file + ":" + (i + 1));
            objects.add(o);
            // The GPU host run (benchmarks/gpu/run-h200.sh) measures its ceiling as copy_bw "read" rows.
            if (o != null && "copy_bw".equals(o.path("bench").asText()) && "read".equals(o.path("kind").asText())) {
                double gbs = o.path("tb_per_s").asDouble(Double.NaN) * 1000;
                if (Double.isNaN(gpuCeilingGbs) || gbs > gpuCeilingGbs) gpuCeilingGbs = gbs;
            }
        }
        for (int i = 0; i < objects.size(); i++) {
            JsonNode o = objects.get(i);
            if (o == null) continue;
            String where = file + ":" + (i + 1);
            String bench = o.path("bench").asText();
            if (o.has("primaryMetric")) {
                jmh.add(JmhScore.of(o, where));
            } else if (o.has("mode")) {
                rows.add(BenchRow.of(o, where));
            } else if (bench.equals("decode") && o.path("device").asText().equals("cuda")) {
                rows.add(BenchRow.ofGpuHarness(o, where, gpuCeilingGbs));
            } else if (!bench.equals("sdpa_decode") && !bench.equals("copy_bw")
                    && !o.path("kernel").asText().startsWith("vecadd")) {
                // Baselines and ceilings of the GPU run (SDPA, copy, vector add) feed the tables, not the charts.
                rows.add(BenchRow.of(o, where)); // anything else: the clear "not a kascade bench row" error
            }
        }
        return this;
    }

    /** Adds rows directly (tests, and the sweep that reports without writing files first). */
    public ReportInputs add(BenchRow row) {
        rows.add(row);
        return this;
    }

    private static JsonNode parse(String text, String where) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }
}
