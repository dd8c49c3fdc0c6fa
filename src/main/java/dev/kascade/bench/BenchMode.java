package dev.kascade.bench;

/** What {@code kascade bench} measures: one decode step, or a whole causal prefill of the prompt. */
public enum BenchMode {
    DECODE,
    PREFILL;

    /** Parses "decode" or "prefill" (case-insensitive). */
    public static BenchMode parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "decode" -> DECODE;
            case "prefill" -> PREFILL;
            default -> throw new IllegalArgumentException("mode: expected decode or prefill but got '" + s + "'");
        };
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
