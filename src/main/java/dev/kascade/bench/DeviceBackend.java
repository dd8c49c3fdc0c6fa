package dev.kascade.bench;

/**
 * What {@code kascade bench} needs from a device: a {@link RoleTimer} for the speed columns and one pass
 * through all layers of the plan for the fidelity columns.
 */
public interface DeviceBackend {
    /** "cpu", "cuda". */
    String name();

    /**
     * The bandwidth ceiling dense decode is compared against; the host's memory read bandwidth by default
     * (a GPU backend reports its device-memory probe instead).
     */
    default BandwidthProbe.Result measureBandwidth() {
        return BandwidthProbe.measure();
    }

    /** Prepares one layer of synthetic data on the device and returns a timer over it. */
    RoleTimer openTimer(BenchSpec spec, SyntheticWorkload workload);

    /** Runs every layer of {@code workload.plan()} once through Kascade and dense, layer by layer. */
    Fidelity measureFidelity(BenchSpec spec, SyntheticWorkload workload, Progress progress);

    /** The backend for {@code --device}: "cpu" always; "cuda" fails clearly until the GPU path registers one. */
    static DeviceBackend forName(String device) {
        return switch (device.toLowerCase(java.util.Locale.ROOT)) {
            case "cpu" -> new CpuBackend();
            case "cuda", "gpu" -> throw new UnsupportedOperationException(
                    "device cuda: no CUDA backend is available in this build (and the bench found no GPU); "
                            + "run with --device cpu");
            default -> throw new IllegalArgumentException("device: expected cpu or cuda but got '" + device + "'");
        };
    }
}
