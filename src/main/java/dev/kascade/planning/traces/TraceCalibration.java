package dev.kascade.planning.traces;

import dev.kascade.planning.CalibrationRecorder;
import dev.kascade.planning.CalibrationSettings;
import dev.kascade.planning.CalibrationStats;
import java.io.IOException;
import java.nio.file.Path;

/** Runs the calibration statistics over a trace file, streaming it one (prompt, layer) batch at a time. */
public final class TraceCalibration {
    /** Progress callback, called after each prompt; {@code total} is -1 when the file does not say. */
    @FunctionalInterface
    public interface Progress {
        void promptDone(int done, int total);

        Progress NONE = (done, total) -> { };
    }

    private TraceCalibration() {
    }

    /**
     * @param topK           k of the statistics (64 in the paper)
     * @param tile           prefill tile (32)
     * @param maxDecodeSteps decoded tokens per prompt used as steps (32)
     */
    public static CalibrationStats run(Path traces, int topK, int tile, int maxDecodeSteps, Progress progress)
            throws IOException {
        Progress p = progress == null ? Progress.NONE : progress;
        try (TraceReader reader = TraceReader.open(traces)) {
            TraceHeader h = reader.header();
            CalibrationSettings settings = new CalibrationSettings(h.layers(), h.qHeads(), h.kvHeads(), h.headDim(), h.hidden(),
                    topK, tile, maxDecodeSteps);
            CalibrationRecorder recorder = new CalibrationRecorder(settings);
            int total = reader.promptCount();
            while (reader.next()) {
                TraceLayer t = reader.current();
                if (t.layer() == 0) recorder.beginPrompt(t.tokens(), t.prefillTokens());
                recorder.recordLayer(t.layer(), t.queries(), t.keys(), t.residual(), t.attentionOutput());
                if (t.layer() == h.layers() - 1) {
                    recorder.endPrompt();
                    p.promptDone(recorder.prompts(), total);
                }
            }
            if (recorder.prompts() == 0) {
                throw new IllegalArgumentException("traces " + traces + ": no prompts (the file has no record batches)");
            }
            try {
                return recorder.statistics();
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException("traces " + traces + ": " + e.getMessage(), e);
            }
        }
    }
}
