package dev.kascade.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.ptx.PtxTarget;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The driver bindings against a missing library and against {@link FakeCudaDriver} (no GPU needed). */
class CudaDriverTest {
    private final FakeCudaDriver fake = new FakeCudaDriver();

    @AfterEach
    void close() {
        fake.rethrowFailures();
        fake.close();
    }

    @Test
    void missingLibraryIsAClearException() {
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class,
                () -> CudaDriver.load("libcuda-kascade-missing.so.1", Arena.ofAuto()));
        assertTrue(e.getMessage().startsWith("no NVIDIA driver (libcuda-kascade-missing.so.1) found"), e.getMessage());
    }

    @Test
    void missingFunctionIsNamed() {
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class,
                () -> new CudaDriver(name -> name.equals("cuMemAlloc_v2") ? Optional.empty() : fake.lookup().find(name), "partial"));
        assertTrue(e.getMessage().contains("cuMemAlloc_v2"), e.getMessage());
    }

    @Test
    void oldFunctionNamesAreFallbacks() {
        // A driver exporting only cuEventElapsedTime (pre-CUDA 12.x name) still binds.
        CudaDriver d = new CudaDriver(name -> name.equals("cuEventElapsedTime_v2") ? Optional.empty()
                : fake.lookup().find(name.equals("cuEventElapsedTime") ? "cuEventElapsedTime_v2" : name), "old");
        d.init();
        assertEquals(13000, d.driverVersion());
    }

    @Test
    void errorsCarryTheNameAndTheCall() {
        CudaDriver d = fake.driver();
        CudaException e = assertThrows(CudaException.class, () -> d.device(1));
        assertEquals("CUDA_ERROR_INVALID_DEVICE", e.errorName());
        assertEquals(101, e.code());
        assertTrue(e.call().contains("cuDeviceGet(1)"), e.call());
        assertEquals("CUDA_ERROR_12345", d.errorName(12345), "unknown codes fall back to the number");
    }

    @Test
    void deviceInfoAndTargets() {
        CudaDeviceInfo i = CudaDeviceInfo.query(fake.driver(), 0);
        assertEquals("Fake H200", i.name());
        assertEquals("9.0", i.computeCapability());
        assertEquals(132, i.multiprocessors());
        assertEquals(227 * 1024, i.maxSharedPerBlockOptin());
        assertEquals("13.0", i.driverCudaVersion());
        assertEquals(PtxTarget.SM_90, i.bestTarget());
        assertThrows(CudaUnavailableException.class, () -> CudaDeviceInfo.query(fake.driver(), 3));
    }

    @Test
    void ampereRunsSm80ButNotSm90() {
        fake.computeCapability(8);
        CudaDeviceInfo i = CudaDeviceInfo.query(fake.driver(), 0);
        assertEquals(PtxTarget.SM_80, i.bestTarget());
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> i.requireTarget(PtxTarget.SM_90));
        assertTrue(e.getMessage().contains("sm_90") && e.getMessage().contains("8.0"), e.getMessage());
    }

    @Test
    void olderGpusAreRefusedUpFront() {
        fake.computeCapability(7);
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> CudaContext.open(fake.driver(), 0));
        assertTrue(e.getMessage().contains("compute capability 7.0") && e.getMessage().contains("8.0 or newer"), e.getMessage());
    }

    @Test
    void outOfMemoryReportsRequestAndFreeMemory() {
        fake.memoryCapacity(1 << 20);
        try (CudaContext ctx = CudaContext.open(fake.driver(), 0); DeviceMemory keep = ctx.allocate(1 << 19)) {
            CudaException e = assertThrows(CudaException.class, () -> ctx.allocate(1 << 20));
            assertEquals(CudaException.OUT_OF_MEMORY, e.code());
            assertEquals("CUDA_ERROR_OUT_OF_MEMORY", e.errorName());
            assertTrue(e.getMessage().contains("requested 1048576 bytes") && e.getMessage().contains("524288 bytes free of 1048576"),
                    e.getMessage());
        }
    }

    @Test
    void jitFailureCarriesTheErrorLog() {
        try (CudaContext ctx = CudaContext.open(fake.driver(), 0)) {
            CudaException e = assertThrows(CudaException.class,
                    () -> ctx.loadModule(".version 8.0\n.target sm_90\nadd.f32 %f1, %f9999, %f1;", 4096));
            assertEquals("CUDA_ERROR_INVALID_PTX", e.errorName());
            assertTrue(e.getMessage().contains("JIT error log") && e.getMessage().contains("Unknown symbol '%f9999'"), e.getMessage());
            try (CudaModule m = ctx.loadModule(".version 8.0\n.target sm_90\n", 4096)) {
                assertEquals("fake jit: ok", m.infoLog());
                CudaException missing = assertThrows(CudaException.class, () -> m.function("missing"));
                assertTrue(missing.call().contains("\"missing\""), missing.call());
            }
        }
    }

    @Test
    void pinnedAndRegisteredMemoryRoundTripAsync() {
        try (CudaContext ctx = CudaContext.open(fake.driver(), 0); Arena arena = Arena.ofConfined();
             PinnedMemory pinned = ctx.allocatePinned(256); DeviceMemory d = ctx.allocate(256); CudaStream s = ctx.createStream()) {
            for (int i = 0; i < 256; i++) pinned.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
            d.copyFromHostAsync(pinned.segment(), s);
            MemorySegment host = arena.allocate(256);
            try (HostRegistration r = ctx.register(host, false)) {
                d.copyToHostAsync(host, s);
                s.synchronize();
            }
            assertEquals(-1, host.mismatch(pinned.segment()));
            assertEquals(1, fake.calls("cuMemHostRegister_v2"));
            assertEquals(1, fake.calls("cuMemHostUnregister"));
            IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
                    () -> d.copyFromHostAsync(MemorySegment.ofArray(new byte[256]), s));
            assertTrue(heap.getMessage().contains("native"), heap.getMessage());
        }
    }

    @Test
    void eventsTimeOnTheDriversClock() {
        try (CudaContext ctx = CudaContext.open(fake.driver(), 0); CudaEvent a = ctx.createEvent(); CudaEvent b = ctx.createEvent()) {
            a.record(null);
            b.record(null);
            b.synchronize();
            assertEquals(0.25f, b.elapsedMillisSince(a));
        }
        assertEquals(2, fake.calls("cuEventDestroy_v2"));
        assertEquals(1, fake.calls("cuDevicePrimaryCtxRelease_v2"));
    }
}
