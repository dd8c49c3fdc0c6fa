package dev.kascade.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of worker threads that runs "task 0..n-1" jobs on all cores, without allocating per call.
 *
 * <p>Parallel split: the calling thread is worker 0 and {@code parallelism - 1} daemon threads are
 * workers 1..; tasks are handed out dynamically through one atomic counter, so uneven tasks (long and
 * short sequences, late and early prefill tiles) balance themselves. A call blocks until every task
 * has run.
 *
 * <p>Between calls a worker spins for 1 ms ({@link #SPIN_PROPERTY}) before it parks, and the caller spins as long for
 * the last helper before it parks: on the 2-vCPU VM a parked thread took 0.1-5 ms to start after
 * {@link LockSupport#unpark}, and the unpark itself cost the caller 20-55 us, sometimes 0.3 ms (2026-11-30), against
 * 1-6 ms for a whole decode call.
 * Back-to-back calls (the layers of a decode step) therefore find the workers awake; a caller only unparks a worker
 * that has announced it is parking, so an awake worker costs no system call.
 *
 * <p>A helper joins a call only while the call is open: once the caller has run out of tasks it closes
 * the call and waits just for the helpers already inside, never for one that the (busy, shared) OS has
 * not scheduled yet. Calls are serialised by a lock; a call made from inside a running job (or while the lock is held
 * by the same thread) runs its tasks inline on that thread, so nesting cannot deadlock. An exception
 * thrown by a task is rethrown to the caller after the remaining tasks finish.
 */
public final class CpuPool {
    /** One parallel job: {@code run(task, worker)} for every task; {@code worker} indexes per-worker scratch. */
    @FunctionalInterface
    public interface Job {
        void run(int task, int worker);
    }

    /**
     * How long a worker spins for the next call, and the caller for the last helper, before parking (nanoseconds,
     * from {@link #SPIN_PROPERTY}). Long enough to bridge the gaps between the attention calls of a decode step;
     * short enough to cost little on a shared machine.
     * The spin loops read the clock and the pool state only, without {@link Thread#onSpinWait}: in a VM a PAUSE loop
     * can make the hypervisor deschedule the vCPU (pause-loop exiting). Measured with 16 tasks of 20 us called 200 us
     * apart (2-vCPU VM, 2026-11-30, two runs of 30 calls): park at once 297 / 356 us median per call, spin with
     * {@code onSpinWait} 247 / 196, spin without it 208 / 178 (ideal 160).
     */
    private final long spinNanos;

    /** System property that sets the spin ({@link #spinNanos}) in microseconds (0: park at once); default 1000. */
    public static final String SPIN_PROPERTY = "kascade.cpu.spinMicros";

    /** The spin in nanoseconds for a {@link #SPIN_PROPERTY} value ({@code null}: the default, 1 ms). */
    static long spinNanos(String micros) {
        if (micros == null) return 1_000_000;
        try {
            long us = Long.parseLong(micros.trim());
            if (us >= 0 && us <= 1_000_000) return us * 1000;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(SPIN_PROPERTY + ": expected 0..1000000 microseconds but got '" + micros
                + "'");
    }

    private static volatile CpuPool shared;

    private final Thread[] helpers;
    /** 1 while helper i may be parked (set before its last look at {@link #state}), else 0. */
    private final AtomicIntegerArray parking;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger next = new AtomicInteger();
    // gate = (generation << 33) | CLOSED bit | helpers inside the current call
    private static final long CLOSED = 1L << 32;
    private static final long INSIDE = CLOSED - 1;
    private final AtomicLong gate = new AtomicLong();
    // (generation << 32) | helpers asked: read once by a worker, so both halves belong to one call.
    private volatile long state;
    private volatile Job job;
    private volatile int tasks;
    private volatile Thread caller;
    private volatile Throwable failure;
    /** True while the caller may be parked waiting for the last helper. */
    private volatile boolean callerParking;

    /** A pool of {@code parallelism} workers (the caller counts as one). */
    public CpuPool(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism: expected >= 1 but got " + parallelism);
        }
        spinNanos = spinNanos(System.getProperty(SPIN_PROPERTY));
        helpers = new Thread[parallelism - 1];
        parking = new AtomicIntegerArray(helpers.length);
        for (int i = 0; i < helpers.length; i++) {
            final int worker = i + 1;
            Thread t = new Thread(() -> workerLoop(worker), "kascade-cpu-" + worker);
            t.setDaemon(true);
            helpers[i] = t;
            t.start();
        }
    }

    /** The process-wide pool with one worker per available processor. */
    public static CpuPool shared() {
        CpuPool pool = shared;
        if (pool == null) {
            synchronized (CpuPool.class) {
                pool = shared;
                if (pool == null) {
                    shared = pool = new CpuPool(Runtime.getRuntime().availableProcessors());
                }
            }
        }
        return pool;
    }

    /** Number of workers (worker ids passed to jobs are in {@code [0, parallelism)}). */
    public int parallelism() {
        return helpers.length + 1;
    }

    /**
     * True when the pool's workers may read {@code segment}: memory of a confined arena can only be touched
     * by its owner thread, and then kernels run their tasks on the calling thread instead.
     */
    public boolean canShare(java.lang.foreign.MemorySegment segment) {
        return helpers.length == 0 || segment.isAccessibleBy(helpers[0]);
    }

    /** Runs every task on the calling thread, as worker 0 (for memory the workers may not read). */
    public void runInline(int taskCount, Job job) {
        for (int t = 0; t < taskCount; t++) {
            job.run(t, 0);
        }
    }

    /**
     * Work (in multiply-adds) below which handing tasks to other threads costs more than it saves: waking
     * a parked thread takes microseconds, and far longer when the machine is oversubscribed.
     */
    public static final long MIN_PARALLEL_WORK = 1L << 19;

    /** Like {@link #run(int, Job)}, but on the calling thread alone when {@code work < MIN_PARALLEL_WORK}. */
    public void run(int taskCount, Job job, long work) {
        if (work < MIN_PARALLEL_WORK) {
            runInline(taskCount, job);
        } else {
            run(taskCount, job);
        }
    }

    /** Runs {@code job.run(t, worker)} for every {@code t} in {@code [0, taskCount)} and waits for all. */
    public void run(int taskCount, Job job) {
        if (taskCount <= 0) {
            return;
        }
        if (taskCount == 1 || helpers.length == 0 || lock.isHeldByCurrentThread() || isWorkerThread()) {
            for (int t = 0; t < taskCount; t++) {
                job.run(t, 0);
            }
            return;
        }
        lock.lock();
        try {
            int taking = Math.min(helpers.length, taskCount - 1);
            this.job = job;
            this.tasks = taskCount;
            this.failure = null;
            this.caller = Thread.currentThread();
            next.set(0);
            long generation = (state >>> 32) + 1;
            gate.set(generation << 33);
            state = (generation << 32) | taking;
            // The state write above and each helper's parking write are volatile, so either the helper sees the new
            // state before parking or this thread sees it parking (and unparks it).
            for (int i = 0; i < taking; i++) {
                if (parking.get(i) != 0) LockSupport.unpark(helpers[i]);
            }
            try {
                drain(job, taskCount, 0);
            } catch (Throwable t) {
                failure = t;
            }
            long g;
            do {
                g = gate.get();
            } while (!gate.compareAndSet(g, g | CLOSED));
            long spinUntil = System.nanoTime() + spinNanos;
            while ((gate.get() & INSIDE) != 0) {
                if (System.nanoTime() < spinUntil) {
                    continue; // no Thread.onSpinWait(): see spinNanos
                }
                callerParking = true; // as in awaitCall: the last helper out sees this, or this sees it gone
                if ((gate.get() & INSIDE) != 0) {
                    LockSupport.park(this);
                }
                callerParking = false;
            }
            this.job = null;
            Throwable f = failure;
            if (f != null) {
                failure = null;
                if (f instanceof RuntimeException re) throw re;
                if (f instanceof Error e) throw e;
                throw new IllegalStateException("a parallel task failed", f);
            }
        } finally {
            lock.unlock();
        }
    }

    private void drain(Job j, int n, int worker) {
        for (int t; (t = next.getAndIncrement()) < n; ) {
            j.run(t, worker);
        }
    }

    /** Joins call {@code generation} if it is still open. */
    private boolean enter(long generation) {
        while (true) {
            long g = gate.get();
            if ((g >>> 33) != generation || (g & CLOSED) != 0) {
                return false;
            }
            if (gate.compareAndSet(g, g + 1)) {
                return true;
            }
        }
    }

    private boolean isWorkerThread() {
        Thread me = Thread.currentThread();
        for (Thread h : helpers) {
            if (h == me) return true;
        }
        return false;
    }

    /** Spins, then parks, until {@link #state} names a call after {@code seen}; returns that state. */
    private long awaitCall(int worker, long seen) {
        long spinUntil = System.nanoTime() + spinNanos;
        long s;
        while (((s = state) >>> 32) == seen) {
            if (System.nanoTime() < spinUntil) {
                continue; // no Thread.onSpinWait(): see spinNanos
            }
            parking.set(worker - 1, 1);
            if (((s = state) >>> 32) == seen) {
                LockSupport.park(this);
            }
            parking.set(worker - 1, 0);
        }
        return s;
    }

    private void workerLoop(int worker) {
        long seen = 0;
        while (true) {
            long s = awaitCall(worker, seen);
            seen = s >>> 32;
            int taking = (int) s;
            if (worker > taking || !enter(seen)) {
                continue; // not needed, or the call is already over
            }
            try {
                drain(job, tasks, worker);
            } catch (Throwable t) {
                failure = t;
            } finally {
                long after = gate.decrementAndGet();
                if ((after & CLOSED) != 0 && (after & INSIDE) == 0 && callerParking) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }
}
