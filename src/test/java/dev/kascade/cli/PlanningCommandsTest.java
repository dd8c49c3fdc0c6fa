package dev.kascade.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.planning.PlanFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The traces and plan commands end to end on small synthetic traces. */
class PlanningCommandsTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream savedErr = System.err;
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        // The progress line goes to System.err, as on the terminal.
        System.setErr(errStream);
        try {
            int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), errStream);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(savedErr);
        }
    }

    @Test
    void synthThenPlanFindsThePlantedAnchors() throws Exception {
        Path traces = dir.resolve("t.arrow");
        Result synth = run("traces", "synth", "--layers", "6", "--q-heads", "4", "--kv-heads", "2", "--head-dim", "16",
                "--hidden", "8", "--prompts", "1", "--length", "112", "--decode", "4", "--planted-anchors", "0,2,3", "--out",
                traces.toString());
        assertEquals(0, synth.code(), synth.err());
        assertTrue(synth.out().contains("planted anchors [0, 2, 3]"), synth.out());

        Result info = run("traces", "info", traces.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("1 prompts, 112 tokens"), info.out());

        Path planPath = dir.resolve("plan.json");
        Result json = run("plan", "--traces", traces.toString(), "--anchors", "3", "--k", "32", "--tile", "16", "--json",
                "--out", planPath.toString(), "--topk-fraction", "0.05");
        assertEquals(0, json.code(), json.err());
        assertTrue(json.out().startsWith("{\"anchors\":[0,2,3],"), json.out());
        assertEquals(1, json.out().strip().lines().count(), "one JSON line");
        PlanFile plan = PlanFile.read(planPath);
        assertEquals(0.05, plan.budget().fraction());
        assertEquals(6, plan.plan().layers());

        Result table = run("plan", "--traces", traces.toString(), "--anchors", "3", "--k", "32", "--tile", "16");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("chosen K=3: anchors [0, 2, 3]"), table.out());
        assertTrue(table.out().contains("K=6"), "anchor sets up to the layer count: " + table.out());
        assertTrue(table.err().contains("1/1 prompts"), "progress on stderr: " + table.err());

        // A hand-edited plan file is scored with its own head mapping, next to the best plan.
        // (layer 2 stops being an anchor; its identity row is a valid reuse mapping)
        String text = Files.readString(planPath).replace("\"anchors\": [0, 2, 3]", "\"anchors\": [0, 3]");
        Path edited = dir.resolve("edited.json");
        Files.writeString(edited, text);
        Result eval = run("plan", "--traces", traces.toString(), "--k", "32", "--tile", "16", "--evaluate", edited.toString());
        assertEquals(0, eval.code(), eval.err() + "\n" + text);
        assertTrue(eval.out().contains("evaluated K=2: anchors [0, 3]"), eval.out());
        assertTrue(eval.out().contains("best plan with 2 anchors"), eval.out());
    }

    @Test
    void badCommandLinesFailWithClearMessages() throws Exception {
        Result r = run("plan", "--anchors", "3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--traces"), r.err());
        r = run("plan", "--traces", dir.resolve("missing.arrow").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("missing.arrow"), r.err());
        r = run("plan", "--traces", "x.arrow", "--anchors", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("K >= 1"), r.err());
        r = run("traces", "synth", "--layers", "8", "--out", dir.resolve("x.arrow").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--planted-anchors"), r.err());
        r = run("traces", "synth", "--layers", "4", "--planted-anchors", "1,2", "--out", dir.resolve("x.arrow").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("layer 0"), r.err());
        r = run("traces", "bogus");
        assertEquals(2, r.code());

        Path traces = dir.resolve("small.arrow");
        assertEquals(0, run("traces", "synth", "--layers", "3", "--q-heads", "2", "--kv-heads", "1", "--head-dim", "8",
                "--hidden", "4", "--prompts", "1", "--length", "80", "--decode", "0", "--planted-anchors", "0,1", "--out",
                traces.toString()).code());
        r = run("plan", "--traces", traces.toString(), "--anchors", "4", "--k", "16", "--tile", "16");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("K = 4 exceeds the 3 layers"), r.err());
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello");
        r = run("plan", "--traces", text.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not a readable Arrow IPC file"), r.err());
    }
}
