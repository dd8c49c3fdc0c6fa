package dev.kascade.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.KernelContext;
import dev.kascade.ptx.PtxModule;
import dev.kascade.ptx.PtxParam;
import dev.kascade.ptx.PtxTarget;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real emulator and the real compiler behind the runtime (no GPU needed). */
class CpuPlanTest {
    @TempDir
    Path dir;

    @Test
    void vectorAddRunsOnTheCpuDeviceAgainstAFloat64Reference() {
        int n = 1000 + 37; // not a multiple of the block
        try (Arena arena = Arena.ofShared()) { // emulated GPU threads run on many Java threads
            F32Buffer a = F32Buffer.allocate(arena, n), b = F32Buffer.allocate(arena, n), c = F32Buffer.allocate(arena, n);
            Random r = new Random(11);
            for (int i = 0; i < n; i++) {
                a.set(i, r.nextFloat() * 2 - 1);
                b.set(i, r.nextFloat() * 2 - 1);
                c.set(i, Float.NaN);
            }
            TaskGraph g = new TaskGraph("s0").transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b)
                    .task("add", TestKernels::add, a, b, c, n).task("triple", TestKernels::scale, c, 3, n)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
            try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(Devices.cpu()).withGridScheduler(
                    new GridScheduler().addWorkerGrid("s0.add", WorkerGrid.of1D(n, 128)).addWorkerGrid("s0.triple", WorkerGrid.of1D(n, 64)))) {
                ExecutionResult res = plan.execute();
                for (int i = 0; i < n; i++) assertEquals(3.0 * ((double) a.get(i) + b.get(i)), c.get(i), 1e-5, "c[" + i + "]");
                assertEquals("cpu", res.device());
                assertTrue(res.millis("s0.add") >= 0 && res.millis("s0.triple") >= 0);
            }
        }
    }

    @Test
    void theJavaToPtxCompilerFeedsTheCache() throws Exception {
        ModuleCache cache = new ModuleCache(KernelCompiler.javaToPtx(), dir);
        PtxModule m = cache.get(TestKernels.class.getDeclaredMethod("add", KernelContext.class, F32Buffer.class, F32Buffer.class,
                F32Buffer.class, int.class), Map.of(), PtxTarget.SM_90);
        assertEquals("TestKernels_add", m.entryName());
        assertEquals(List.of(PtxParam.Kind.POINTER, PtxParam.Kind.POINTER, PtxParam.Kind.POINTER, PtxParam.Kind.S32),
                m.params().stream().map(PtxParam::kind).toList());
        assertTrue(m.ptx().contains(".entry TestKernels_add"), m.ptx());
        PtxModule scaled = cache.get(TestKernels.class.getDeclaredMethod("scale", KernelContext.class, F32Buffer.class, int.class,
                int.class), Map.of("factor", 3), PtxTarget.SM_90);
        assertEquals(2, scaled.params().size(), "the constant is baked in, not a parameter");
        assertEquals(2, cache.compilations());
    }
}
