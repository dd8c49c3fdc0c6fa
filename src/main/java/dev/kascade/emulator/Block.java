package dev.kascade.emulator;

import dev.kascade.kernel.KernelContext;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One thread block of a launch: its threads (virtual threads, each with its own {@link ThreadContext}), its
 * shared memory (one array per call site), its barrier and its warps.
 *
 * <p>All synchronisation state sits behind one lock, which lets the block see its own deadlocks exactly:
 * when every live thread waits (at the barrier or at warp collectives) and no meeting can complete, or a
 * thread exits while others wait for it, or threads meet at different barrier instructions, the launch
 * fails at once with the sites involved. A wait timeout covers what this cannot see (a thread looping
 * forever while others wait).
 */
final class Block {
    /** Poison for fresh shared memory: {@link KernelContext#SHARED_POISON}. */
    private static final int POISON_I32 = KernelContext.SHARED_POISON;
    private static final float POISON_F32 = Float.intBitsToFloat(POISON_I32);

    final Launch launch;
    final int bx;
    final int by;
    final int bz;
    final int threadCount;
    final ReentrantLock lock = new ReentrantLock();

    private final SyncPoint barrier;
    private final Warp[] warps;
    private final ThreadContext[] contexts;
    private final CallSite[] waitingAt;
    private final String[] waitingOp;
    private final boolean[] exited;
    private final int[] exitedPerWarp;
    private int live;
    private int waiting;
    private int firstExited = -1;
    /** Last time a thread arrived at a barrier or collective (nanoTime), for the watchdog. */
    private long lastProgress = System.nanoTime();

    private final Map<CallSite, Object> shared = new HashMap<>();
    private final Set<Object> sharedArrays = ConcurrentHashMap.newKeySet();
    private Object dynamicShared;

    Block(Launch launch, int bx, int by, int bz) {
        this.launch = launch;
        this.bx = bx;
        this.by = by;
        this.bz = bz;
        this.threadCount = launch.config.threadsPerBlock();
        this.barrier = new SyncPoint(threadCount);
        this.contexts = new ThreadContext[threadCount];
        int warpCount = (threadCount + ThreadContext.WARP_SIZE - 1) / ThreadContext.WARP_SIZE;
        this.warps = new Warp[warpCount];
        for (int w = 0; w < warpCount; w++) {
            int lanes = Math.min(ThreadContext.WARP_SIZE, threadCount - w * ThreadContext.WARP_SIZE);
            warps[w] = new Warp(this, w, lanes, new SyncPoint(lanes));
        }
        this.waitingAt = new CallSite[threadCount];
        this.waitingOp = new String[threadCount];
        this.exited = new boolean[threadCount];
        this.exitedPerWarp = new int[warpCount];
        this.live = threadCount;
    }

    Warp warp(int w) {
        return warps[w];
    }

    /** Runs every thread of the block to completion (or until the launch fails). */
    void run() throws InterruptedException {
        launch.started(this);
        try {
            Thread[] threads = new Thread[threadCount];
            int bxDim = launch.config.blockX();
            for (int i = 0; i < threadCount; i++) {
                ThreadContext ctx = new ThreadContext(this, i % bxDim, i / bxDim, i);
                threads[i] = Thread.ofVirtual().unstarted(() -> runThread(ctx));
                ctx.thread = threads[i];
                contexts[i] = ctx;
            }
            for (Thread t : threads) {
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
        } finally {
            launch.finished(this);
        }
    }

    private void runThread(ThreadContext ctx) {
        Object[] full = new Object[launch.args.length + 1];
        full[0] = ctx;
        System.arraycopy(launch.args, 0, full, 1, launch.args.length);
        Throwable error = null;
        try {
            launch.kernel.invoke(null, full);
        } catch (InvocationTargetException e) {
            error = e.getCause();
        } catch (Throwable e) {
            error = e;
        }
        if (error != null && !(error instanceof Abort)) {
            launch.fail(threadFailure(ctx, error));
        }
        KernelFailure f = exit(ctx);
        if (f != null) {
            launch.fail(f);
        }
    }

    // ---------------------------------------------------------------- transaction barriers (mbarrier)

    /**
     * A transaction barrier in the block's shared memory: a phase completes when its {@code arrivals} arrivals have
     * come and the bytes they announced have landed; its meeting point's generation counts completed phases.
     */
    private static final class TxBarrier {
        final int arrivals;
        final SyncPoint phases = new SyncPoint(0);
        final List<ThreadContext> waiters = new ArrayList<>();
        int pending;
        long bytes;

        TxBarrier(int arrivals) {
            this.arrivals = arrivals;
            this.pending = arrivals;
        }
    }

    /** Transaction barriers by shared array (identity) and word index. */
    private final Map<Object, Map<Integer, TxBarrier>> txBarriers = new java.util.IdentityHashMap<>();

    void mbarrierInit(int[] shared, int index, int arrivals) {
        lock.lock();
        try {
            txBarriers.computeIfAbsent(shared, k -> new HashMap<>()).put(index, new TxBarrier(arrivals));
        } finally {
            lock.unlock();
        }
    }

    /** An arrival with {@code bytes} announced ({@code arrive} true), or {@code -bytes} landed by a bulk copy. */
    void mbarrierUpdate(ThreadContext t, int[] shared, int index, long bytes, boolean arrive, String op) {
        lock.lock();
        try {
            TxBarrier b = txBarrier(t, shared, index, op);
            b.bytes += bytes;
            if (arrive && --b.pending < 0) {
                throw fail(t, op + ": more arrivals on barrier " + index + " in one phase than the " + b.arrivals
                        + " it was initialised with", null);
            }
            if (b.pending == 0 && b.bytes == 0) {
                b.pending = b.arrivals;
                lastProgress = System.nanoTime();
                waiting -= b.waiters.size();
                for (ThreadContext w : b.waiters) {
                    waitingAt[w.linear] = null;
                    waitingOp[w.linear] = null;
                }
                b.phases.generation++;
                for (ThreadContext w : b.waiters) {
                    LockSupport.unpark(w.thread);
                }
                b.waiters.clear();
            }
        } catch (Fail f) {
            launch.fail(f.failure);
            throw Abort.INSTANCE;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the phase of parity {@code parity} of barrier {@code index} is over (try_wait.parity). */
    void mbarrierWait(ThreadContext t, int[] shared, int index, int parity, CallSite site) {
        int gen;
        TxBarrier b;
        lock.lock();
        try {
            b = txBarrier(t, shared, index, "mbarrierWait");
            gen = b.phases.generation;
            if ((gen & 1) != parity) {
                return; // that phase is over
            }
            b.waiters.add(t);
            registerWait(t, b.phases, site, "mbarrierWait()");
        } catch (Fail f) {
            launch.fail(f.failure);
            throw Abort.INSTANCE;
        } finally {
            lock.unlock();
        }
        park(b.phases, gen);
    }

    /** Lock held: the barrier at {@code index} of {@code shared}, which mbarrierInit must have set up. */
    private TxBarrier txBarrier(ThreadContext t, int[] shared, int index, String op) {
        Map<Integer, TxBarrier> byIndex = txBarriers.get(shared);
        TxBarrier b = byIndex == null ? null : byIndex.get(index);
        if (b == null) {
            throw fail(t, op + ": barrier " + index + " was never set up by mbarrierInit", null);
        }
        return b;
    }

    // ---------------------------------------------------------------- barrier

    void barrier(ThreadContext t, CallSite site) {
        int gen;
        lock.lock();
        try {
            gen = arriveAtBarrier(t, site);
        } catch (Fail f) {
            launch.fail(f.failure);
            throw Abort.INSTANCE;
        } finally {
            lock.unlock();
        }
        if (gen >= 0) {
            park(barrier, gen);
        }
    }

    /** Lock held: joins the barrier; returns the generation to wait out, or -1 when this thread completed it. */
    private int arriveAtBarrier(ThreadContext t, CallSite site) {
        if (launch.failed()) {
            throw Abort.INSTANCE;
        }
        if (firstExited >= 0) {
            throw fail(t, "divergent barrier: reached barrier() at " + site.where() + " but "
                    + threadName(firstExited) + " of the block has already exited; every thread of the block must "
                    + "reach every barrier (bar.sync 0 counts the whole block)", null);
        }
        if (barrier.arrived > 0 && !barrier.site.equals(site)) {
            throw fail(t, "divergent barrier: reached barrier() at " + site.where() + " while "
                    + barrier.arrived + " thread(s) wait at barrier() at " + barrier.site.where()
                    + "; bar.sync is .aligned, so every thread must execute the same barrier instruction", null);
        }
        if (barrier.arrived == 0) {
            barrier.site = site;
            barrier.op = "barrier()";
        }
        barrier.arrived++;
        if (barrier.arrived == barrier.parties) {
            complete(t, barrier, 0, threadCount);
            return -1;
        }
        return registerWait(t, barrier, site, "barrier()");
    }

    // ---------------------------------------------------------------- meeting protocol

    /**
     * Lock held, called by the last thread to arrive: ends the current meeting of {@code sp}, whose parties
     * are threads {@code first .. first+count-1}, and unparks the others.
     */
    void complete(ThreadContext self, SyncPoint sp, int first, int count) {
        lastProgress = System.nanoTime();
        sp.arrived = 0;
        sp.site = null;
        sp.op = null;
        waiting -= count - 1;
        for (int i = first; i < first + count; i++) {
            waitingAt[i] = null;
            waitingOp[i] = null;
        }
        sp.generation++;
        for (int i = first; i < first + count; i++) {
            if (i != self.linear) {
                LockSupport.unpark(contexts[i].thread);
            }
        }
    }

    /**
     * Lock held: records that {@code t} waits at {@code sp} and returns the generation to wait out. Throws
     * {@link Fail} when this makes every live thread of the block wait: no meeting can complete any more.
     */
    int registerWait(ThreadContext t, SyncPoint sp, CallSite site, String op) {
        waitingAt[t.linear] = site;
        waitingOp[t.linear] = op;
        waiting++;
        lastProgress = System.nanoTime();
        if (live > 0 && waiting == live) {
            throw fail(t, "divergent barrier or warp collective: every live thread of the block is waiting and "
                    + "no meeting can complete; " + describeThreads(), null);
        }
        return sp.generation;
    }

    /**
     * Parks (lock not held) until meeting {@code gen} of {@code sp} is over. Unwinds with {@link Abort} when the
     * launch fails meanwhile (the failing thread or the watchdog unparks everyone). Untimed: a timed park of
     * a virtual thread schedules a timer each time, which dominated barrier-heavy kernels; the timeout is
     * {@link #checkTimeout}'s job.
     */
    void park(SyncPoint sp, int gen) {
        while (sp.generation == gen) {
            if (launch.failed()) {
                throw Abort.INSTANCE;
            }
            LockSupport.park(this);
        }
    }

    /**
     * Called by the launch's watchdog: when threads wait and no meeting of this block has completed (and no
     * thread has arrived anywhere) for longer than the timeout, returns the failure naming who waits where and
     * who is still running; else null.
     */
    KernelFailure checkTimeout(long now) {
        lock.lock();
        try {
            if (waiting == 0 || now - lastProgress < launch.timeoutNanos) {
                return null;
            }
            int t = 0;
            while (t < threadCount && waitingAt[t] == null) {
                t++;
            }
            if (t == threadCount) {
                return null;
            }
            return failure(contexts[t], "timed out after " + launch.timeoutNanos / 1_000_000_000.0 + " s waiting at "
                    + waitingOp[t] + " at " + waitingAt[t].where() + "; " + describeThreads()
                    + " (a thread that never arrives may loop forever or spin on memory)", null);
        } finally {
            lock.unlock();
        }
    }

    /** Records the exit of {@code t}; returns the failure when others were waiting for it. */
    private KernelFailure exit(ThreadContext t) {
        lock.lock();
        try {
            exited[t.linear] = true;
            exitedPerWarp[t.warp]++;
            live--;
            if (firstExited < 0) {
                firstExited = t.linear;
            }
            if (launch.failed()) {
                return null;
            }
            if (barrier.arrived > 0) {
                return failure(t, "divergent barrier: exited without reaching barrier() at " + barrier.site.where()
                        + ", where " + barrier.arrived + " thread(s) of the block wait; " + describeThreads(), null);
            }
            Warp w = warps[t.warp];
            if (w.sync.arrived > 0) {
                return failure(t, "divergent warp collective: exited while " + w.sync.arrived + " lane(s) of warp "
                        + t.warp + " wait at " + w.sync.op + " at " + w.sync.site.where()
                        + "; warp collectives need all 32 lanes", null);
            }
            if (live > 0 && waiting == live) {
                return failure(t, "divergent barrier or warp collective: exited while every other live thread waits; "
                        + describeThreads(), null);
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Lock held: the exited lane of {@code warp}, or -1. */
    int exitedLane(int warp) {
        if (exitedPerWarp[warp] == 0) {
            return -1;
        }
        int base = warp * ThreadContext.WARP_SIZE;
        for (int i = base; i < Math.min(threadCount, base + ThreadContext.WARP_SIZE); i++) {
            if (exited[i]) {
                return i - base;
            }
        }
        return -1;
    }

    /** Unparks every thread of the block so that waiters notice a failed launch. */
    void wakeAll() {
        for (ThreadContext c : contexts) {
            if (c != null && c.thread != null) {
                LockSupport.unpark(c.thread);
            }
        }
    }

    // ---------------------------------------------------------------- shared memory

    /** The block's array for shared-memory call site {@code site}: float[] or int[] of {@code n} elements. */
    Object sharedArray(ThreadContext t, CallSite site, boolean isFloat, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("shared memory size must be >= 0 but got " + n + " at " + site.where());
        }
        lock.lock();
        try {
            Object a = shared.get(site);
            if (a == null) {
                a = newShared(isFloat, n);
                shared.put(site, a);
                sharedArrays.add(a);
            } else {
                int len = isFloat ? ((float[]) a).length : ((int[]) a).length;
                if (len != n) {
                    throw new IllegalArgumentException("shared memory at " + site.where() + " was declared with " + len
                            + " elements by another thread of the block, now " + n
                            + "; shared sizes must be compile-time constants");
                }
            }
            return a;
        } finally {
            lock.unlock();
        }
    }

    /** The block's dynamic shared memory as float[] or int[] ({@code dynamicSharedBytes / 4} elements). */
    Object dynamicShared(boolean isFloat) {
        int bytes = launch.config.dynamicSharedBytes();
        lock.lock();
        try {
            if (dynamicShared == null) {
                dynamicShared = newShared(isFloat, bytes / 4);
                sharedArrays.add(dynamicShared);
            } else if ((dynamicShared instanceof float[]) != isFloat) {
                throw new IllegalStateException("dynamic shared memory used both as f32 and as i32; on the GPU the two "
                        + "views alias the same bytes, the emulator supports one view per kernel");
            }
            return dynamicShared;
        } finally {
            lock.unlock();
        }
    }

    private static Object newShared(boolean isFloat, int n) {
        if (isFloat) {
            float[] a = new float[n];
            Arrays.fill(a, POISON_F32);
            return a;
        }
        int[] a = new int[n];
        Arrays.fill(a, POISON_I32);
        return a;
    }

    /** Shared-memory atomics only apply to this block's shared arrays (never to local arrays). */
    void checkShared(Object array, String op) {
        if (!sharedArrays.contains(array)) {
            throw new IllegalArgumentException(op + ": the array is not block-shared memory (sharedF32/sharedI32/"
                    + "dynamicShared*); atomics on local arrays do not exist on the GPU");
        }
    }

    // ---------------------------------------------------------------- messages

    Fail fail(ThreadContext t, String what, Throwable cause) {
        return new Fail(failure(t, what, cause));
    }

    KernelFailure failure(ThreadContext t, String what, Throwable cause) {
        return new KernelFailure(prefix(t.linear) + what, cause);
    }

    private KernelFailure threadFailure(ThreadContext t, Throwable error) {
        StackTraceElement at = kernelFrame(error);
        String msg = error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
        if (error.getMessage() != null && error.getMessage().contains("read-only")) {
            msg += " (a @ReadOnly buffer parameter was written)";
        }
        return failure(t, msg + (at == null ? "" : " at " + at.getFileName() + ":" + at.getLineNumber() + " ("
                + simpleName(at.getClassName()) + "." + at.getMethodName() + ")"), error);
    }

    /** The innermost frame of the error that belongs to kernel code (not the JDK, buffers or the emulator). */
    private StackTraceElement kernelFrame(Throwable error) {
        String kernelClass = launch.kernel.getDeclaringClass().getName();
        StackTraceElement fallback = null;
        for (StackTraceElement e : error.getStackTrace()) {
            String c = e.getClassName();
            if (c.equals(kernelClass)) {
                return e;
            }
            if (fallback == null && !c.startsWith("java.") && !c.startsWith("jdk.") && !c.startsWith("sun.")
                    && !c.startsWith("dev.kascade.kernel.") && !c.startsWith(Block.class.getPackageName() + ".")) {
                fallback = e;
            }
        }
        return fallback;
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private String prefix(int linear) {
        return "kernel " + launch.kernelName + ", block (" + bx + "," + by + "," + bz + "), " + threadName(linear) + ": ";
    }

    String threadName(int linear) {
        int bxDim = launch.config.blockX();
        return launch.config.blockY() == 1 ? "thread " + linear
                : "thread (" + linear % bxDim + "," + linear / bxDim + ")";
    }

    /** Lock held: who waits where and who has exited, as compact id ranges. */
    private String describeThreads() {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        List<Integer> gone = new ArrayList<>();
        List<Integer> running = new ArrayList<>();
        for (int i = 0; i < threadCount; i++) {
            if (exited[i]) {
                gone.add(i);
            } else if (waitingAt[i] != null) {
                groups.computeIfAbsent(waitingOp[i] + " at " + waitingAt[i].where(), k -> new ArrayList<>()).add(i);
            } else {
                running.add(i);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, List<Integer>> e : groups.entrySet()) {
            sb.append(e.getValue().size()).append(" thread(s) wait at ").append(e.getKey())
                    .append(" [").append(ranges(e.getValue())).append("]; ");
        }
        if (!gone.isEmpty()) {
            sb.append(gone.size()).append(" thread(s) exited [").append(ranges(gone)).append("]; ");
        }
        if (!running.isEmpty()) {
            sb.append(running.size()).append(" thread(s) still running [").append(ranges(running)).append("]; ");
        }
        sb.append("(linear thread ids)");
        return sb.toString();
    }

    private static String ranges(List<Integer> ids) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < ids.size()) {
            int j = i;
            while (j + 1 < ids.size() && ids.get(j + 1) == ids.get(j) + 1) {
                j++;
            }
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(ids.get(i));
            if (j > i) {
                sb.append("-").append(ids.get(j));
            }
            i = j + 1;
        }
        return sb.toString();
    }
}
