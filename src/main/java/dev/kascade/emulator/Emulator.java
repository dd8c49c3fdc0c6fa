package dev.kascade.emulator;

import dev.kascade.kernel.LaunchConfig;
import java.lang.reflect.Method;

/**
 * Runs kernel methods on the CPU with GPU semantics. Placeholder until the emulator lands: the signature
 * is the contract the runtime codes against.
 */
public final class Emulator {
    private Emulator() {
    }

    /**
     * Runs {@code kernel} over the launch geometry and returns when every block has finished.
     *
     * @param args the kernel's arguments after the {@code KernelContext}, in order
     * @throws KernelFailure on a divergent barrier, an out-of-bounds access or an exception in a thread,
     *                       naming the kernel, block and thread
     */
    public static void launch(Method kernel, LaunchConfig config, Object... args) {
        throw new UnsupportedOperationException("the CPU emulator is not built yet");
    }
}
