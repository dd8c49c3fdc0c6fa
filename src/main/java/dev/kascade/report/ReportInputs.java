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
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            String where = file + ":" + (i + 1);
            JsonNode o = parse(lines[i], where);
            if (o.has("primaryMetric")) jmh.add(JmhScore.of(o, where));
            else rows.add(BenchRow.of(o, where));
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
