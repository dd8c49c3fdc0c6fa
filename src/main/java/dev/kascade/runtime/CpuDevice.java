package dev.kascade.runtime;

import dev.kascade.emulator.Emulator;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.LaunchConfig;
import java.lang.reflect.Method;

/**
 * The CPU as a device: tasks run through the emulator ({@link Emulator#launch}) with GPU semantics, on the
 * host buffers themselves (a buffer's "device copy" is the buffer, so transfers move nothing). Times are
 * wall clock.
 */
public final class CpuDevice implements Device {
    static final CpuDevice INSTANCE = new CpuDevice();

    private CpuDevice() {
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return SystemInfo.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores (GPU emulator)";
    }

    /** The host buffer standing in for its device copy. */
    record HostResident(KernelBuffer buffer) implements Resident {
        @Override
        public long byteSize() {
            return buffer.byteSize();
        }

        @Override
        public void close() {
        }
    }

    @Override
    public Resident allocate(KernelBuffer host) {
        return new HostResident(host);
    }

    @Override
    public void copyToDevice(KernelBuffer host, Resident copy) {
        requireOwn(host, copy);
    }

    @Override
    public void copyToHost(Resident copy, KernelBuffer host) {
        requireOwn(host, copy);
    }

    private static void requireOwn(KernelBuffer host, Resident copy) {
        if (!(copy instanceof HostResident r) || r.buffer() != host) {
            throw new IllegalArgumentException("copy: " + copy + " is not the CPU device copy of " + host);
        }
    }

    @Override
    public double launch(Method kernel, LaunchConfig config, Object[] args) {
        Object[] host = args.clone();
        for (int i = 0; i < host.length; i++) {
            if (host[i] instanceof HostResident r) {
                host[i] = r.buffer();
            } else if (host[i] instanceof Resident) {
                throw new IllegalArgumentException("args: argument " + (i + 1) + " is a device copy of another device");
            }
        }
        long t0 = System.nanoTime();
        Emulator.launch(kernel, config, host);
        return (System.nanoTime() - t0) / 1e6;
    }

    @Override
    public String toString() {
        return "cpu";
    }
}
