package dev.kascade.emulator;

/**
 * Unwinds a kernel thread once the launch has failed elsewhere (another thread's exception, a divergent
 * barrier). Never escapes the emulator: the launch reports the original {@link KernelFailure}.
 */
final class Abort extends Error {
    static final Abort INSTANCE = new Abort();

    private Abort() {
        super("launch aborted", null, false, false);
    }
}
