package dev.kascade.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.cuda.CudaDriver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code kascade info} prints the CPU and either GPUs or "no CUDA driver found", and exits 0. */
class InfoCommandTest {
    @Test
    void printsCpuAndCudaSections() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(new String[] {"info"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        assertTrue(text.contains("CPU") && text.contains("cores") && text.contains("-bit preferred species"), text);
        if (CudaDriver.isAvailable()) {
            assertTrue(text.contains("device 0") && text.contains("compute"), text);
        } else {
            assertTrue(text.contains("no CUDA driver found (no NVIDIA driver (libcuda.so.1) found"), text);
        }
    }

    @Test
    void rejectsArguments() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(new String[] {"info", "--gpu"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, rc);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option --gpu"));
    }
}
