package dev.kascade.bench;

/**
 * A test backend with known per-role times and fidelity, so the bench's arithmetic and JSON can be checked
 * exactly. It still generates the workload's first layer, so shapes and plans are exercised for real.
 */
public final class FixedBackend implements DeviceBackend {
    public static final double DENSE = 10.0;
    public static final double LAYER0 = 12.0;
    public static final double ANCHOR = 9.0;
    public static final double REUSE = 1.5;
    /** Timed calls cycle through {@code t + MEDIAN_EXTRA, t, t + 1000}: with 3m rounds the best is t, the median t + 0.5. */
    public static final double MEDIAN_EXTRA = 0.5;

    public String deviceName = "fixed test device <&>";
    public int timersOpened;

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public BandwidthProbe.Result measureBandwidth() {
        return new BandwidthProbe.Result(40.0, 38.0, 1 << 20, 2, 3);
    }

    @Override
    public RoleTimer openTimer(BenchSpec spec, SyntheticWorkload workload) {
        timersOpened++;
        workload.layer(0);
        int[] calls = new int[TimedRole.values().length];
        return new RoleTimer() {
            @Override
            public String device() {
                return deviceName;
            }

            @Override
            public double[] time(TimedRole role, int warmup, int iters) {
                double t = switch (role) {
                    case DENSE -> DENSE;
                    case LAYER0 -> LAYER0;
                    case ANCHOR -> ANCHOR;
                    case REUSE -> REUSE;
                };
                double[] s = new double[iters];
                for (int i = 0; i < iters; i++) {
                    // Only calls without warm-up count as rounds (the runner's warm-up call asks for warmup > 0).
                    int c = warmup == 0 ? calls[role.ordinal()]++ : 0;
                    s[i] = switch (c % 3) {
                        case 0 -> t + MEDIAN_EXTRA;
                        case 1 -> t;
                        default -> t + 1000;
                    };
                }
                return s;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public Fidelity measureFidelity(BenchSpec spec, SyntheticWorkload workload, Progress progress) {
        double[] err = new double[spec.layers()];
        double[] recall = new double[spec.layers()];
        for (int l = 0; l < spec.layers(); l++) {
            err[l] = l == 0 ? 0 : 0.1;
            recall[l] = l == 0 ? 1 : 0.9;
        }
        return new Fidelity(err, recall);
    }
}
