package dev.kascade.runtime;

import dev.kascade.kernel.LaunchConfig;

/**
 * A thread grid in TornadoVM/OpenCL terms: global sizes (total threads per dimension) and local sizes
 * (threads per block). The launch uses {@code ceil(global / local)} blocks per dimension, so a kernel must
 * check its index against the problem size when global is not a multiple of local. Blocks are at most
 * two-dimensional (local z is 1); the grid may have three dimensions.
 *
 * @param globalX            threads in x
 * @param globalY            threads in y (1 for 1-D)
 * @param globalZ            threads in z (1 for 1-D and 2-D)
 * @param localX             threads per block in x
 * @param localY             threads per block in y
 * @param dynamicSharedBytes dynamic shared memory per block
 */
public record WorkerGrid(long globalX, long globalY, long globalZ, int localX, int localY, int dynamicSharedBytes) {
    public WorkerGrid {
        if (globalX <= 0 || globalY <= 0 || globalZ <= 0) {
            throw new IllegalArgumentException("global: expected positive sizes but got " + globalX + "x" + globalY + "x" + globalZ);
        }
        if (localX <= 0 || localY <= 0) {
            throw new IllegalArgumentException("local: expected positive sizes but got " + localX + "x" + localY);
        }
        if (dynamicSharedBytes < 0) {
            throw new IllegalArgumentException("dynamicSharedBytes: expected >= 0 but got " + dynamicSharedBytes);
        }
    }

    /** {@code global} threads in blocks of {@code local}. */
    public static WorkerGrid of1D(long global, int local) {
        return new WorkerGrid(global, 1, 1, local, 1, 0);
    }

    public static WorkerGrid of2D(long globalX, long globalY, int localX, int localY) {
        return new WorkerGrid(globalX, globalY, 1, localX, localY, 0);
    }

    /** A 3-D grid of 2-D blocks ({@code localZ} must be 1: blocks have no z extent here). */
    public static WorkerGrid of3D(long globalX, long globalY, long globalZ, int localX, int localY, int localZ) {
        if (localZ != 1) {
            throw new IllegalArgumentException("localZ: blocks are at most two-dimensional here; expected 1 but got " + localZ);
        }
        return new WorkerGrid(globalX, globalY, globalZ, localX, localY, 0);
    }

    public WorkerGrid withDynamicShared(int bytes) {
        return new WorkerGrid(globalX, globalY, globalZ, localX, localY, bytes);
    }

    /** The launch geometry: blocks = ceil(global / local) per dimension. */
    public LaunchConfig toLaunchConfig() {
        return new LaunchConfig(blocks(globalX, localX, "x"), blocks(globalY, localY, "y"), blocks(globalZ, 1, "z"),
                localX, localY, dynamicSharedBytes);
    }

    private static int blocks(long global, int local, String dim) {
        long b = (global + local - 1) / local;
        if (b > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("global " + dim + ": " + global + " threads need " + b + " blocks, more than a grid holds");
        }
        return (int) b;
    }
}
