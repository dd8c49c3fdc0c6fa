package dev.kascade.gpubench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.ptx.Ptxas;
import dev.kascade.ptx.PtxCompiler;
import dev.kascade.ptx.PtxModule;
import dev.kascade.ptx.PtxTarget;
import dev.kascade.runtime.Devices;
import dev.kascade.runtime.ResidentLauncher;
import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The device-side cache fill: emulated output equals the host hash, values in range; PTX assembles for sm_90. */
class FillKernelTest {
    private static final Method FILL;

    static {
        try {
            FILL = FillKernel.class.getMethod("fillHalves", KernelContext.class, I32Buffer.class, long.class, int.class,
                    int.class, int.class);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static int expected(long i, int seed, int mask, int bias) {
        int h = (int) i * 0x9E3779B1 + (int) (i >>> 32) * 0x7FEB352D + seed;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return (((h >>> 16) & mask) | bias) << 16 | (((h & mask) | bias) & 0xFFFF);
    }

    @Test
    void emulatedFillMatchesTheHostHashAndStaysInRange() {
        int n = 1003; // not a multiple of the grid: the grid-stride loop covers the tail
        try (Arena arena = Arena.ofShared(); ResidentLauncher launcher = new ResidentLauncher(Devices.cpu())) {
            I32Buffer words = I32Buffer.allocate(arena, n + 1);
            words.set(n, 12345); // past n: must stay untouched
            launcher.submit(FILL, LaunchConfig.of1D(3, 64), words, (long) n, 77, 0x83FF, 0x3C00);
            launcher.synchronize();
            launcher.download(words);
            for (int i = 0; i < n; i++) {
                assertEquals(expected(i, 77, 0x83FF, 0x3C00), words.get(i), "word " + i);
                for (int half : new int[] {words.get(i) & 0xFFFF, words.get(i) >>> 16}) {
                    float v = Math.abs(Float.intBitsToFloat(half << 16));
                    assertTrue(v >= 0x1p-7f && v < 2f, "bf16 value " + v + " at word " + i);
                }
            }
            assertEquals(12345, words.get(n));
        }
    }

    @Test
    void residentLauncherRefusesUseAfterClose() {
        ResidentLauncher launcher = new ResidentLauncher(Devices.cpu());
        launcher.close();
        try (Arena arena = Arena.ofShared()) {
            I32Buffer words = I32Buffer.allocate(arena, 4);
            assertThrows(IllegalStateException.class, () -> launcher.upload(words));
        }
    }

    @Test
    void hostReservationIsZeroAndWritable() {
        try (HostReservation r = HostReservation.reserve(1L << 30)) { // 1 GiB of address space, nothing committed
            assertEquals(0, r.segment().get(java.lang.foreign.ValueLayout.JAVA_INT, 123456L));
            r.segment().set(java.lang.foreign.ValueLayout.JAVA_INT, 4L, 9);
            assertEquals(9, r.segment().get(java.lang.foreign.ValueLayout.JAVA_INT, 4L));
        }
        assertThrows(IllegalArgumentException.class, () -> HostReservation.reserve(0));
    }

    @Test
    void fillAssemblesForSm90() throws Exception {
        Optional<Ptxas> ptxas = Ptxas.find();
        Assumptions.assumeTrue(ptxas.isPresent(), "ptxas not installed");
        PtxModule module = new PtxCompiler(PtxTarget.SM_90).compile(FILL, Map.of());
        Ptxas.Report r = ptxas.get().check(module);
        assertEquals(0, r.spillStoreBytes() + r.spillLoadBytes(), r.log());
    }
}
