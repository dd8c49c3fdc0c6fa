package dev.kascade.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code kascade selftest}: the table, the exit codes, and a clear message without a GPU. */
class SelftestCommandTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void cpuSelftestPrintsAPassingTable() {
        Run r = run("selftest", "--device", "cpu", "--seed", "7", "--kernel", "saxpy,warp_sum,row_softmax");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("kernel") && r.out().contains("max error") && r.out().contains("tolerance"), r.out());
        assertTrue(r.out().matches("(?s).*saxpy\\s+n=3001\\s+0\\s+exact\\s+pass.*"), r.out());
        assertTrue(r.out().matches("(?s).*row_softmax\\s+37x300\\s+\\S+\\s+2\\.00e-05\\s+pass.*"), r.out());
        assertTrue(r.out().contains("all 3 kernels passed"), r.out());
    }

    @Test
    void cudaWithoutAGpuFailsClearly() {
        Run r = run("selftest", "--device", "cuda", "--kernel", "copy");
        assertEquals(1, r.code());
        assertTrue(r.out().contains("no CUDA"), r.out());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertEquals(2, run("selftest", "--device", "tpu").code());
        Run r = run("selftest", "--kernel", "nope");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no corpus kernel named 'nope'"), r.err());
        assertEquals(2, run("selftest", "--seed", "x").code());
        assertEquals(2, run("selftest", "--scale", "0").code());
    }

    @Test
    void scaleMultipliesTheSizes() {
        Run r = run("selftest", "--seed", "3", "--scale", "3", "--kernel", "saxpy,mma_bf16");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*saxpy\\s+n=9001\\s.*mma_bf16\\s+96x24x48\\s.*"), r.out());
    }
}
