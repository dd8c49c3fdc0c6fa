package dev.kascade.runtime;

import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.LaunchConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleSupplier;

/**
 * Runs one or more {@link ImmutableTaskGraph}s on a {@link Device}, in TornadoVM's terms. Each host buffer
 * gets one device copy per plan (tracked by identity), created on first use and kept between
 * {@link #execute()} calls, so {@link DataTransferMode#FIRST_EXECUTION} data is copied once and stays
 * resident. {@link #close()} frees every device copy. Switching device with {@link #withDevice(Device)}
 * frees the copies on the old one; they are recreated (and copied) on the new one.
 *
 * <p>Tasks are queued back to back (on a GPU each is bracketed by CUDA events); the plan waits before copies
 * to the host and at the end of {@code execute()}, so a fault inside a kernel surfaces there.
 *
 * <p>Transfer counts in {@link ExecutionResult} are the copies the plan asked for; on the CPU device they
 * cost nothing, since the device copy is the host buffer itself.
 */
public final class ExecutionPlan implements AutoCloseable {
    private final List<ImmutableTaskGraph> graphs;
    private final Map<KernelBuffer, Resident> residents = new IdentityHashMap<>();
    private GridScheduler scheduler = new GridScheduler();
    private Device device;
    private Device residentDevice;
    private int executions;
    private boolean closed;

    public ExecutionPlan(ImmutableTaskGraph... graphs) {
        if (graphs == null || graphs.length == 0) {
            throw new IllegalArgumentException("graphs: expected at least one ImmutableTaskGraph");
        }
        Set<String> names = new HashSet<>();
        for (ImmutableTaskGraph g : graphs) {
            if (g == null) throw new IllegalArgumentException("graphs: null graph");
            if (!names.add(g.name())) throw new IllegalArgumentException("graphs: two graphs are named '" + g.name() + "'");
        }
        this.graphs = List.of(graphs);
    }

    /** Launch geometry for every {@code "graph.task"}. */
    public synchronized ExecutionPlan withGridScheduler(GridScheduler scheduler) {
        if (scheduler == null) throw new IllegalArgumentException("scheduler: null");
        this.scheduler = scheduler;
        return this;
    }

    /** The device to run on (default: {@link Devices#best()}). */
    public synchronized ExecutionPlan withDevice(Device device) {
        if (device == null) throw new IllegalArgumentException("device: null");
        this.device = device;
        return this;
    }

    /** The device the next {@link #execute()} uses. */
    public synchronized Device device() {
        if (device == null) device = Devices.best();
        return device;
    }

    /** How many times {@link #execute()} has completed. */
    public synchronized int executions() {
        return executions;
    }

    /** Runs every graph's steps in order and waits for them. */
    public synchronized ExecutionResult execute() {
        if (closed) throw new IllegalStateException("execution plan is closed");
        Device d = device();
        if (residentDevice != d) {
            freeResidents();
            residentDevice = d;
        }
        Run run = new Run(d, executions == 0);
        for (ImmutableTaskGraph g : graphs) {
            for (GraphStep step : g.steps()) {
                switch (step) {
                    case GraphStep.ToDevice(DataTransferMode mode, List<KernelBuffer> buffers) -> {
                        for (KernelBuffer b : buffers) run.toDevice(b, mode);
                    }
                    case GraphStep.Launch(TaskSpec task) -> run.launch(g.name() + "." + task.name(), task);
                    case GraphStep.ToHost(DataTransferMode mode, List<KernelBuffer> buffers) -> {
                        if (mode == DataTransferMode.EVERY_EXECUTION || run.first) {
                            for (KernelBuffer b : buffers) run.toHost(b);
                        }
                    }
                }
            }
        }
        run.drain();
        executions++;
        return new ExecutionResult(d.name(), run.taskMillis(), run.toDevice, run.bytesToDevice, run.toHost, run.bytesToHost);
    }

    /** The bookkeeping of one {@link #execute()}. */
    private final class Run {
        final Device device;
        final boolean first;
        final Map<String, DoubleSupplier> pending = new LinkedHashMap<>();
        boolean queued;
        int toDevice;
        int toHost;
        long bytesToDevice;
        long bytesToHost;

        Run(Device device, boolean first) {
            this.device = device;
            this.first = first;
        }

        /** The device copy of {@code b}, created and filled from the host on first use. */
        Resident resident(KernelBuffer b) {
            Resident r = residents.get(b);
            if (r == null) {
                r = device.allocate(b);
                residents.put(b, r);
                copyIn(b, r);
            }
            return r;
        }

        void toDevice(KernelBuffer b, DataTransferMode mode) {
            boolean existed = residents.containsKey(b);
            Resident r = resident(b);
            if (existed && mode == DataTransferMode.EVERY_EXECUTION) copyIn(b, r);
        }

        void copyIn(KernelBuffer b, Resident r) {
            device.copyToDevice(b, r);
            toDevice++;
            bytesToDevice += b.byteSize();
        }

        /** Waits for queued kernels (before the host reads results, and at the end). */
        void drain() {
            if (queued) {
                device.synchronize();
                queued = false;
            }
        }

        Map<String, Double> taskMillis() {
            Map<String, Double> ms = new LinkedHashMap<>();
            pending.forEach((task, time) -> ms.put(task, time.getAsDouble()));
            return ms;
        }

        void toHost(KernelBuffer b) {
            drain();
            Resident r = residents.get(b);
            if (r == null) {
                throw new IllegalStateException("transferToHost: " + b + " is not on the device; no task or transfer "
                        + "before it uses this buffer");
            }
            device.copyToHost(r, b);
            toHost++;
            bytesToHost += b.byteSize();
        }

        void launch(String qualified, TaskSpec task) {
            LaunchConfig config = scheduler.configFor(qualified);
            Object[] args = task.args();
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof KernelBuffer b) args[i] = resident(b);
            }
            pending.put(qualified, device.submit(task.kernel(), config, args));
            queued = true;
        }
    }

    private void freeResidents() {
        List<RuntimeException> failures = new ArrayList<>();
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

    /** Frees every device copy; the plan cannot run afterwards. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        freeResidents();
    }
}
