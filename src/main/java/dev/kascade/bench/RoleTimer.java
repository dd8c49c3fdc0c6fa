package dev.kascade.bench;

/**
 * Times single attention calls of each {@link TimedRole} on one device, on one layer of synthetic data that
 * the timer prepared when it was opened (for the CPU: tensors in native memory; for a GPU: device buffers).
 * The reuse role reads index sets that an anchor call produced, so the sparse gather is realistic.
 *
 * <p>Implementations: {@link CpuDecodeTimer}, {@link CpuPrefillTimer}; another device plugs in through
 * {@link DeviceBackend}.
 */
public interface RoleTimer extends AutoCloseable {
    /** Words naming the device, for the report ("cpu: 2 cores, AMD EPYC", "cuda: NVIDIA H200"). */
    String device();

    /**
     * Runs {@code warmup} untimed calls of {@code role}, then {@code iters} timed ones.
     *
     * @return milliseconds per call, one entry per timed call
     */
    double[] time(TimedRole role, int warmup, int iters);

    /**
     * How many copies of the layer the calls rotate over, so that a call does not find the previous call's rows
     * in the caches (1: every call reads the same data).
     */
    default int layerCopies() {
        return 1;
    }

    /** Frees the prepared data. */
    @Override
    void close();
}
