package dev.kascade.bench;

import java.time.Instant;
import java.util.Arrays;

/**
 * Runs one {@link BenchSpec} on a {@link DeviceBackend}: times dense and the three Kascade roles side by side on
 * the same prepared layer (warm-up, then {@code iters} rounds of one call per role), then one fidelity pass through
 * all layers of the workload's plan. Each role is reported as its best (minimum) round, the statistic the
 * bandwidth probe reports too and the one least polluted by other tenants of a shared machine, plus its median.
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
        String label = spec.label();
        progress.update(label + ": preparing one layer");
        try {
            return measure(spec, workload, label);
        } finally {
            progress.done(); // also when it fails, so that the error starts on a clean line
        }
    }

    private BenchResult measure(BenchSpec spec, SyntheticWorkload workload, String label) {
        double[] best = new double[TimedRole.values().length];
        double[] median = new double[TimedRole.values().length];
        String deviceName;
        int layerCopies;
        try (RoleTimer timer = backend.openTimer(spec, workload)) {
            deviceName = timer.device();
            layerCopies = timer.layerCopies();
            for (TimedRole role : TimedRole.values()) {
                progress.update(label + ": warming up " + role.label());
                timer.time(role, spec.warmupCalls(), 1);
            }
            // Rounds of one call per role, so load changes on a shared machine hit every role alike.
            double[][] samples = new double[TimedRole.values().length][spec.iters()];
            for (int i = 0; i < spec.iters(); i++) {
                progress.update(label + ": timing round " + (i + 1) + "/" + spec.iters());
                for (TimedRole role : TimedRole.values()) samples[role.ordinal()][i] = timer.time(role, 0, 1)[0];
            }
            for (TimedRole role : TimedRole.values()) {
                best[role.ordinal()] = best(samples[role.ordinal()]);
                median[role.ordinal()] = median(samples[role.ordinal()]);
            }
        }
        Fidelity fidelity = backend.measureFidelity(spec, workload, progress);
        return new BenchResult(spec, deviceName, layerCopies, roles(best), roles(median), fidelity, bandwidth,
                Instant.now());
    }

    private static BenchResult.RoleTimes roles(double[] ms) {
        return new BenchResult.RoleTimes(ms[TimedRole.DENSE.ordinal()], ms[TimedRole.LAYER0.ordinal()],
                ms[TimedRole.ANCHOR.ordinal()], ms[TimedRole.REUSE.ordinal()]);
    }

    /** The smallest sample (the best repetition). */
    public static double best(double[] samples) {
        if (samples.length == 0) throw new IllegalArgumentException("samples: expected at least one timing");
        double m = samples[0];
        for (double x : samples) m = Math.min(m, x);
        return m;
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
