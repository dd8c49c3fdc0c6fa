package dev.kascade.kernel;

/**
 * Launch geometry of one kernel: a grid of blocks (x, y, z), threads per block (x, y) and the bytes of
 * dynamic shared memory. Shared by the CPU emulator and the CUDA launcher so both run the same geometry.
 *
 * <p>{@code earlyLaunch}: on a GPU that supports it (compute capability 9.0+), the kernel may be launched before the
 * kernel queued ahead of it has finished (CUDA's programmatic dependent launch), so its blocks are resident when that
 * kernel's last blocks end instead of a launch latency later. Such a kernel must call
 * {@link KernelContext#gridDependencyWait()} before it reads anything the kernel ahead wrote. The CPU devices run
 * kernels one after the other and ignore it.
 */
public record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int dynamicSharedBytes,
                           boolean earlyLaunch) {
    public static final int MAX_THREADS_PER_BLOCK = 1024;

    /** A launch that starts after the kernel ahead of it has finished. */
    public LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int dynamicSharedBytes) {
        this(gridX, gridY, gridZ, blockX, blockY, dynamicSharedBytes, false);
    }

    public LaunchConfig {
        if (gridX <= 0 || gridY <= 0 || gridZ <= 0) {
            throw new IllegalArgumentException("grid: expected positive sizes but got " + gridX + "x" + gridY + "x" + gridZ);
        }
        if (blockX <= 0 || blockY <= 0 || (long) blockX * blockY > MAX_THREADS_PER_BLOCK) {
            throw new IllegalArgumentException("block: expected 1.." + MAX_THREADS_PER_BLOCK + " threads but got "
                    + blockX + "x" + blockY);
        }
        if (dynamicSharedBytes < 0) {
            throw new IllegalArgumentException("dynamicSharedBytes: expected >= 0 but got " + dynamicSharedBytes);
        }
    }

    /** A 1-D grid of {@code blocks} blocks of {@code threads} threads. */
    public static LaunchConfig of1D(int blocks, int threads) {
        return new LaunchConfig(blocks, 1, 1, threads, 1, 0);
    }

    public LaunchConfig withDynamicShared(int bytes) {
        return new LaunchConfig(gridX, gridY, gridZ, blockX, blockY, bytes, earlyLaunch);
    }

    /** This geometry, launched early (see the class comment). */
    public LaunchConfig withEarlyLaunch() {
        return new LaunchConfig(gridX, gridY, gridZ, blockX, blockY, dynamicSharedBytes, true);
    }

    public int threadsPerBlock() {
        return blockX * blockY;
    }

    public long blocks() {
        return (long) gridX * gridY * gridZ;
    }
}
