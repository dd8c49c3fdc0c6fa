package dev.kascade.kernels.corpus;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/**
 * Inclusive prefix sum in one pass, each block handing its running total to the next: the intrinsics for passing
 * data between blocks of one launch ({@code threadFence}, {@code getCoherent}, {@code nanosleep}, global atomics), as
 * {@code StreamKDecodeKernel} uses them for its carried partials.
 */
public final class ChainedScanKernel {
    /** Threads per block, one element each. */
    public static final int THREADS = 256;

    private ChainedScanKernel() {
    }

    /*
     * out[i] = in[0] + ... + in[i] for n floats holding small integers (so every sum is exact). Thread layout: 1-D grid
     * of ceil(n / 256) blocks of 256 threads; the block with ticket j scans tile j (elements 256 j .. 256 j + 255), one
     * element per thread.
     * Memory traffic: each element read and written once; per tile one 4-byte total written and read back through L2
     * by the next tile, and three atomics (ticket, flag set, flag polls).
     * Algorithm: thread 0 draws the block's ticket (atom.global.add on tickets[0]), so every lower tile's block has
     * already started, whatever order the hardware runs blocks in. The block scans its tile in shared memory
     * (Hillis-Steele: 8 rounds of add-the-value-offset-places-back, barriers between). Thread 0 then waits for tile
     * j - 1's flag (polling by atomics, nanosleep between polls), fences, reads that tile's inclusive total past its
     * L1 (getCoherent), stores its own (that total + this tile's), fences and raises its own flag: a chain, so tile j
     * waits for j - 1 only, which has started and waits only for j - 2, so every wait ends. (A full decoupled look-back
     * would also publish each tile's own sum at once, so a block need not wait for the whole chain; not needed here.)
     * flags and tickets must be zero at launch (fresh buffers are).
     */
    @Kernel
    public static void chainedScan(KernelContext ctx, @ReadOnly F32Buffer in, F32Buffer out, F32Buffer tileTotals,
                                   I32Buffer flags, I32Buffer tickets, int n) {
        float[] scan = ctx.sharedF32(THREADS + 1); // the tile's scan, then the total of the tiles before it
        int[] ticketSlot = ctx.sharedI32(1);
        int t = ctx.threadIdx();
        if (t == 0) {
            ticketSlot[0] = tickets.atomicAdd(0, 1);
        }
        ctx.barrier();
        int tile = ticketSlot[0];
        long i = (long) tile * THREADS + t;
        scan[t] = i < n ? in.get(i) : 0f;
        ctx.barrier();
        for (int offset = 1; offset < THREADS; offset <<= 1) {
            float back = t >= offset ? scan[t - offset] : 0f;
            ctx.barrier(); // every thread has read before any writes
            scan[t] += back;
            ctx.barrier();
        }
        if (t == 0) {
            float before = 0f;
            if (tile > 0) {
                while (flags.atomicAdd(tile - 1, 0) == 0) {
                    ctx.nanosleep(100);
                }
                ctx.threadFence(); // the flag seen, before the total's load
                before = tileTotals.getCoherent(tile - 1);
            }
            tileTotals.set(tile, before + scan[THREADS - 1]);
            ctx.threadFence(); // the total stored, before the flag
            flags.atomicAdd(tile, 1);
            scan[THREADS] = before;
        }
        ctx.barrier();
        if (i < n) {
            out.set(i, scan[t] + scan[THREADS]);
        }
    }
}
