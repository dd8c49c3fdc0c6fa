package dev.kascade.bench;

/**
 * Times single attention calls of each {@link TimedRole} on one device, on one layer of synthetic data that
 * the timer prepared when it was opened (for the CPU: tensors in native memory; for a GPU: device buffers).
 * The reuse role reads index sets that an anchor call produced, so the sparse gather is realistic.
 *
 * <p>Implementations: {@link CpuRoleTimer}. A CUDA timer plugs in through {@link DeviceBackend}.
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

    /** Frees the prepared data. */
    @Override
    void close();
}
