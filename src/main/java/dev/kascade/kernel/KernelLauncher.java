package dev.kascade.kernel;

import java.lang.reflect.Method;

/**
 * Something that runs a kernel method over a launch geometry and returns when it has finished: the CPU
 * emulator, or the CUDA backend (which copies buffers to the device, launches, and copies back every
 * buffer not marked {@link ReadOnly}). Tests and the self-test run the same kernel through either.
 */
@FunctionalInterface
public interface KernelLauncher {
    /**
     * @param kernel a static {@link Kernel} method whose first parameter is a {@link KernelContext}
     * @param config grid, block and dynamic shared memory
     * @param args   the kernel's arguments after the context, in order ({@code @Const} values included)
     */
    void launch(Method kernel, LaunchConfig config, Object... args);
}
