package dev.kascade.emulator;

import dev.kascade.kernel.KernelLauncher;
import dev.kascade.kernel.LaunchConfig;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs kernel methods on the CPU with GPU semantics.
 *
 * <p>Blocks run in parallel on a bounded pool (at most one worker per core, each taking the next block). The
 * threads of a block run together as virtual threads, each with its own context: barriers really wait for
 * the whole block, warp collectives exchange values in lock step among the 32 lanes of a warp, shared memory
 * is one array per block and call site. A divergent barrier or collective, an exception in any thread, or a
 * write through a {@code @ReadOnly} buffer fails the launch with a {@link KernelFailure} naming the kernel,
 * block, thread and source line; the launch never hangs on a divergent barrier.
 *
 * <p>The wait timeout (last resort for hangs the emulator cannot see, such as a thread spinning forever while
 * others wait) is {@value #DEFAULT_TIMEOUT_SECONDS} s, or the system property {@value #TIMEOUT_PROPERTY}.
 */
public final class Emulator {
    /** System property: seconds a thread may wait at a barrier or collective before the launch fails. */
    public static final String TIMEOUT_PROPERTY = "kascade.emulator.timeoutSeconds";
    public static final int DEFAULT_TIMEOUT_SECONDS = 120;
    /** After a failure, how long the launch waits for the other threads to unwind before it reports anyway. */
    private static final long UNWIND_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private Emulator() {
    }

    /** The emulator as a {@link KernelLauncher}. */
    public static KernelLauncher launcher() {
        return Emulator::launch;
    }

    /**
     * Runs {@code kernel} over the launch geometry and returns when every block has finished.
     *
     * @param args the kernel's arguments after the {@code KernelContext}, in order
     * @throws KernelFailure on a divergent barrier, an out-of-bounds access or an exception in a thread,
     *                       naming the kernel, block and thread
     * @throws IllegalArgumentException when the method is not a kernel or the arguments do not match it
     */
    public static void launch(Method kernel, LaunchConfig config, Object... args) {
        launchWithTimeout(kernel, config, Duration.ofSeconds(Long.getLong(TIMEOUT_PROPERTY, DEFAULT_TIMEOUT_SECONDS)),
                args);
    }

    /** As {@link #launch}, with an explicit wait timeout (see the class comment). */
    public static void launchWithTimeout(Method kernel, LaunchConfig config, Duration timeout, Object... args) {
        KernelArgs.checkKernel(kernel);
        if (config == null) {
            throw new IllegalArgumentException("config: expected a LaunchConfig but got null");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: expected a positive duration but got " + timeout);
        }
        Object[] prepared = KernelArgs.prepare(kernel, args);
        try {
            kernel.setAccessible(true);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("kernel: cannot call " + kernel + ": " + e.getMessage(), e);
        }
        Launch launch = new Launch(kernel, config, prepared, timeout.toNanos());
        run(launch);
        KernelFailure f = launch.failure();
        if (f != null) {
            throw f;
        }
    }

    /* Workers (platform threads, at most one per core) take blocks in order until none is left or the launch fails. */
    private static void run(Launch launch) {
        LaunchConfig c = launch.config;
        long blocks = c.blocks();
        int workers = (int) Math.min(blocks, Runtime.getRuntime().availableProcessors());
        AtomicLong next = new AtomicLong();
        CountDownLatch done = new CountDownLatch(workers);
        for (int w = 0; w < workers; w++) {
            Thread worker = Thread.ofPlatform().daemon().name("kascade-emulator-" + w).unstarted(() -> {
                try {
                    long b;
                    while (!launch.failed() && (b = next.getAndIncrement()) < blocks) {
                        int bx = (int) (b % c.gridX());
                        int by = (int) (b / c.gridX() % c.gridY());
                        int bz = (int) (b / ((long) c.gridX() * c.gridY()));
                        new Block(launch, bx, by, bz).run();
                    }
                } catch (InterruptedException e) {
                    launch.fail(new KernelFailure("kernel " + launch.kernelName + ": interrupted", e));
                } catch (Throwable e) {
                    launch.fail(new KernelFailure("kernel " + launch.kernelName + ": emulator error " + e, e));
                } finally {
                    done.countDown();
                }
            });
            worker.start();
        }
        awaitWorkers(launch, done);
    }

    private static void awaitWorkers(Launch launch, CountDownLatch done) {
        long failedAt = 0;
        try {
            while (!done.await(50, TimeUnit.MILLISECONDS)) {
                launch.checkTimeouts();
                if (launch.failed()) {
                    long now = System.nanoTime();
                    if (failedAt == 0) {
                        failedAt = now;
                    } else if (now - failedAt > UNWIND_GRACE_NANOS) {
                        return; // a thread that never reaches a barrier again (endless loop) is left behind
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            launch.fail(new KernelFailure("kernel " + launch.kernelName + ": the launching thread was interrupted", e));
        }
    }
}
