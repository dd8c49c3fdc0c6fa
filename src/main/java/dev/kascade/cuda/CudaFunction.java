package dev.kascade.cuda;

import dev.kascade.kernel.LaunchConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A kernel entry of a loaded module. {@link #launch} checks the geometry against the function's limits,
 * opts in to more than 48 KB of dynamic shared memory when asked, marshals the arguments and enqueues.
 */
public final class CudaFunction {
    /** Dynamic shared memory every kernel may use without opting in. */
    public static final int DEFAULT_SHARED_LIMIT = 48 * 1024;

    private final CudaContext context;
    private final CudaModule module;
    private final long handle;
    private final String name;
    private int dynamicSharedOptIn;
    private int maxThreads = -1;
    private int staticShared = -1;

    CudaFunction(CudaContext context, CudaModule module, long handle, String name) {
        this.context = context;
        this.module = module;
        this.handle = handle;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Registers per thread after the JIT ({@code CU_FUNC_ATTRIBUTE_NUM_REGS}). */
    public int registers() {
        return attribute(CudaDriver.FUNC_ATTR_NUM_REGS);
    }

    /** Static shared memory per block in bytes. */
    public int staticSharedBytes() {
        return attribute(CudaDriver.FUNC_ATTR_SHARED_SIZE_BYTES);
    }

    /** Local memory (stack, spills) per thread in bytes; non-zero usually means register spills. */
    public int localBytes() {
        return attribute(CudaDriver.FUNC_ATTR_LOCAL_SIZE_BYTES);
    }

    /** The largest block this function can be launched with (register pressure can lower it below 1024). */
    public int maxThreadsPerBlock() {
        return attribute(CudaDriver.FUNC_ATTR_MAX_THREADS_PER_BLOCK);
    }

    private int attribute(int attr) {
        requireLoaded();
        context.makeCurrent();
        return context.driver().funcGetAttribute(attr, handle);
    }

    /**
     * Enqueues one launch on {@code stream} (null: the default stream). Returns once queued; synchronize
     * the stream or context to wait for it.
     */
    public void launch(LaunchConfig config, KernelParams params, CudaStream stream) {
        requireLoaded();
        if (maxThreads < 0) maxThreads = maxThreadsPerBlock(); // fixed once the module is loaded
        if (config.threadsPerBlock() > maxThreads) {
            throw new IllegalArgumentException("block: kernel " + name + " can run at most " + maxThreads
                    + " threads per block (register use) but the launch asks for " + config.threadsPerBlock());
        }
        prepareDynamicShared(config.dynamicSharedBytes());
        context.makeCurrent();
        long s = stream == null ? 0L : stream.handle();
        MemorySegment prepared = params.prepared();
        if (prepared != null) {
            enqueue(config, s, prepared);
            return;
        }
        try (Arena arena = Arena.ofConfined()) { // the driver copies the arguments during the call
            enqueue(config, s, params.write(arena));
        }
    }

    /** cuLaunchKernel, or cuLaunchKernelEx where the launch is early and the GPU supports it (Hopper and later). */
    private void enqueue(LaunchConfig config, long stream, MemorySegment params) {
        if (config.earlyLaunch() && context.info().ccMajor() >= 9) {
            context.driver().launchKernelEarly(handle, config.gridX(), config.gridY(), config.gridZ(), config.blockX(),
                    config.blockY(), 1, config.dynamicSharedBytes(), stream, params);
        } else {
            context.driver().launchKernel(handle, config.gridX(), config.gridY(), config.gridZ(), config.blockX(),
                    config.blockY(), 1, config.dynamicSharedBytes(), stream, params);
        }
    }

    /**
     * Raises {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES} when a launch's dynamic plus static shared
     * memory exceeds the default 48 KB (without it such a launch fails with CUDA_ERROR_INVALID_VALUE, even when
     * the dynamic part alone is below 48 KB).
     */
    private void prepareDynamicShared(int bytes) {
        if (bytes == 0 || bytes <= dynamicSharedOptIn) return;
        if (staticShared < 0) staticShared = staticSharedBytes(); // fixed once the module is loaded
        if ((long) bytes + staticShared <= DEFAULT_SHARED_LIMIT) return;
        int optin = context.info().maxSharedPerBlockOptin();
        if ((long) bytes + staticShared > optin) {
            throw new IllegalArgumentException("dynamicSharedBytes: kernel " + name + " asks for " + bytes
                    + " bytes of dynamic shared memory plus " + staticShared + " static, but "
                    + context.info().name() + " allows at most " + optin + " per block");
        }
        context.makeCurrent();
        context.driver().funcSetAttribute(handle, CudaDriver.FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
        dynamicSharedOptIn = bytes;
    }

    private void requireLoaded() {
        if (module.isClosed()) throw new IllegalStateException("kernel " + name + ": its module is unloaded");
    }
}
