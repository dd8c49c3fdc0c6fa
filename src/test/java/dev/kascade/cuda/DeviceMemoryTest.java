package dev.kascade.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Copies and bounds checks of {@link DeviceMemory}: a bad size never reaches the driver. */
class DeviceMemoryTest {
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
    void roundTripThroughNativeAndHeapSegments() {
        float[] data = new float[1001];
        Random r = new Random(42);
        for (int i = 0; i < data.length; i++) data[i] = r.nextFloat() - 0.5f;
        try (Arena arena = Arena.ofConfined(); DeviceMemory d = ctx.allocate(4L * data.length);
             DeviceMemory d2 = ctx.allocate(4L * data.length)) {
            d.copyFromHost(MemorySegment.ofArray(data)); // heap: staged through native memory
            d2.copyFrom(d, 4L * data.length);
            MemorySegment nativeBack = arena.allocate(4L * data.length);
            d2.copyToHost(nativeBack);
            float[] heapBack = new float[data.length];
            d2.copyToHost(MemorySegment.ofArray(heapBack));
            assertArrayEquals(data, nativeBack.toArray(ValueLayout.JAVA_FLOAT));
            assertArrayEquals(data, heapBack);
        }
    }

    @Test
    void partialCopiesUseOffsets() {
        try (Arena arena = Arena.ofConfined(); DeviceMemory d = ctx.allocate(64)) {
            d.fill((byte) 0);
            MemorySegment src = arena.allocate(16);
            src.fill((byte) 9);
            d.copyFromHost(src, 4, 32, 8);
            MemorySegment back = arena.allocate(64);
            d.copyToHost(back);
            for (int i = 0; i < 64; i++) assertEquals(i >= 32 && i < 40 ? 9 : 0, back.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
        }
    }

    @Test
    void copiesOutsideEitherSideAreRefusedBeforeTheDriver() {
        try (Arena arena = Arena.ofConfined(); DeviceMemory d = ctx.allocate(64); DeviceMemory small = ctx.allocate(16)) {
            IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class, () -> d.copyFromHost(arena.allocate(128)));
            assertTrue(tooBig.getMessage().contains("device allocation of 64 bytes"), tooBig.getMessage());
            MemorySegment host = arena.allocate(32);
            assertThrows(IllegalArgumentException.class, () -> d.copyFromHost(host, 16, 0, 32), "host range past its end");
            assertThrows(IllegalArgumentException.class, () -> d.copyToHost(host, 40, 0, 32), "device range past its end");
            assertThrows(IllegalArgumentException.class, () -> d.copyToHost(host, -1, 0, 8), "negative offset");
            assertThrows(IllegalArgumentException.class, () -> d.copyToHost(host, 0, 0, Long.MAX_VALUE), "overflowing size");
            assertThrows(IllegalArgumentException.class, () -> small.copyFrom(d, 64), "device to device larger than destination");
            assertEquals(0, fake.calls("cuMemcpyHtoD_v2") + fake.calls("cuMemcpyDtoH_v2") + fake.calls("cuMemcpyDtoD_v2"));
        }
    }

    @Test
    void oneOwnerFreesOnce() {
        DeviceMemory d = ctx.allocate(64);
        d.close();
        d.close();
        assertEquals(1, fake.calls("cuMemFree_v2"));
        assertTrue(d.isClosed());
        assertThrows(IllegalStateException.class, d::address);
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalStateException.class, () -> d.copyFromHost(arena.allocate(8)));
        }
        assertThrows(IllegalArgumentException.class, () -> ctx.allocate(0));
    }

    @Test
    void memoryFreedByAClosedContextIsNotFreedTwice() {
        DeviceMemory d = ctx.allocate(64);
        ctx.close();
        d.close();
        assertEquals(0, fake.calls("cuMemFree_v2"));
        assertThrows(IllegalStateException.class, () -> ctx.allocate(8));
    }
}
