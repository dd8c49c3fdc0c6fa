package dev.kascade.bench;

/**
 * The CPU backend of {@code kascade bench}: the Vector API kernels of the {@code cpu} package through
 * {@link dev.kascade.algorithm.KascadeDecoder} and {@link dev.kascade.algorithm.KascadePrefiller}.
 */
final class CpuBackend implements DeviceBackend {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public RoleTimer openTimer(BenchSpec spec, SyntheticWorkload workload) {
        return switch (spec.mode()) {
            case DECODE -> new CpuDecodeTimer(spec, workload);
            case PREFILL -> new CpuPrefillTimer(spec, workload);
        };
    }

    @Override
    public Fidelity measureFidelity(BenchSpec spec, SyntheticWorkload workload, Progress progress) {
        return switch (spec.mode()) {
            case DECODE -> DecodeFidelity.measure(spec, workload, workload.plan(), progress);
            case PREFILL -> PrefillFidelity.measure(spec, workload, workload.plan(), progress);
        };
    }

    /** "cpu: 2 cores, AMD EPYC ..., Vector API 256-bit". */
    static String describe() {
        String model = "";
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            model = System.getProperty("os.arch");
        }
        // the kernels' width (dev.kascade.cpu.Rows.F): the CPU's preferred one unless kascade.cpu.vectorBits says
        return "cpu: " + Runtime.getRuntime().availableProcessors() + " cores, " + model + ", Vector API "
                + dev.kascade.cpu.Rows.F.vectorBitSize() + "-bit";
    }
}
