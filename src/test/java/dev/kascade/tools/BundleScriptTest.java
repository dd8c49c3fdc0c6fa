package dev.kascade.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code tools/make-bundle.sh} parses, and refuses what it must without building anything. */
class BundleScriptTest {
    private static final Path SCRIPT = Path.of("tools", "make-bundle.sh");

    private static Result bash(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "bash";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    private record Result(int rc, String out) {
    }

    @Test
    void syntaxIsValid() throws Exception {
        assertTrue(Files.isExecutable(SCRIPT), "executable");
        Result r = bash("-n", SCRIPT.toString());
        assertEquals(0, r.rc(), r.out());
    }

    @Test
    void helpAndBadOptions() throws Exception {
        Result help = bash(SCRIPT.toString(), "--help");
        assertEquals(0, help.rc(), help.out());
        assertTrue(help.out().contains("--out DIR"), help.out());
        Result bad = bash(SCRIPT.toString(), "--frobnicate");
        assertEquals(2, bad.rc(), bad.out());
        assertTrue(bad.out().contains("unknown option --frobnicate"), bad.out());
    }

    @Test
    void neverWipesADirectoryThatIsNotABundle() throws Exception {
        Path dir = Files.createTempDirectory("not-a-bundle");
        Path keep = Files.writeString(dir.resolve("precious.txt"), "keep me");
        Result r = bash(SCRIPT.toString(), "--out", dir.toString(), "--skip-build");
        assertEquals(2, r.rc(), r.out());
        assertTrue(r.out().contains("is not a Kascade bundle"), r.out());
        assertTrue(Files.exists(keep));
        Files.delete(keep);
        Files.delete(dir);
    }
}
