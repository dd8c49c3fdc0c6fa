package dev.kascade.runtime;

import dev.kascade.cuda.CudaContext;
import dev.kascade.cuda.CudaDeviceInfo;
import dev.kascade.cuda.CudaDriver;
import dev.kascade.cuda.CudaEvent;
import dev.kascade.cuda.CudaException;
import dev.kascade.cuda.CudaFunction;
import dev.kascade.cuda.CudaModule;
import dev.kascade.cuda.DeviceMemory;
import dev.kascade.cuda.KernelParams;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.ptx.PtxModule;
import dev.kascade.ptx.PtxTarget;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * One CUDA GPU as a {@link Device}: device copies are {@link DeviceMemory} allocations, kernels are compiled
 * through the {@link ModuleCache} for the GPU's best target, loaded once per context and launched with
 * their time measured by CUDA events. {@link #launch} waits for the kernel; {@link #submit} queues it and
 * {@link #synchronize()} waits for everything queued; {@link #enqueue} queues it without events. A fault inside a
 * kernel surfaces as a {@link CudaException} naming the kernel (or the kernels queued since the last
 * synchronization).
 */
public final class CudaDevice implements Device {
    private final CudaContext context;
    private final ModuleCache modules;
    private final int jitLogBytes;
    private final PtxTarget target;
    private final Map<ModuleCache.Key, Loaded> loaded = new ConcurrentHashMap<>();
    private final Deque<CudaEvent> freeEvents = new ArrayDeque<>();
    private final List<Pending> inFlight = new ArrayList<>();

    private record Loaded(PtxModule ptx, CudaModule module, CudaFunction function) {
    }

    private CudaDevice(CudaContext context, ModuleCache modules, int jitLogBytes) {
        this.context = context;
        this.modules = modules;
        this.jitLogBytes = jitLogBytes;
        this.target = context.info().bestTarget();
    }

    /**
     * Opens GPU {@code ordinal} of {@code driver}. {@link Devices#cuda(int)} does this once per GPU with the
     * system driver and the shared module cache.
     */
    public static CudaDevice open(CudaDriver driver, int ordinal, ModuleCache modules, int jitLogBytes) {
        return new CudaDevice(CudaContext.open(driver, ordinal), modules, jitLogBytes);
    }

    public CudaContext context() {
        return context;
    }

    public CudaDeviceInfo info() {
        return context.info();
    }

    /** The PTX target kernels are compiled for on this GPU. */
    public PtxTarget target() {
        return target;
    }

    @Override
    public String name() {
        return "cuda:" + context.info().ordinal();
    }

    @Override
    public String description() {
        CudaDeviceInfo i = context.info();
        return String.format("%s (compute %s, %d SMs, %.1f GiB)", i.name(), i.computeCapability(), i.multiprocessors(),
                i.totalMemoryBytes() / (double) (1L << 30));
    }

    /** A device copy: one allocation the size of the buffer. */
    record DeviceResident(DeviceMemory memory, long byteSize) implements Resident {
        @Override
        public void close() {
            memory.close();
        }
    }

    @Override
    public Resident allocate(KernelBuffer host) {
        // cuMemAlloc refuses 0 bytes; an empty buffer still needs a valid pointer to pass.
        return new DeviceResident(context.allocate(Math.max(1, host.byteSize())), host.byteSize());
    }

    @Override
    public void copyToDevice(KernelBuffer host, Resident copy) {
        own(copy).memory().copyFromHost(host.segment());
    }

    @Override
    public void copyToHost(Resident copy, KernelBuffer host) {
        own(copy).memory().copyToHost(host.segment());
    }

    private DeviceResident own(Resident copy) {
        if (copy instanceof DeviceResident r && r.memory().context() == context) return r;
        throw new IllegalArgumentException("copy: " + copy + " is not a device copy on " + name());
    }

    /** The compiled module of {@code kernel} for these arguments (cached). */
    public PtxModule compile(Method kernel, Object[] args) {
        return modules.get(kernel, KernelMethods.constants(kernel, args), target);
    }

    /** A queued launch: its events (none when untimed), and its time once the device has synchronized. */
    private final class Pending implements DoubleSupplier {
        final String kernel;
        final CudaEvent start;
        final CudaEvent end;
        double millis = Double.NaN;

        Pending(String kernel, CudaEvent start, CudaEvent end) {
            this.kernel = kernel;
            this.start = start;
            this.end = end;
        }

        @Override
        public double getAsDouble() {
            if (Double.isNaN(millis)) {
                throw new IllegalStateException("kernel " + kernel + " has not been synchronized yet; call synchronize()");
            }
            return millis;
        }
    }

    @Override
    public synchronized double launch(Method kernel, LaunchConfig config, Object[] args) {
        DoubleSupplier time = submit(kernel, config, args);
        synchronize();
        return time.getAsDouble();
    }

    @Override
    public synchronized DoubleSupplier submit(Method kernel, LaunchConfig config, Object[] args) {
        return queue(kernel, config, args, true);
    }

    @Override
    public synchronized void enqueue(Method kernel, LaunchConfig config, Object[] args) {
        queue(kernel, config, args, false);
    }

    /** Launches {@code kernel} on the stream, between two events when {@code timed}; a fault names it. */
    private Pending queue(Method kernel, LaunchConfig config, Object[] args, boolean timed) {
        KernelMethods.validate(kernel);
        Map<String, Object> constants = KernelMethods.constants(kernel, args);
        Loaded l = loaded.computeIfAbsent(new ModuleCache.Key(kernel, constants, target), k -> {
            PtxModule ptx = modules.get(kernel, constants, target);
            context.info().requireTarget(ptx.target());
            CudaModule module = context.loadModule(ptx.ptx(), jitLogBytes);
            return new Loaded(ptx, module, module.function(ptx.entryName()));
        });
        Object[] deviceArgs = args.clone();
        for (int i = 0; i < deviceArgs.length; i++) {
            if (deviceArgs[i] instanceof Resident r) deviceArgs[i] = own(r).memory();
            else if (deviceArgs[i] instanceof KernelBuffer b) {
                throw new IllegalArgumentException("args: argument " + (i + 1) + " (" + b + ") has no device copy");
            }
        }
        KernelParams params = KernelParams.marshal(l.ptx().entryName(), l.ptx().params(), deviceArgs);
        String what = l.ptx().entryName() + " (grid " + config.gridX() + "x" + config.gridY() + "x" + config.gridZ()
                + ", block " + config.blockX() + "x" + config.blockY() + ")";
        Pending p = timed ? new Pending(what, event(), event()) : new Pending(what, null, null);
        if (timed) p.start.record(null);
        l.function().launch(config, params, null);
        if (timed) p.end.record(null);
        inFlight.add(p);
        return p;
    }

    /** Waits for the queued kernels and reads their event times; the events go back to the pool. */
    @Override
    public synchronized void synchronize() {
        if (inFlight.isEmpty()) return;
        List<Pending> done = new ArrayList<>(inFlight);
        inFlight.clear();
        try {
            context.synchronize();
        } catch (CudaException e) {
            throw new CudaException(e.code(), e.errorName(), "kernel " + (done.size() == 1 ? done.getFirst().kernel
                    : "one of " + done.stream().map(q -> q.kernel).toList()), "the kernel faulted; rerun under "
                    + "compute-sanitizer or on the CPU device (emulator) to find the bad access");
        }
        for (Pending p : done) {
            if (p.start == null) continue; // enqueued untimed
            p.millis = p.end.elapsedMillisSince(p.start);
            freeEvents.push(p.start);
            freeEvents.push(p.end);
        }
    }

    private CudaEvent event() {
        return freeEvents.isEmpty() ? context.createEvent() : freeEvents.pop();
    }

    @Override
    public String toString() {
        return name() + " " + description();
    }
}
