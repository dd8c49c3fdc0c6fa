package dev.kascade.runtime;

import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.KernelLauncher;
import dev.kascade.kernel.LaunchConfig;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one kernel on a GPU as a {@link KernelLauncher}: copies every buffer argument to fresh device memory,
 * compiles (cached), launches, synchronizes, copies back every buffer not marked {@code @ReadOnly} and
 * frees the device memory. For repeated launches on resident data use an {@link ExecutionPlan}.
 */
public final class CudaKernelLauncher implements KernelLauncher {
    private final CudaDevice device;

    public CudaKernelLauncher(CudaDevice device) {
        this.device = device;
    }

    /**
     * A launcher on the configured GPU ({@code cuda.device} in {@code tornado-config/cuda.properties}).
     *
     * @throws dev.kascade.cuda.CudaUnavailableException when there is no usable GPU
     */
    public static KernelLauncher create() {
        return new CudaKernelLauncher(Devices.cuda(CudaConfig.get().device()));
    }

    @Override
    public void launch(Method kernel, LaunchConfig config, Object... args) {
        KernelMethods.validate(kernel);
        KernelMethods.checkArguments(kernel, args);
        Map<KernelBuffer, Resident> copies = new IdentityHashMap<>();
        List<Resident> owned = new ArrayList<>();
        try {
            Object[] deviceArgs = args.clone();
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof KernelBuffer b) {
                    Resident r = copies.get(b);
                    if (r == null) {
                        r = device.allocate(b);
                        owned.add(r);
                        copies.put(b, r);
                        device.copyToDevice(b, r);
                    }
                    deviceArgs[i] = r;
                }
            }
            device.launch(kernel, config, deviceArgs);
            for (int i = 0; i < args.length; i++) {
                // Copy back once per buffer, unless every parameter it is passed as is @ReadOnly.
                if (args[i] instanceof KernelBuffer b && !KernelMethods.isReadOnly(kernel, i + 1) && copies.containsKey(b)) {
                    device.copyToHost(copies.remove(b), b);
                }
            }
        } finally {
            for (Resident r : owned) r.close();
        }
    }
}
