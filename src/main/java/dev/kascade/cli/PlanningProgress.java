package dev.kascade.cli;

import dev.kascade.planning.traces.TraceCalibration;
import java.io.PrintStream;
import java.util.Locale;

/** One updating progress line on stderr for the planning commands (prompts written or read). */
final class PlanningProgress implements TraceCalibration.Progress {
    private static final int WIDTH = 30;
    private final PrintStream err;
    private final String label;
    private final long start = System.nanoTime();

    PlanningProgress(PrintStream err, String label) {
        this.err = err;
        this.label = label;
    }

    @Override
    public void promptDone(int done, int total) {
        double secs = (System.nanoTime() - start) / 1e9;
        if (total > 0) {
            int filled = (int) Math.round(WIDTH * (double) done / total);
            err.printf(Locale.ROOT, "\r%s [%s%s] %d/%d prompts  %.1f s", label, "#".repeat(filled), ".".repeat(WIDTH - filled),
                    done, total, secs);
        } else {
            err.printf(Locale.ROOT, "\r%s %d prompts  %.1f s", label, done, secs);
        }
        err.flush();
    }

    /** Ends the line (call once when done). */
    void finish() {
        err.println();
    }
}
