package dev.kascade.bench;

import java.time.Instant;
import java.util.Arrays;

/**
 * Runs one {@link BenchSpec} on a {@link DeviceBackend}: times dense and the three Kascade roles side by side on
 * the same prepared layer (warm-up, then {@code iters} rounds of one call per role, median per role), then one
 * fidelity pass through all
 * layers of the workload's plan.
 */
public final class BenchRunner {
    private final DeviceBackend backend;
    private final BandwidthProbe.Result bandwidth;
    private final Progress progress;

    /**
     * @param bandwidth the probe result to report with every row (probe once per process), or null
     */
    public BenchRunner(DeviceBackend backend, BandwidthProbe.Result bandwidth, Progress progress) {
        this.backend = backend;
        this.bandwidth = bandwidth;
        this.progress = progress;
    }

    public BenchResult run(BenchSpec spec) {
        SyntheticWorkload workload = new SyntheticWorkload(spec.workload());
        double[] median = new double[TimedRole.values().length];
        String deviceName;
        String label = spec.label();
        progress.update(label + ": preparing one layer");
        try (RoleTimer timer = backend.openTimer(spec, workload)) {
            deviceName = timer.device();
            for (TimedRole role : TimedRole.values()) {
                progress.update(label + ": warming up " + role.label());
                timer.time(role, spec.warmup(), 1);
            }
            // Rounds of one call per role, so load changes on a shared machine hit every role alike.
            double[][] samples = new double[TimedRole.values().length][spec.iters()];
            for (int i = 0; i < spec.iters(); i++) {
                progress.update(label + ": timing round " + (i + 1) + "/" + spec.iters());
                for (TimedRole role : TimedRole.values()) samples[role.ordinal()][i] = timer.time(role, 0, 1)[0];
            }
            for (TimedRole role : TimedRole.values()) median[role.ordinal()] = median(samples[role.ordinal()]);
        }
        Fidelity fidelity = backend.measureFidelity(spec, workload, progress);
        progress.done();
        return new BenchResult(spec, deviceName, median[TimedRole.DENSE.ordinal()], median[TimedRole.LAYER0.ordinal()],
                median[TimedRole.ANCHOR.ordinal()], median[TimedRole.REUSE.ordinal()], fidelity, bandwidth, Instant.now());
    }

    /** The median of the samples (mean of the two middle ones for an even count). */
    public static double median(double[] samples) {
        if (samples.length == 0) throw new IllegalArgumentException("samples: expected at least one timing");
        double[] s = samples.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }
}
