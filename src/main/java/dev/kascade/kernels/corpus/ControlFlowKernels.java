package dev.kascade.kernels.corpus;

import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Structured control flow the compiler must lower: loops, nested branches, ternaries, switch, break/continue. */
public final class ControlFlowKernels {
    /** Ints {@link #controlFlow} writes per input. */
    public static final int OUTPUTS = 3;
    /** Bits of the input that drive the main loop. */
    public static final int BITS = 16;
    /** Step limit of the Collatz loop. */
    public static final int MAX_STEPS = 64;

    private ControlFlowKernels() {
    }

    /*
     * out[3i..3i+2] = (mixed, collatz steps, predicate count) of x = in[i].
     * Thread layout: one input per thread; threads past n return at once (no collectives follow).
     * Memory traffic: 4 bytes read, 12 written per element.
     * Algorithm: a for loop over the low 16 bits with continue (bit clear), a 4-way switch (tableswitch), a nested
     * if with break; a chain of ternaries; a while loop with a compound condition (Collatz steps of (x & 255) + 1,
     * at most 64); short-circuit && and || feeding a counter.
     */
    @Kernel
    public static void controlFlow(KernelContext ctx, @ReadOnly I32Buffer in, I32Buffer out, int n) {
        int i = ctx.globalIdx();
        if (i >= n) {
            return;
        }
        int x = in.get(i);
        int acc = 0;
        for (int k = 0; k < BITS; k++) {
            if ((x >>> k & 1) == 0) {
                continue;
            }
            switch (k & 3) {
                case 0:
                    acc += k;
                    break;
                case 1:
                    acc ^= x >>> 3;
                    break;
                case 2:
                    acc = acc * 3 + 1;
                    break;
                default:
                    acc -= k * k;
            }
            if (acc > 1000) {
                if ((acc & 1) == 0) {
                    break;
                } else {
                    acc -= 500;
                }
            }
        }
        int m = x & 7;
        int mixed = m < 3 ? acc : (m < 6 ? -acc : acc >> 2);

        int c = (x & 0xFF) + 1;
        int steps = 0;
        while (c != 1 && steps < MAX_STEPS) {
            c = (c & 1) == 0 ? c >> 1 : 3 * c + 1;
            steps++;
        }

        int count = 0;
        if (x > 0 && (x & 4) != 0) {
            count++;
        }
        if (x < -1000 || (x & 0x30) == 0x30) {
            count += 2;
        }
        if (!(x == 0) && (x & 1) == 1 || steps > 20) {
            count += 4;
        }
        long o = (long) i * OUTPUTS;
        out.set(o, mixed);
        out.set(o + 1, steps);
        out.set(o + 2, count);
    }
}
