package dev.kascade.emulator;

/** Carries a {@link KernelFailure} out of a locked region; the caller records it and unwinds the thread. */
final class Fail extends RuntimeException {
    final KernelFailure failure;

    Fail(KernelFailure failure) {
        super(null, null, false, false);
        this.failure = failure;
    }
}
