package dev.kascade.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernel.LaunchConfig;
import dev.kascade.ptx.PtxParam;
import dev.kascade.ptx.PtxParam.Kind;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@code cuLaunchKernel} parameter array: layout, checks, and what the (fake) driver receives. */
class KernelParamsTest {
    // Java kernel (ctx, F32Buffer x, @Const int tile, float alpha, long n, boolean flag, F32Buffer y):
    // the constant (Java index 2) is not an entry parameter.
    private static final List<PtxParam> PARAMS = List.of(new PtxParam(1, "x", Kind.POINTER),
            new PtxParam(3, "alpha", Kind.F32), new PtxParam(4, "n", Kind.S64), new PtxParam(5, "flag", Kind.S32),
            new PtxParam(6, "y", Kind.POINTER));

    private FakeCudaDriver fake;
    private CudaContext ctx;

    @BeforeEach
    void open() {
        fake = new FakeCudaDriver();
        ctx = CudaContext.open(fake.driver(), 0);
    }

    @AfterEach
    void close() {
        ctx.close();
        fake.rethrowFailures();
        fake.close();
    }

    @Test
    void pointerArrayPointsAtEachArgumentsStorageInParamOrder() {
        try (Arena arena = Arena.ofConfined(); DeviceMemory x = ctx.allocate(64); DeviceMemory y = ctx.allocate(64)) {
            Object[] args = {x, 128, -1.5f, 5_000_000_000L, true, y};
            MemorySegment ptrs = KernelParams.marshal("k", PARAMS, args).write(arena).reinterpret(5 * ADDRESS.byteSize());
            assertEquals(x.address(), ptrs.getAtIndex(ADDRESS, 0).reinterpret(8).get(JAVA_LONG, 0));
            assertEquals(-1.5f, ptrs.getAtIndex(ADDRESS, 1).reinterpret(4).get(JAVA_FLOAT, 0));
            assertEquals(5_000_000_000L, ptrs.getAtIndex(ADDRESS, 2).reinterpret(8).get(JAVA_LONG, 0));
            assertEquals(1, ptrs.getAtIndex(ADDRESS, 3).reinterpret(4).get(JAVA_INT, 0));
            assertEquals(y.address(), ptrs.getAtIndex(ADDRESS, 4).reinterpret(8).get(JAVA_LONG, 0));
            for (int i = 0; i < 5; i++) {
                assertEquals(0, ptrs.getAtIndex(ADDRESS, i).address() % 8, "slot " + i + " is 8-byte aligned");
            }
        }
    }

    @Test
    void anEarlyLaunchGoesThroughCuLaunchKernelExWithProgrammaticSerializationOnHopper() {
        // The fake reads CUlaunchConfig and CUlaunchAttribute at the CUDA 12 headers' offsets; arguments still arrive.
        long[] seen = new long[1];
        fake.onLaunch(l -> seen[0] = l.param(2, 8).get(JAVA_LONG, 0));
        try (CudaModule m = ctx.loadModule("// fake", 1024); DeviceMemory x = ctx.allocate(64); DeviceMemory y = ctx.allocate(64)) {
            CudaFunction f = m.function("k");
            KernelParams p = KernelParams.marshal("k", PARAMS, new Object[] {x, 7, 2.5f, 11L, false, y});
            f.launch(new LaunchConfig(5, 3, 2, 96, 1, 4096).withEarlyLaunch(), p, null);
            f.launch(new LaunchConfig(5, 3, 2, 96, 1, 4096), p, null);
            List<FakeCudaDriver.Launch> ls = fake.launches();
            FakeCudaDriver.Launch early = ls.get(0);
            assertEquals(List.of(5, 3, 2, 96, 1, 1, 4096), List.of(early.gridX(), early.gridY(), early.gridZ(),
                    early.blockX(), early.blockY(), early.blockZ(), early.sharedBytes()));
            assertTrue(early.early(), "cuLaunchKernelEx with programmatic stream serialization");
            assertFalse(ls.get(1).early(), "a plain launch");
            assertEquals(1, fake.calls("cuLaunchKernelEx"));
            assertEquals(1, fake.calls("cuLaunchKernel"));
            assertEquals(11L, seen[0]);
        }
    }

    @Test
    void anEarlyLaunchIsAPlainOneBeforeHopper() {
        ctx.close();
        fake.computeCapability(8);
        ctx = CudaContext.open(fake.driver(), 0);
        try (CudaModule m = ctx.loadModule("// fake", 1024); DeviceMemory x = ctx.allocate(64); DeviceMemory y = ctx.allocate(64)) {
            m.function("k").launch(new LaunchConfig(1, 1, 1, 32, 1, 0).withEarlyLaunch(),
                    KernelParams.marshal("k", PARAMS, new Object[] {x, 7, 2.5f, 11L, false, y}), null);
            assertFalse(fake.launches().getFirst().early());
            assertEquals(0, fake.calls("cuLaunchKernelEx"));
        }
    }

    @Test
    void theDriverReceivesTheArgumentsAndTheGeometry() {
        // The parameter array lives only for the call, so the fake decodes it inside cuLaunchKernel.
        Object[] seen = new Object[5];
        fake.onLaunch(l -> {
            seen[0] = l.param(0, 8).get(JAVA_LONG, 0);
            seen[1] = l.param(1, 4).get(JAVA_FLOAT, 0);
            seen[2] = l.param(2, 8).get(JAVA_LONG, 0);
            seen[3] = l.param(3, 4).get(JAVA_INT, 0);
            seen[4] = l.param(4, 8).get(JAVA_LONG, 0);
        });
        try (CudaModule m = ctx.loadModule("// fake", 1024); DeviceMemory x = ctx.allocate(64); DeviceMemory y = ctx.allocate(64)) {
            CudaFunction f = m.function("k");
            f.launch(new LaunchConfig(3, 2, 1, 64, 2, 0), KernelParams.marshal("k", PARAMS, new Object[] {x, 7, 2.5f, 9L, false, y}), null);
            FakeCudaDriver.Launch l = fake.launches().getFirst();
            assertEquals(List.of(3, 2, 1, 64, 2, 1, 0), List.of(l.gridX(), l.gridY(), l.gridZ(), l.blockX(), l.blockY(), l.blockZ(), l.sharedBytes()));
            assertEquals(List.of(x.address(), 2.5f, 9L, 0, y.address()), List.of(seen));
        }
    }

    @Test
    void wrongArgumentTypesNameTheParameter() {
        try (DeviceMemory x = ctx.allocate(64)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KernelParams.marshal("k", PARAMS, new Object[] {x, 1, 2.0, 3L, true, x}));
            assertTrue(e.getMessage().contains("'alpha'") && e.getMessage().contains("expected a float"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> KernelParams.marshal("k", PARAMS, new Object[] {new float[4], 1, 2f, 3L, true, x}));
            assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("device memory"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> KernelParams.marshal("k", PARAMS, new Object[] {x}));
            assertTrue(e.getMessage().contains("'alpha'") && e.getMessage().contains("only 1"), e.getMessage());
        }
    }

    @Test
    void noParametersPassesNull() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(MemorySegment.NULL, KernelParams.marshal("k", List.of(), new Object[0]).write(arena));
        }
    }

    @Test
    void moreThan48KbOfDynamicSharedOptsInFirst() {
        try (CudaModule m = ctx.loadModule("// fake", 1024)) {
            CudaFunction f = m.function("big");
            KernelParams none = KernelParams.marshal("big", List.of(), new Object[0]);
            f.launch(LaunchConfig.of1D(1, 128).withDynamicShared(40 * 1024), none, null);
            assertNull(fake.functionAttribute("big", CudaDriver.FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES), "no opt-in under 48 KB");
            f.launch(LaunchConfig.of1D(1, 128).withDynamicShared(100 * 1024), none, null);
            assertEquals(100 * 1024, fake.functionAttribute("big", CudaDriver.FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> f.launch(LaunchConfig.of1D(1, 128).withDynamicShared(300 * 1024), none, null));
            assertTrue(e.getMessage().contains("at most " + 227 * 1024), e.getMessage());
            assertEquals(2, fake.launches().size());
        }
    }

    @Test
    void staticPlusDynamicSharedAbove48KbOptsIn() {
        // 40 KB dynamic alone needs no opt-in, but with 16 KB of static shared memory the block needs 56 KB
        // (without the attribute the launch fails with CUDA_ERROR_INVALID_VALUE on a real GPU too).
        fake.staticShared("ring", 16 * 1024);
        try (CudaModule m = ctx.loadModule("// fake", 1024)) {
            CudaFunction f = m.function("ring");
            KernelParams none = KernelParams.marshal("ring", List.of(), new Object[0]);
            f.launch(LaunchConfig.of1D(1, 128).withDynamicShared(40 * 1024), none, null);
            assertEquals(40 * 1024, fake.functionAttribute("ring", CudaDriver.FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES));
            assertEquals(1, fake.launches().size());
        }
    }

    @Test
    void preparedParametersAreWrittenOnceAndReused() {
        int[] seen = new int[2];
        fake.onLaunch(l -> seen[l.param(3, 4).get(JAVA_INT, 0) == 42 ? 0 : 1]++);
        List<PtxParam> vadd = List.of(new PtxParam(1, "a", Kind.POINTER), new PtxParam(2, "b", Kind.POINTER),
                new PtxParam(3, "c", Kind.POINTER), new PtxParam(4, "n", Kind.S32));
        try (CudaModule m = ctx.loadModule("// fake", 1024); DeviceMemory x = ctx.allocate(64)) {
            KernelParams p = KernelParams.marshal("vadd", vadd, new Object[] {x, x, x, 42});
            MemorySegment once = p.prepare();
            assertEquals(once, p.prepare(), "the same array");
            CudaFunction f = m.function("vadd");
            for (int i = 0; i < 3; i++) f.launch(LaunchConfig.of1D(1, 32), p, null);
            assertEquals(3, seen[0]);
            assertEquals(0, seen[1]);
        }
    }
}
