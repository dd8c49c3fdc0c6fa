package dev.kascade.bench;

import java.io.PrintStream;

/**
 * One updating status line on stderr for long runs ({@code \r} rewrites it); silent when disabled, so tests
 * and piped JSON stay clean.
 */
public final class Progress {
    private final PrintStream err;
    private final boolean enabled;
    private int lastLength;
    private String prefix = "";

    public Progress(PrintStream err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /** A progress line that prints nothing. */
    public static Progress silent() {
        return new Progress(System.err, false);
    }

    /** Text put before every later message (a sweep's "[3/8] "). */
    public void prefix(String p) {
        this.prefix = p == null ? "" : p;
    }

    /** Replaces the current line with {@code message}. */
    public void update(String message) {
        if (!enabled) return;
        message = prefix + message;
        String pad = message.length() < lastLength ? " ".repeat(lastLength - message.length()) : "";
        err.print("\r" + message + pad);
        err.flush();
        lastLength = message.length();
    }

    /** Clears the line (the next output starts at column 0). */
    public void done() {
        if (!enabled || lastLength == 0) return;
        err.print("\r" + " ".repeat(lastLength) + "\r");
        err.flush();
        lastLength = 0;
    }
}
