package dev.kascade.runtime;

import dev.kascade.cuda.CudaDriver;
import dev.kascade.cuda.CudaUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The devices of this machine: the CPU (emulator) and each CUDA GPU, opened once per JVM. */
public final class Devices {
    private static final Map<Integer, CudaDevice> CUDA = new ConcurrentHashMap<>();

    private Devices() {
    }

    /** The CPU device: tasks run through the emulator. */
    public static Device cpu() {
        return CpuDevice.INSTANCE;
    }

    /**
     * CUDA GPU {@code ordinal}.
     *
     * @throws CudaUnavailableException without a driver, without that GPU, or for a GPU below compute 8.0
     */
    public static CudaDevice cuda(int ordinal) {
        CudaDriver driver = CudaDriver.system();
        CudaConfig config = CudaConfig.get();
        return CUDA.computeIfAbsent(ordinal, o -> CudaDevice.open(driver, o, ModuleCache.shared(), config.jitLogBytes()));
    }

    /** The configured GPU ({@code cuda.device}) when CUDA works here, else the CPU. */
    public static Device best() {
        try {
            return cuda(CudaConfig.get().device());
        } catch (CudaUnavailableException e) {
            return cpu();
        }
    }

    /** Number of CUDA GPUs, 0 without a driver. */
    public static int cudaDeviceCount() {
        try {
            return CudaDriver.system().deviceCount();
        } catch (CudaUnavailableException e) {
            return 0;
        }
    }

    /** The CPU followed by every usable GPU. */
    public static List<Device> list() {
        List<Device> all = new ArrayList<>();
        all.add(cpu());
        for (int i = 0; i < cudaDeviceCount(); i++) {
            try {
                all.add(cuda(i));
            } catch (CudaUnavailableException e) {
                // an unsupported GPU is left out of the list; `kascade info` says why
            }
        }
        return all;
    }
}
