package dev.kascade.runtime;

import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.KernelLauncher;
import dev.kascade.kernel.LaunchConfig;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * A {@link KernelLauncher} whose buffers stay on the device: each host buffer gets one device copy (by identity)
 * on first use, filled from the host then, and kept until {@link #close()}. Launches are queued, not waited for
 * ({@link #synchronize()} waits); {@link #submit} returns the kernel's event time, {@link #launch} records none.
 * For benchmarks and a device-side decode session, where {@link CudaKernelLauncher}'s copy-per-launch would
 * dominate.
 *
 * <p>Host writes after the first use are not seen by the device until {@link #upload}; results are not seen by
 * the host until {@link #download}. {@link #deviceOnly} makes a copy without reading the host buffer (for
 * buffers filled by a kernel, e.g. a synthetic KV cache whose host segment is only a reservation).
 */
public final class ResidentLauncher implements KernelLauncher, AutoCloseable {
    private final Device device;
    private final Map<KernelBuffer, Resident> residents = new IdentityHashMap<>();
    private boolean closed;

    public ResidentLauncher(Device device) {
        if (device == null) throw new IllegalArgumentException("device: expected a Device but got null");
        this.device = device;
    }

    public Device device() {
        return device;
    }

    /** The device copy of {@code b}, made (and filled from the host) on first use. */
    public synchronized Resident resident(KernelBuffer b) {
        checkOpen();
        Resident r = residents.get(b);
        if (r == null) {
            r = device.allocate(b);
            residents.put(b, r);
            device.copyToDevice(b, r);
        }
        return r;
    }

    /** A device copy of {@code b} whose contents the host never provides (a kernel fills it). */
    public synchronized Resident deviceOnly(KernelBuffer b) {
        checkOpen();
        if (residents.containsKey(b)) throw new IllegalStateException("deviceOnly: " + b + " already has a device copy");
        Resident r = device.allocate(b);
        residents.put(b, r);
        return r;
    }

    /** Copies the host's contents of {@code b} to its device copy (made if needed); waits for queued kernels first. */
    public synchronized void upload(KernelBuffer b) {
        checkOpen();
        device.synchronize();
        if (!residents.containsKey(b)) {
            resident(b);
            return;
        }
        device.copyToDevice(b, residents.get(b));
    }

    /** Waits for queued kernels and copies {@code b}'s device copy to the host. */
    public synchronized void download(KernelBuffer b) {
        checkOpen();
        Resident r = residents.get(b);
        if (r == null) throw new IllegalStateException("download: " + b + " has no device copy");
        device.synchronize();
        device.copyToHost(r, b);
    }

    /** Whether {@code b} has a device copy. */
    public synchronized boolean isResident(KernelBuffer b) {
        return residents.containsKey(b);
    }

    /** Queues {@code kernel} on the device copies; the supplier gives its milliseconds after {@link #synchronize()}. */
    public synchronized DoubleSupplier submit(Method kernel, LaunchConfig config, Object... args) {
        return device.submit(kernel, config, deviceArgs(kernel, args));
    }

    /**
     * Queues the kernel without timing it (does not wait; see {@link #synchronize()}): what a decode step uses, as
     * the two events {@link #submit} records around each kernel add commands to the stream between kernels.
     */
    @Override
    public synchronized void launch(Method kernel, LaunchConfig config, Object... args) {
        device.enqueue(kernel, config, deviceArgs(kernel, args));
    }

    private Object[] deviceArgs(Method kernel, Object[] args) {
        checkOpen();
        KernelMethods.validate(kernel);
        KernelMethods.checkArguments(kernel, args);
        Object[] deviceArgs = args.clone();
        for (int i = 0; i < deviceArgs.length; i++) {
            if (deviceArgs[i] instanceof KernelBuffer b) deviceArgs[i] = resident(b);
        }
        return deviceArgs;
    }

    /** Waits for every queued kernel; a fault inside one surfaces here. */
    public synchronized void synchronize() {
        device.synchronize();
    }

    /** Waits for the device and frees every device copy. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        try {
            device.synchronize();
        } catch (RuntimeException e) {
            failures.add(e);
        }
        for (Resident r : residents.values()) {
            try {
                r.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        residents.clear();
        if (!failures.isEmpty()) {
            RuntimeException first = failures.getFirst();
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("resident launcher is closed");
    }
}
