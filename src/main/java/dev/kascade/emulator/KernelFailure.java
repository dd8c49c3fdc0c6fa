package dev.kascade.emulator;

/** A kernel failed in the emulator: divergent barrier, bad access, or an exception in one of its threads. */
public final class KernelFailure extends RuntimeException {
    public KernelFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
