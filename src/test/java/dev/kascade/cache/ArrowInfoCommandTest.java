package dev.kascade.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrowInfoCommandTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void describesEachKindAndFailsOnBadFiles() throws IOException {
        Path samples = Path.of("src/test/resources/arrow-samples");
        Result r = run("arrow-info", samples.resolve("kv_cache_bf16.arrow").toString(),
                samples.resolve("index_table.arrow").toString(), samples.resolve("anchor_plan.arrow").toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("kv_cache, bf16, layers=2 batch=3 kv_heads=2 capacity=7 head_dim=5"), r.out());
        assertTrue(r.out().contains("layer 0 lengths [7, 0, 2]"), r.out());
        assertTrue(r.out().contains("index_table, layers=2 batch=2 tiles=3 kv_heads=2 max_k=6"), r.out());
        assertTrue(r.out().contains("anchor_plan, layers=7 kv_heads=4, anchors [0, 2, 5]"), r.out());
        assertTrue(r.out().contains("layer 3 reuses anchor 2, head map [3, 1, 1, 0]"), r.out());

        Path text = dir.resolve("x.arrow");
        Files.writeString(text, "hello");
        r = run("arrow-info", text.toString());
        assertEquals(1, r.code());
        assertTrue(r.out().startsWith(text + ": not an Arrow IPC file"), r.out());

        r = run("arrow-info");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("expected at least one FILE"), r.err());
    }
}
