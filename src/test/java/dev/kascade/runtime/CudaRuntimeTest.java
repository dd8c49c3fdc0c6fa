package dev.kascade.runtime;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.cuda.CudaException;
import dev.kascade.cuda.FakeCudaDriver;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.ptx.PtxModule;
import dev.kascade.ptx.PtxParam;
import dev.kascade.ptx.PtxParam.Kind;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CUDA device and launcher end to end on the fake driver: a fake compiler hands out modules, and the
 * fake driver plays the kernels on its "device memory", so every copy and launch goes through the real
 * bindings.
 */
class CudaRuntimeTest {
    private static final int N = 1001;
    private final Arena arena = Arena.ofConfined();
    private final List<Map<String, Object>> compiled = new ArrayList<>();
    private FakeCudaDriver fake;
    private CudaDevice gpu;

    /** Modules as the Java-to-PTX compiler would describe them; the constant is part of the entry name. */
    private PtxModule compile(Method kernel, Map<String, Object> constants, dev.kascade.ptx.PtxTarget target) {
        compiled.add(constants);
        return switch (kernel.getName()) {
            case "add", "addReadOnly" -> new PtxModule("TestKernels_add", "// fake add", target, List.of(
                    new PtxParam(1, "a", Kind.POINTER), new PtxParam(2, "b", Kind.POINTER),
                    new PtxParam(3, "c", Kind.POINTER), new PtxParam(4, "n", Kind.S32)), 0);
            case "scale" -> new PtxModule("TestKernels_scale_" + constants.get("factor"), "// fake scale", target,
                    List.of(new PtxParam(1, "x", Kind.POINTER), new PtxParam(3, "n", Kind.S32)), 0);
            default -> throw new IllegalArgumentException(kernel.getName());
        };
    }

    private static MemorySegment device(long address, int n) {
        return MemorySegment.ofAddress(address).reinterpret(4L * n);
    }

    @BeforeEach
    void open() {
        fake = new FakeCudaDriver();
        fake.onLaunch(l -> {
            if (l.function().equals("TestKernels_add")) {
                int n = l.param(3, 4).get(JAVA_INT, 0);
                MemorySegment a = device(l.param(0, 8).get(JAVA_LONG, 0), n), b = device(l.param(1, 8).get(JAVA_LONG, 0), n);
                MemorySegment c = device(l.param(2, 8).get(JAVA_LONG, 0), n);
                for (int i = 0; i < n; i++) c.setAtIndex(JAVA_FLOAT, i, a.getAtIndex(JAVA_FLOAT, i) + b.getAtIndex(JAVA_FLOAT, i));
            } else if (l.function().startsWith("TestKernels_scale_")) {
                int factor = Integer.parseInt(l.function().substring("TestKernels_scale_".length()));
                int n = l.param(1, 4).get(JAVA_INT, 0);
                MemorySegment x = device(l.param(0, 8).get(JAVA_LONG, 0), n);
                for (int i = 0; i < n; i++) x.setAtIndex(JAVA_FLOAT, i, x.getAtIndex(JAVA_FLOAT, i) * factor);
            }
        });
        gpu = CudaDevice.open(fake.driver(), 0, new ModuleCache(this::compile, null), 4096);
    }

    @AfterEach
    void close() {
        gpu.context().close();
        arena.close();
        fake.rethrowFailures();
        fake.close();
    }

    private F32Buffer random(long seed) {
        F32Buffer b = F32Buffer.allocate(arena, N);
        Random r = new Random(seed);
        for (int i = 0; i < N; i++) b.set(i, r.nextFloat() * 2 - 1);
        return b;
    }

    @Test
    void planRunsOnTheGpuWithResidentInputs() {
        F32Buffer a = random(1), b = random(2), c = F32Buffer.allocate(arena, N);
        c.segment().fill((byte) 0xFF);
        TaskGraph g = new TaskGraph("s0").transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b)
                .task("add", TestKernels::add, a, b, c, N).transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(gpu)
                .withGridScheduler(new GridScheduler("s0.add", WorkerGrid.of1D(N, 256)))) {
            ExecutionResult r1 = plan.execute();
            for (int i = 0; i < N; i++) assertEquals((double) a.get(i) + b.get(i), c.get(i), 1e-6);
            assertEquals(0.25, r1.millis("s0.add"), "event time from the driver");
            assertEquals("cuda:0", r1.device());
            assertEquals(3, fake.calls("cuMemcpyHtoD_v2"));
            plan.execute();
            plan.execute();
            assertEquals(3, fake.calls("cuMemcpyHtoD_v2"), "FIRST_EXECUTION inputs stay resident");
            assertEquals(3, fake.calls("cuMemcpyDtoH_v2"));
            assertEquals(1, compiled.size(), "compiled once");
            assertEquals(1, fake.calls("cuModuleLoadDataEx"), "loaded once");
            FakeCudaDriver.Launch l = fake.launches().getFirst();
            assertEquals(List.of(4, 256), List.of(l.gridX(), l.blockX()));
            assertEquals(3, fake.liveAllocations());
        }
        assertEquals(0, fake.liveAllocations(), "closing the plan frees device memory");
    }

    @Test
    void constantsSelectModules() {
        F32Buffer x = random(3);
        float x0 = x.get(0);
        TaskGraph g = new TaskGraph("g").task("times2", TestKernels::scale, x, 2, N).task("times5", TestKernels::scale, x, 5, N)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, x);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(gpu).withGridScheduler(
                new GridScheduler().addWorkerGrid("g.times2", WorkerGrid.of1D(N, 128)).addWorkerGrid("g.times5", WorkerGrid.of1D(N, 128)))) {
            plan.execute();
        }
        assertEquals(x0 * 10, x.get(0), 1e-6);
        assertEquals(List.of(Map.of("factor", 2), Map.of("factor", 5)), compiled);
        assertEquals(2, fake.calls("cuModuleLoadDataEx"));
    }

    @Test
    void launcherCopiesBackOnlyWrittenBuffers() throws Exception {
        F32Buffer a = random(4), b = random(5), c = F32Buffer.allocate(arena, N);
        Method addRo = TestKernels.class.getDeclaredMethod("addReadOnly", KernelContext.class, F32Buffer.class, F32Buffer.class,
                F32Buffer.class, int.class);
        new CudaKernelLauncher(gpu).launch(addRo, LaunchConfig.of1D(8, 128), a, b, c, N);
        for (int i = 0; i < N; i++) assertEquals((double) a.get(i) + b.get(i), c.get(i), 1e-6);
        assertEquals(1, fake.calls("cuMemcpyDtoH_v2"), "@ReadOnly a and b are not copied back");
        assertEquals(0, fake.liveAllocations());

        // The same buffer passed twice is one device copy (and copied back once).
        new CudaKernelLauncher(gpu).launch(addRo, LaunchConfig.of1D(8, 128), c, c, c, N);
        assertEquals(2, fake.calls("cuMemcpyDtoH_v2"));
        assertEquals(4, fake.calls("cuMemAlloc_v2"));
        assertEquals(2.0 * ((double) a.get(7) + b.get(7)), c.get(7), 1e-5);
    }

    @Test
    void aKernelFaultNamesTheKernel() throws Exception {
        F32Buffer a = random(6), b = random(7), c = F32Buffer.allocate(arena, N);
        Method add = TestKernels.class.getDeclaredMethod("add", KernelContext.class, F32Buffer.class, F32Buffer.class,
                F32Buffer.class, int.class);
        fake.onLaunch(l -> fake.failNextSync(700));
        CudaException e = assertThrows(CudaException.class,
                () -> new CudaKernelLauncher(gpu).launch(add, LaunchConfig.of1D(8, 128), a, b, c, N));
        assertTrue(e.call().contains("TestKernels_add") && e.call().contains("grid 8x1x1"), e.call());
        assertEquals(700, e.code());
        assertEquals(0, fake.liveAllocations(), "device memory is freed after a fault");
    }

    @Test
    void planTasksAreQueuedAndSynchronizedOnce() {
        F32Buffer a = random(8), b = random(9), c = F32Buffer.allocate(arena, N);
        TaskGraph g = new TaskGraph("q").transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b)
                .task("add", TestKernels::add, a, b, c, N).task("double", TestKernels::scale, c, 2, N)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(gpu).withGridScheduler(new GridScheduler()
                .addWorkerGrid("q.add", WorkerGrid.of1D(N, 256)).addWorkerGrid("q.double", WorkerGrid.of1D(N, 256)))) {
            for (int run = 0; run < 3; run++) {
                ExecutionResult r = plan.execute();
                assertEquals(0.25, r.millis("q.double"));
            }
            for (int i = 0; i < N; i++) assertEquals(2.0 * ((double) a.get(i) + b.get(i)), c.get(i), 1e-5);
            assertEquals(3, fake.calls("cuCtxSynchronize"), "one wait per execute, before the copy back");
            assertEquals(4, fake.calls("cuEventCreate"), "events are pooled");
            assertEquals(12, fake.calls("cuEventRecord"));

            fake.onLaunch(l -> fake.failNextSync(700));
            CudaException e = assertThrows(CudaException.class, plan::execute);
            assertTrue(e.call().contains("one of [TestKernels_add") && e.call().contains("TestKernels_scale_2"), e.call());
        }
    }
}
