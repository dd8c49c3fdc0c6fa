package dev.kascade.emulator;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.kernel.ReadOnly;
import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Kernels that are wrong fail the launch with a KernelFailure naming kernel, block, thread and line, and
 * never hang: divergent barriers and collectives, exceptions, writes to read-only buffers, bad arguments.
 */
class EmulatorFailureTest {
    private static final Arena ARENA = Arena.ofShared();
    /** Divergence is detected at once; this bound only keeps a broken emulator from hanging the build. */
    private static final Duration FAST = Duration.ofSeconds(10);

    private static KernelFailure failure(String kernel, LaunchConfig cfg, Object... args) {
        Method m = Kernels.named(EmulatorFailureTest.class, kernel);
        return assertTimeoutPreemptively(FAST, () -> assertThrows(KernelFailure.class, () -> Emulator.launch(m, cfg, args)));
    }

    private static void assertMentions(KernelFailure f, String... parts) {
        for (String p : parts) {
            assertTrue(f.getMessage().contains(p), () -> "'" + p + "' missing from: " + f.getMessage());
        }
    }

    // ---------------------------------------------------------------- transaction barriers

    @Kernel
    static void bulkCopyShortOfItsAnnouncement(KernelContext ctx, @ReadOnly I32Buffer in, I32Buffer out) {
        int[] s = ctx.sharedI32(260);
        if (ctx.threadIdx() == 0) {
            ctx.mbarrierInit(s, 256, 1);
        }
        ctx.barrier();
        if (ctx.threadIdx() == 0) {
            ctx.mbarrierArriveExpect(s, 256, 1024); // announces 1024 bytes, copies 512: the phase never completes
            ctx.bulkCopy(s, 0, in, 0, 512, 256);
        }
        ctx.mbarrierWait(s, 256, 0);
        out.set(ctx.threadIdx(), s[ctx.threadIdx()]);
    }

    @Test
    void barrierPhaseThatCannotCompleteFailsInsteadOfHanging() {
        KernelFailure f = failure("bulkCopyShortOfItsAnnouncement", LaunchConfig.of1D(1, 64), I32Buffer.allocate(ARENA, 256),
                I32Buffer.allocate(ARENA, 64));
        assertMentions(f, "EmulatorFailureTest.bulkCopyShortOfItsAnnouncement", "mbarrierWait()", "every live thread");
    }

    @Kernel
    static void waitOnABarrierNeverSetUp(KernelContext ctx, I32Buffer out) {
        int[] s = ctx.sharedI32(4);
        ctx.mbarrierWait(s, 2, 0);
        out.set(ctx.threadIdx(), 1);
    }

    @Test
    void waitOnABarrierNeverSetUpFails() {
        KernelFailure f = failure("waitOnABarrierNeverSetUp", LaunchConfig.of1D(1, 32), I32Buffer.allocate(ARENA, 32));
        assertMentions(f, "EmulatorFailureTest.waitOnABarrierNeverSetUp", "never set up by mbarrierInit");
    }

    @Kernel
    static void bulkCopyWaitedForByOtherWarps(KernelContext ctx, @ReadOnly I32Buffer in, I32Buffer out) {
        int[] s = ctx.sharedI32(2 * 64 + 2);
        int t = ctx.threadIdx();
        if (t == 0) {
            ctx.mbarrierInit(s, 128, 1);
        }
        ctx.barrier();
        if (t == 0) {
            ctx.mbarrierArriveExpect(s, 128, 512);
        }
        if (t < 2) {
            ctx.bulkCopy(s, 64 * t, in, 64L * t, 256, 128);
        }
        ctx.mbarrierWait(s, 128, 0); // warps 1..3 read what lanes of warp 0 copied
        out.set(t, s[127 - t]);
    }

    @Test
    void bulkCopiesAreVisibleToEveryThreadAfterTheWait() {
        I32Buffer in = I32Buffer.allocate(ARENA, 128);
        for (int i = 0; i < 128; i++) in.set(i, 1000 + i);
        I32Buffer out = I32Buffer.allocate(ARENA, 128);
        Emulator.launch(Kernels.named(EmulatorFailureTest.class, "bulkCopyWaitedForByOtherWarps"), LaunchConfig.of1D(1, 128),
                in, out);
        for (int t = 0; t < 128; t++) {
            org.junit.jupiter.api.Assertions.assertEquals(1000 + 127 - t, out.get(t), "thread " + t);
        }
    }

    // ---------------------------------------------------------------- divergence

    @Kernel
    static void barrierUnderThreadBranch(KernelContext ctx, F32Buffer out) {
        if (ctx.threadIdx() < 16) {
            ctx.barrier();
        }
        out.set(ctx.globalIdx(), 1f);
    }

    @Test
    void barrierReachedByPartOfTheBlockFails() {
        KernelFailure f = failure("barrierUnderThreadBranch", LaunchConfig.of1D(2, 64), F32Buffer.allocate(ARENA, 128));
        assertMentions(f, "EmulatorFailureTest.barrierUnderThreadBranch", "block (", "thread ", "divergent barrier",
                "EmulatorFailureTest.java:");
    }

    @Kernel
    static void barrierAtTwoSites(KernelContext ctx, F32Buffer out) {
        if ((ctx.threadIdx() & 1) == 0) {
            ctx.barrier();
        } else {
            ctx.barrier();
        }
        out.set(ctx.globalIdx(), 1f);
    }

    @Test
    void threadsAtDifferentBarrierInstructionsFail() {
        KernelFailure f = failure("barrierAtTwoSites", LaunchConfig.of1D(1, 64), F32Buffer.allocate(ARENA, 64));
        assertMentions(f, "divergent barrier", "same barrier instruction");
    }

    @Kernel
    static void warpSumUnderLaneBranch(KernelContext ctx, F32Buffer out) {
        float v = 1f;
        if (ctx.laneId() < 16) {
            v = ctx.warpSum(v);
        }
        out.set(ctx.globalIdx(), v);
    }

    @Test
    void warpCollectiveWithMissingLanesFails() {
        KernelFailure f = failure("warpSumUnderLaneBranch", LaunchConfig.of1D(1, 32), F32Buffer.allocate(ARENA, 32));
        assertMentions(f, "divergent warp collective", "warpSum()", "lane");
    }

    @Kernel
    static void shufflesAtTwoSites(KernelContext ctx, F32Buffer out) {
        float v = ctx.threadIdx();
        if (ctx.laneId() < 16) {
            v = ctx.shuffleXor(v, 1);
        } else {
            v = ctx.shuffleXor(v, 2);
        }
        out.set(ctx.globalIdx(), v);
    }

    @Test
    void lanesAtDifferentCollectivesFail() {
        KernelFailure f = failure("shufflesAtTwoSites", LaunchConfig.of1D(1, 64), F32Buffer.allocate(ARENA, 64));
        assertMentions(f, "divergent warp collective", "same collective", "shuffleXor()");
    }

    @Kernel
    static void halfWarpAtShuffleHalfAtBarrier(KernelContext ctx, F32Buffer out) {
        float v = ctx.threadIdx();
        if (ctx.laneId() < 16) {
            v = ctx.shuffleXor(v, 1);
        } else {
            ctx.barrier();
        }
        out.set(ctx.globalIdx(), v);
    }

    @Test
    void deadlockBetweenBarrierAndShuffleIsSeenAtOnce() {
        KernelFailure f = failure("halfWarpAtShuffleHalfAtBarrier", LaunchConfig.of1D(1, 32), F32Buffer.allocate(ARENA, 32));
        assertMentions(f, "every live thread of the block is waiting", "shuffleXor()", "barrier()");
    }

    @Kernel
    static void collectiveInPartialWarp(KernelContext ctx, F32Buffer out) {
        out.set(ctx.globalIdx(), ctx.warpMax(1f));
    }

    @Test
    void warpCollectiveInAPartialWarpFails() {
        KernelFailure f = failure("collectiveInPartialWarp", LaunchConfig.of1D(1, 48), F32Buffer.allocate(ARENA, 48));
        assertMentions(f, "needs all 32 lanes", "48 threads");
    }

    /* Thread 0 spins (bounded, so the test leaves nothing running) while the others wait at the barrier:
       nothing the block can see is stuck, so only the wait timeout ends it. */
    @Kernel
    static void spinningThread(KernelContext ctx, F32Buffer out) {
        if (ctx.threadIdx() == 0) {
            long end = System.nanoTime() + 1_500_000_000L;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            return;
        }
        ctx.barrier();
        out.set(ctx.threadIdx(), 1f);
    }

    @Test
    void waitTimeoutIsTheLastResort() {
        Method m = Kernels.named(getClass(), "spinningThread");
        KernelFailure f = assertTimeoutPreemptively(FAST, () -> assertThrows(KernelFailure.class,
                () -> Emulator.launchWithTimeout(m, LaunchConfig.of1D(1, 32), Duration.ofMillis(300),
                        F32Buffer.allocate(ARENA, 32))));
        assertMentions(f, "timed out", "barrier()", "still running [0]");
    }

    // ---------------------------------------------------------------- exceptions

    @Kernel
    static void outOfBounds(KernelContext ctx, F32Buffer out, int n) {
        int i = ctx.globalIdx();
        if (i == 77) {
            i += n;
        }
        out.set(i, 1f);
    }

    @Test
    void exceptionInOneThreadNamesKernelBlockThreadAndLine() {
        KernelFailure f = failure("outOfBounds", LaunchConfig.of1D(4, 64), F32Buffer.allocate(ARENA, 256), 256);
        assertMentions(f, "kernel EmulatorFailureTest.outOfBounds", "block (1,0,0)", "thread 13",
                "IndexOutOfBoundsException", "EmulatorFailureTest.java:");
        assertInstanceOf(IndexOutOfBoundsException.class, f.getCause());
    }

    @Kernel
    static void exceptionBeforeBarrier(KernelContext ctx, F32Buffer out) {
        if (ctx.threadIdx() == 3) {
            out.set(-1, 0f);
        }
        ctx.barrier();
        out.set(ctx.threadIdx(), 1f);
    }

    @Test
    void exceptionWhileOthersWaitAtABarrierReportsTheException() {
        KernelFailure f = failure("exceptionBeforeBarrier", LaunchConfig.of1D(8, 128), F32Buffer.allocate(ARENA, 128));
        assertMentions(f, "thread 3", "IndexOutOfBoundsException");
    }

    @Kernel
    static void writesReadOnly(KernelContext ctx, @ReadOnly F32Buffer in, F32Buffer out) {
        in.set(ctx.globalIdx(), 2f);
        out.set(ctx.globalIdx(), 1f);
    }

    @Test
    void writeThroughReadOnlyBufferFails() {
        F32Buffer in = F32Buffer.allocate(ARENA, 32);
        KernelFailure f = failure("writesReadOnly", LaunchConfig.of1D(1, 32), in, F32Buffer.allocate(ARENA, 32));
        assertMentions(f, "read-only", "@ReadOnly");
        assertTrue(in.get(0) == 0f, "nothing was written");
    }

    @Kernel
    static void atomicOnLocalArray(KernelContext ctx, F32Buffer out) {
        int[] local = new int[4];
        ctx.atomicAdd(local, 0, 1);
        out.set(0, local[0]);
    }

    @Test
    void sharedAtomicOnALocalArrayFails() {
        KernelFailure f = failure("atomicOnLocalArray", LaunchConfig.of1D(1, 32), F32Buffer.allocate(ARENA, 1));
        assertMentions(f, "not block-shared memory");
    }

    // ---------------------------------------------------------------- arguments

    @Kernel
    static void takesF32AndInt(KernelContext ctx, F32Buffer out, int n) {
        out.set(0, n);
    }

    static void notAKernel(KernelContext ctx, F32Buffer out) {
        out.set(0, 1f);
    }

    @Test
    void wrongArgumentsAreClearErrors() {
        Method m = Kernels.named(getClass(), "takesF32AndInt");
        LaunchConfig cfg = LaunchConfig.of1D(1, 32);
        F32Buffer out = F32Buffer.allocate(ARENA, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Emulator.launch(m, cfg, F16Buffer.allocate(ARENA, 1), 3));
        assertTrue(e.getMessage().contains("parameter 'out'") && e.getMessage().contains("expected F32Buffer but got F16Buffer"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Emulator.launch(m, cfg, out, 3L));
        assertTrue(e.getMessage().contains("parameter 'n'") && e.getMessage().contains("expected int"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Emulator.launch(m, cfg, out));
        assertTrue(e.getMessage().contains("takes 2 arguments") && e.getMessage().contains("got 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Emulator.launch(m, cfg, null, 3));
        assertTrue(e.getMessage().contains("got null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Emulator.launch(Kernels.named(getClass(), "notAKernel"), cfg, out));
        assertTrue(e.getMessage().contains("not annotated @Kernel"), e.getMessage());
        try (Arena confined = Arena.ofConfined()) {
            F32Buffer local = F32Buffer.allocate(confined, 1);
            e = assertThrows(IllegalArgumentException.class, () -> Emulator.launch(m, cfg, local, 3));
            assertTrue(e.getMessage().contains("Arena.ofShared()"), e.getMessage());
        }
    }

    @Test
    void aCorrectLaunchAfterFailuresStillWorks() {
        I32Buffer unused = I32Buffer.allocate(ARENA, 1);
        F32Buffer out = F32Buffer.allocate(ARENA, 1);
        Emulator.launch(Kernels.named(getClass(), "takesF32AndInt"), LaunchConfig.of1D(1, 32), out, 7);
        assertTrue(out.get(0) == 7f && unused.get(0) == 0);
    }
}
