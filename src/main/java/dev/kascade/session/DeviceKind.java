package dev.kascade.session;

/** Where a {@link KascadeSession} runs attention. */
public enum DeviceKind {
    /** The CPU path: Vector API kernels on all cores ({@code dev.kascade.cpu}). */
    CPU,
    /** NVIDIA GPUs through the PTX kernels; not wired into sessions yet. */
    CUDA
}
