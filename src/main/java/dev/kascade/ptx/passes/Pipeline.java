package dev.kascade.ptx.passes;

import dev.kascade.ptx.ir.Function;

/** The passes between the front end and the printer, in order; the PTX printer and the IR interpreter share them. */
public final class Pipeline {
    private Pipeline() {
    }

    public static void run(Function fn, String kernelName) {
        Cleanup.run(fn);
        LocalCse.run(fn);
        Cleanup.run(fn);
        Uniformity.check(fn, kernelName);
        CoalesceCopies.run(fn);
    }
}
