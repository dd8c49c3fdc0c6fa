package dev.kascade.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernels.BuiltinKernels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kascade ptx}: one module per built-in kernel, stdout for one kernel, clear usage errors. */
class PtxCommandTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void writesOneModulePerBuiltinKernel(@TempDir Path dir) throws IOException {
        Run r = run("ptx", "--out", dir.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".ptx")).toList();
        }
        assertEquals(BuiltinKernels.all().size(), files.size());
        assertTrue(files.size() >= 8, "at least 8 modules, got " + files.size());
        for (Path f : files) {
            String ptx = Files.readString(f);
            assertTrue(ptx.contains(".visible .entry") && ptx.contains(".target sm_90"), f.toString());
        }
        assertTrue(r.out().contains("kernels compiled for sm_90"), r.out());
    }

    @Test
    void printsOneKernelToStdout() {
        String name = BuiltinKernels.all().getFirst().name();
        Run r = run("ptx", "--kernel", name, "--target", "sm_80");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(".target sm_80") && r.out().contains(".visible .entry"), r.out());
    }

    @Test
    void badOptionsAreUsageErrors() {
        Run target = run("ptx", "--kernel", "vector_add", "--target", "sm_70");
        assertEquals(2, target.code());
        assertTrue(target.err().contains("--target: expected sm_90 or sm_80 but got 'sm_70'"), target.err());
        Run unknown = run("ptx", "--kernel", "no_such_kernel");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("no built-in kernel named 'no_such_kernel'"), unknown.err());
        Run nothing = run("ptx");
        assertEquals(2, nothing.code());
        assertTrue(nothing.err().contains("give --out DIR"), nothing.err());
    }
}
