package dev.kascade.bench;

/** The CPU backend of {@code kascade bench} (interim: waits for the cpu package's Kascade entry points). */
final class CpuBackend implements DeviceBackend {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public RoleTimer openTimer(BenchSpec spec, SyntheticWorkload workload) {
        throw new UnsupportedOperationException("device cpu: the CPU Kascade kernels are not in this build yet");
    }

    @Override
    public Fidelity measureFidelity(BenchSpec spec, SyntheticWorkload workload, Progress progress) {
        throw new UnsupportedOperationException("device cpu: the CPU Kascade kernels are not in this build yet");
    }
}
