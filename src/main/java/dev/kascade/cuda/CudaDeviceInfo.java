package dev.kascade.cuda;

import dev.kascade.ptx.PtxTarget;

/**
 * What the driver reports about one GPU.
 *
 * @param ordinal               device index (0 = first GPU)
 * @param name                  marketing name, e.g. "NVIDIA H200"
 * @param ccMajor               compute capability major (9 for Hopper)
 * @param ccMinor               compute capability minor
 * @param multiprocessors       number of SMs
 * @param totalMemoryBytes      device memory
 * @param l2Bytes               L2 cache size
 * @param maxSharedPerBlockOptin shared memory a block may use after opting in (227 KB on Hopper)
 * @param memoryClockKHz        peak memory clock
 * @param memoryBusWidthBits    global memory bus width
 * @param driverVersion         1000 * major + 10 * minor of the driver's CUDA version
 */
public record CudaDeviceInfo(int ordinal, String name, int ccMajor, int ccMinor, int multiprocessors,
                             long totalMemoryBytes, int l2Bytes, int maxSharedPerBlockOptin, int memoryClockKHz,
                             int memoryBusWidthBits, int driverVersion) {

    /** Reads every field from the driver (no context needed). */
    public static CudaDeviceInfo query(CudaDriver driver, int ordinal) {
        int count = driver.deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new CudaUnavailableException("device ordinal " + ordinal + " out of range: this machine has " + count
                    + " CUDA device(s)");
        }
        int dev = driver.device(ordinal);
        return new CudaDeviceInfo(ordinal, driver.deviceName(dev),
                driver.deviceAttribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR, dev),
                driver.deviceAttribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR, dev),
                driver.deviceAttribute(CudaDriver.ATTR_MULTIPROCESSOR_COUNT, dev),
                driver.deviceTotalMem(dev),
                driver.deviceAttribute(CudaDriver.ATTR_L2_CACHE_SIZE, dev),
                driver.deviceAttribute(CudaDriver.ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev),
                driver.deviceAttribute(CudaDriver.ATTR_MEMORY_CLOCK_RATE, dev),
                driver.deviceAttribute(CudaDriver.ATTR_GLOBAL_MEMORY_BUS_WIDTH, dev),
                driver.driverVersion());
    }

    /** "9.0". */
    public String computeCapability() {
        return ccMajor + "." + ccMinor;
    }

    /** "13.0". */
    public String driverCudaVersion() {
        return (driverVersion / 1000) + "." + (driverVersion % 1000) / 10;
    }

    /**
     * Theoretical memory bandwidth in GB/s from clock and bus width (double data rate). The driver's clock
     * figure for HBM understates vendor peaks, so treat this as indicative only.
     */
    public double theoreticalBandwidthGBs() {
        return 2.0 * memoryClockKHz * 1e3 * (memoryBusWidthBits / 8.0) / 1e9;
    }

    /**
     * The newest PTX target this GPU runs.
     *
     * @throws CudaUnavailableException below compute capability 8.0 (Kascade's kernels use bf16 {@code mma},
     *                                  {@code cp.async} and {@code redux}, which need Ampere or newer)
     */
    public PtxTarget bestTarget() {
        if (ccMajor >= 9) return PtxTarget.SM_90;
        if (ccMajor >= 8) return PtxTarget.SM_80;
        throw new CudaUnavailableException("GPU " + ordinal + " (" + name + ") has compute capability "
                + computeCapability() + "; Kascade needs 8.0 or newer (Ampere, Hopper)");
    }

    /**
     * @throws CudaUnavailableException when PTX built for {@code target} cannot run here (for example
     *                                  sm_90 code on an sm_80 A100)
     */
    public void requireTarget(PtxTarget target) {
        int needMajor = switch (target) {
            case SM_90 -> 9;
            case SM_80 -> 8;
        };
        bestTarget();
        if (ccMajor < needMajor) {
            throw new CudaUnavailableException("PTX for " + target.ptxName() + " cannot run on GPU " + ordinal + " ("
                    + name + ", compute capability " + computeCapability() + "); compile for "
                    + bestTarget().ptxName());
        }
    }
}
