package dev.kascade.cli;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.cuda.FakeCudaDriver;
import dev.kascade.runtime.CudaDevice;
import dev.kascade.runtime.KernelCompiler;
import dev.kascade.runtime.ModuleCache;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code kascade cuda-smoke} on the fake driver, which plays the smoke kernels in Java: proves the command's
 * own logic (references, error-path expectations) before it meets a real GPU.
 */
class CudaSmokeCommandTest {
    private static MemorySegment floats(long address, long n) {
        return MemorySegment.ofAddress(address).reinterpret(4 * n);
    }

    private static void play(FakeCudaDriver.Launch l) {
        switch (l.function()) {
            case "vadd", "SmokeKernels_add" -> {
                int n = l.param(3, 4).get(JAVA_INT, 0);
                MemorySegment a = floats(l.param(0, 8).get(JAVA_LONG, 0), n), b = floats(l.param(1, 8).get(JAVA_LONG, 0), n);
                MemorySegment c = floats(l.param(2, 8).get(JAVA_LONG, 0), n);
                for (int i = 0; i < n; i++) c.setAtIndex(JAVA_FLOAT, i, a.getAtIndex(JAVA_FLOAT, i) + b.getAtIndex(JAVA_FLOAT, i));
            }
            case "saxpy64" -> {
                long n = l.param(3, 8).get(JAVA_LONG, 0);
                float alpha = l.param(2, 4).get(JAVA_FLOAT, 0);
                MemorySegment y = floats(l.param(0, 8).get(JAVA_LONG, 0), n), x = floats(l.param(1, 8).get(JAVA_LONG, 0), n);
                for (int i = 0; i < n; i++) {
                    y.setAtIndex(JAVA_FLOAT, i, Math.fma(alpha, x.getAtIndex(JAVA_FLOAT, i), y.getAtIndex(JAVA_FLOAT, i)));
                }
            }
            case "reverse_block" -> {
                int block = l.blockX(), n = l.gridX() * block;
                MemorySegment in = floats(l.param(0, 8).get(JAVA_LONG, 0), n), out = floats(l.param(1, 8).get(JAVA_LONG, 0), n);
                for (int i = 0; i < n; i++) {
                    out.setAtIndex(JAVA_FLOAT, i, in.getAtIndex(JAVA_FLOAT, (i / block) * block + block - 1 - i % block));
                }
            }
            default -> throw new IllegalArgumentException(l.function());
        }
    }

    @Test
    void everyCheckPassesOnAFaithfulDriver() throws Exception {
        try (FakeCudaDriver fake = new FakeCudaDriver()) {
            fake.onLaunch(CudaSmokeCommandTest::play);
            var driver = fake.driver();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int rc = new CudaSmokeCommand().run(List.of("--elements", "4096", "--launches", "20"), new PrintStream(buf, true, StandardCharsets.UTF_8),
                    driver, o -> CudaDevice.open(driver, o, new ModuleCache(KernelCompiler.javaToPtx(), null), 4096));
            String text = buf.toString(StandardCharsets.UTF_8);
            fake.rethrowFailures();
            assertEquals(0, rc, text);
            assertTrue(text.contains("all checks passed"), text);
            assertTrue(text.contains("CUDA_ERROR_INVALID_PTX") && text.contains("CUDA_ERROR_OUT_OF_MEMORY"), text);
            assertTrue(fake.lastPtx.contains(".entry SmokeKernels_add"), "the Java kernel was compiled and loaded");
            assertEquals(100 * 1024, fake.functionAttribute("reverse_block", dev.kascade.cuda.CudaDriver.FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES));
        }
    }

    @Test
    void aWrongResultIsReportedAsAFailedCheck() throws Exception {
        try (FakeCudaDriver fake = new FakeCudaDriver()) {
            fake.onLaunch(l -> { }); // a driver whose kernels do nothing
            var driver = fake.driver();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int rc = new CudaSmokeCommand().run(List.of("--elements", "4096", "--launches", "20"), new PrintStream(buf, true, StandardCharsets.UTF_8),
                    driver, o -> CudaDevice.open(driver, o, new ModuleCache(KernelCompiler.javaToPtx(), null), 4096));
            String text = buf.toString(StandardCharsets.UTF_8);
            assertEquals(1, rc, text);
            assertTrue(text.contains("vadd odd size") && text.contains("FAIL"), text);
        }
    }
}
