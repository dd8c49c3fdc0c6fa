package dev.kascade.planning.traces;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.planning.AnchorPlanner;
import dev.kascade.planning.CalibrationRecorder;
import dev.kascade.planning.CalibrationSettings;
import dev.kascade.planning.CalibrationStats;
import dev.kascade.planning.PlannedAnchors;
import dev.kascade.tensor.DType;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Synthetic traces with planted anchors: the planner must find exactly the planted anchors and head mapping. */
class PlantedRecoveryTest {
    @TempDir
    Path dir;

    private static CalibrationStats statistics(SyntheticTraces synth, int k, int tile) throws IOException {
        SyntheticTraces.Spec s = synth.spec();
        CalibrationRecorder rec = new CalibrationRecorder(new CalibrationSettings(s.layers(), s.qHeads(), s.kvHeads(), s.headDim(),
                s.hidden(), k, tile, 32));
        synth.generate(t -> {
            if (t.layer() == 0) rec.beginPrompt(t.tokens(), t.prefillTokens());
            rec.recordLayer(t.layer(), t.queries(), t.keys(), t.residual(), t.attentionOutput());
            if (t.layer() == s.layers() - 1) rec.endPrompt();
        });
        return rec.statistics();
    }

    @Test
    void plantedAnchorsAndHeadMappingAreRecovered() throws IOException {
        int[] planted = {0, 3, 4, 7};
        // 9 layers, GQA 4 (8 query / 2 KV heads)
        SyntheticTraces synth = new SyntheticTraces(new SyntheticTraces.Spec(9, 8, 2, 32, 16, 1, 120, 8, planted, 42, DType.F32));
        CalibrationStats stats = statistics(synth, 32, 16);
        PlannedAnchors plan = AnchorPlanner.plan(stats, planted.length);
        assertArrayEquals(planted, plan.plan().anchors());
        assertArrayEquals(synth.plantedHeadMap(), plan.plan().headMap());
        // Inside a segment the anchor's index sets recover nearly all the mass; across a planted boundary far less.
        assertTrue(AnchorPlanner.meanBestRecovery(stats, 0, 2) > 0.9, "within segment");
        assertTrue(AnchorPlanner.meanBestRecovery(stats, 0, 3) < 0.7, "across a planted anchor");
        // Fewer anchors cannot all be planted ones; more anchors keep the planted ones (extra ones gain little).
        PlannedAnchors five = AnchorPlanner.plan(stats, 5);
        for (int a : planted) assertTrue(contains(five.plan().anchors(), a), "K=5 keeps planted anchor " + a);
        assertTrue(five.objective() >= plan.objective());
    }

    /** GQA 8 (16 query heads over 2 KV heads), through an f16 trace file. */
    @Test
    void recoveredThroughATraceFileWithGqa8() throws IOException {
        int[] planted = {0, 2, 5};
        SyntheticTraces synth = new SyntheticTraces(new SyntheticTraces.Spec(7, 16, 2, 16, 8, 1, 112, 0, planted, 3, DType.F16));
        Path file = dir.resolve("planted.arrow");
        synth.write(file, null);
        CalibrationStats stats = TraceCalibration.run(file, 32, 16, 32, null);
        PlannedAnchors plan = AnchorPlanner.plan(stats, 3);
        assertArrayEquals(planted, plan.plan().anchors());
        assertArrayEquals(synth.plantedHeadMap(), plan.plan().headMap());
        assertEquals(1, stats.prompts());
    }

    @Test
    void badSpecsAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new SyntheticTraces.Spec(4, 8, 2, 16, 8, 1, 100, 0, new int[] {1, 2}, 1, DType.F32));
        assertThrows(IllegalArgumentException.class,
                () -> new SyntheticTraces.Spec(4, 8, 2, 16, 8, 1, 100, 0, new int[] {0, 4}, 1, DType.F32));
        assertThrows(IllegalArgumentException.class,
                () -> new SyntheticTraces.Spec(4, 8, 2, 16, 8, 1, 100, 0, new int[] {0, 2, 2}, 1, DType.F32));
        assertThrows(IllegalArgumentException.class,
                () -> new SyntheticTraces.Spec(4, 8, 3, 16, 8, 1, 100, 0, new int[] {0}, 1, DType.F32));
        assertThrows(IllegalArgumentException.class,
                () -> new SyntheticTraces.Spec(4, 8, 2, 16, 8, 1, 100, 100, new int[] {0}, 1, DType.F32));
        assertThrows(IllegalArgumentException.class,
                () -> new SyntheticTraces.Spec(4, 8, 2, 16, 8, 1, 100, 0, new int[] {0}, 1, DType.BF16));
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }
}
