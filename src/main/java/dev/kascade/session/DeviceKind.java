package dev.kascade.session;

/** Where a {@link KascadeSession} runs attention. */
public enum DeviceKind {
    /** The CPU path: Vector API kernels on all cores ({@code dev.kascade.cpu}). */
    CPU,
    /** An NVIDIA GPU through the PTX kernels: device-resident KV cache and decode (prefill on the CPU). */
    CUDA
}
