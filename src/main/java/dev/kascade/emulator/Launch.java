package dev.kascade.emulator;

import dev.kascade.kernel.LaunchConfig;
import java.lang.reflect.Method;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The state one launch shares between its blocks: geometry, arguments, the wait timeout, and the first
 * failure. When a failure is recorded every waiting thread of every running block is woken and unwinds.
 */
final class Launch {
    final Method kernel;
    final String kernelName;
    final LaunchConfig config;
    /** Arguments after the context, with {@code @ReadOnly} buffers replaced by read-only views. */
    final Object[] args;
    final long timeoutNanos;
    private final AtomicReference<KernelFailure> failure = new AtomicReference<>();
    private final Set<Block> running = ConcurrentHashMap.newKeySet();

    Launch(Method kernel, LaunchConfig config, Object[] args, long timeoutNanos) {
        this.kernel = kernel;
        this.kernelName = kernel.getDeclaringClass().getSimpleName() + "." + kernel.getName();
        this.config = config;
        this.args = args;
        this.timeoutNanos = timeoutNanos;
    }

    boolean failed() {
        return failure.get() != null;
    }

    KernelFailure failure() {
        return failure.get();
    }

    /**
     * Records {@code f} unless an earlier failure exists, then wakes every waiting thread (by unparking; no
     * block lock is taken, so callers may hold their own).
     */
    void fail(KernelFailure f) {
        if (failure.compareAndSet(null, f)) {
            for (Block b : running) {
                b.wakeAll();
            }
        }
    }

    void started(Block b) {
        running.add(b);
        if (failed()) {
            b.wakeAll();
        }
    }

    void finished(Block b) {
        running.remove(b);
    }

    /** The watchdog's round: fails the launch when a block has had waiting threads and no progress for too long. */
    void checkTimeouts() {
        long now = System.nanoTime();
        for (Block b : running) {
            KernelFailure f = b.checkTimeout(now);
            if (f != null) {
                fail(f);
                return;
            }
        }
    }
}
