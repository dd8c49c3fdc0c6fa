package dev.kascade.planning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.Budget;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanFileTest {
    @TempDir
    Path dir;

    private static PlanFile sample() {
        int[][] map = AnchorPlan.identity(5, 3, 0).headMap();
        map[1] = new int[] {2, 2, 0};
        map[3] = new int[] {1, 0, 2};
        map[4] = new int[] {0, 0, 0};
        AnchorPlan plan = new AnchorPlan(new int[] {0, 2}, map);
        Provenance p = new Provenance("runs/t \"1\".arrow", "synthetic", 12, 64, 32, 32, "2026-11-29T10:00:00Z", 3.25,
                new double[] {0.5, 0.25, 0.75, 1e-3, 0.125}, new double[] {0.5, 0.3, 0.75, 0.2, 0.2},
                new double[] {1, 0.9, 1, 0.8, 0.7});
        return new PlanFile(plan, new Budget(0.05, 256, 128), p);
    }

    @Test
    void roundTripThroughAReadableFile() throws IOException {
        PlanFile f = sample();
        Path path = dir.resolve("plan.json");
        f.write(path);
        String text = java.nio.file.Files.readString(path);
        assertTrue(text.contains("\n    [2, 2, 0],\n"), "one head-map row per line:\n" + text);
        assertTrue(text.contains("\"anchors\": [0, 2]"), text);
        PlanFile back = PlanFile.read(path);
        assertEquals(f.plan(), back.plan());
        assertEquals(f.budget(), back.budget());
        assertEquals("runs/t \"1\".arrow", back.provenance().traces());
        assertEquals(12, back.provenance().prompts());
        assertEquals(64, back.provenance().topK());
        assertEquals(3.25, back.provenance().objective(), 1e-9);
        assertArrayEquals(f.provenance().layerScores(), back.provenance().layerScores(), 1e-9);
    }

    @Test
    void minimalHandWrittenPlanUsesThePaperBudget() {
        PlanFile f = PlanFile.parse("""
                {"anchors": [0, 1],
                 "headMap": [[0, 1], [0, 1], [1, 1]]}
                """, "plan test");
        assertArrayEquals(new int[] {0, 1}, f.plan().anchors());
        assertEquals(Budget.PAPER, f.budget());
        assertNull(f.provenance());
        assertEquals(1, f.plan().sourceHead(2, 0));
    }

    @Test
    void invalidPlansAreRejectedWithClearErrors() throws IOException {
        String good = sample().toJson();
        assertError(good.replace("\"anchors\": [0, 2]", "\"anchors\": [1, 2]"), "layer 0");
        assertError(good.replace("[1, 0, 2]", "[1, 0, 3]"), "headMap[3][2] = 3 out of range");
        assertError(good.replace("    [0, 0, 0]\n", "").replace("[1, 0, 2],", "[1, 0, 2]"), "expected 5 rows");
        assertError(good.replace("[1, 0, 2]", "[1, 0]"), "headMap[3]: expected 3 entries");
        assertError(good.replace("[2, 2, 0]", "[2, 2.5, 0]"), "headMap[1][1]: expected an integer");
        assertError(good.replace("\"anchors\"", "\"anchor\""), "unknown key 'anchor'");
        assertError(good.replace("\"fraction\": 0.05", "\"fraction\": 1.5"), "fraction");
        assertError(good.replace("\"kind\": \"kascade-anchor-plan\"", "\"kind\": \"something-else\""), "kind");
        assertError("{\"headMap\": [[0]]}", "missing key 'anchors'");
        assertError("[1, 2]", "JSON object");
        assertError("", "empty");
        // A missing comma on line 3: the error gives line and column.
        var e = assertThrows(IllegalArgumentException.class, () -> PlanFile.parse("{\n  \"anchors\": [0]\n  \"headMap\": [[0]]\n}", "plan x.json"));
        assertTrue(e.getMessage().contains("malformed JSON at line 3, column"), e.getMessage());
        assertTrue(e.getMessage().startsWith("plan x.json"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> PlanFile.read(dir.resolve("missing.json")));
    }

    private static void assertError(String json, String expected) {
        var e = assertThrows(IllegalArgumentException.class, () -> PlanFile.parse(json, "plan p.json"));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
