package dev.kascade.bench;

/** Wall-clock timing of repeated calls. */
final class Timing {
    private Timing() {
    }

    /** {@code warmup} untimed calls, then {@code iters} timed ones; milliseconds per call. */
    static double[] run(Runnable call, int warmup, int iters) {
        for (int i = 0; i < warmup; i++) call.run();
        double[] ms = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }
}
