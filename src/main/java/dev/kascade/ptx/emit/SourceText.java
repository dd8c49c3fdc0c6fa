package dev.kascade.ptx.emit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the Java source of a kernel class to put its lines into the PTX as comments: first the copy the
 * build ships in the jar ({@code kernel-sources/<package path>/<File>.java}), then {@code src/main/java} and
 * {@code src/test/java} under the working directory (development runs). Missing sources are fine: the PTX
 * then carries only {@code .loc} lines.
 */
public final class SourceText {
    private final Map<String, List<String>> cache = new HashMap<>();

    /** The text of {@code line} (1-based) of {@code file} in the package of class {@code owner}, or null. */
    public String line(String owner, String file, int line) {
        List<String> lines = lines(owner, file);
        if (lines == null || line < 1 || line > lines.size()) return null;
        return lines.get(line - 1).strip();
    }

    /** Package-relative path, e.g. {@code dev/kascade/kernels/Saxpy.java}. */
    public static String path(String owner, String file) {
        int slash = owner.lastIndexOf('/');
        return (slash < 0 ? "" : owner.substring(0, slash + 1)) + file;
    }

    private List<String> lines(String owner, String file) {
        String rel = path(owner, file);
        return cache.computeIfAbsent(rel, SourceText::load);
    }

    private static List<String> load(String rel) {
        ClassLoader cl = SourceText.class.getClassLoader();
        try (InputStream in = cl.getResourceAsStream("kernel-sources/" + rel)) {
            if (in != null) return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException ignored) {
            // fall through to the working tree
        }
        for (String root : List.of("src/main/java/", "src/test/java/")) {
            Path p = Path.of(root + rel);
            try {
                if (Files.isRegularFile(p)) return Files.readAllLines(p);
            } catch (IOException ignored) {
                // no source available
            }
        }
        return null;
    }
}
