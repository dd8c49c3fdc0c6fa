package dev.kascade.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class CpuPoolTest {
    private static final CpuPool POOL = new CpuPool(3);

    @Test
    void everyTaskRunsExactlyOnceAcrossManyCalls() {
        for (int call = 0; call < 200; call++) {
            int n = 1 + call % 37;
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            POOL.run(n, (task, worker) -> {
                assertEquals(true, worker >= 0 && worker < POOL.parallelism());
                seen.incrementAndGet(task);
            });
            for (int t = 0; t < n; t++) assertEquals(1, seen.get(t), "call " + call + " task " + t);
        }
    }

    @Test
    void nestedCallsRunInlineAndFailuresReachTheCaller() {
        AtomicIntegerArray inner = new AtomicIntegerArray(4 * 5);
        POOL.run(4, (t, w) -> POOL.run(5, (u, w2) -> inner.incrementAndGet(t * 5 + u)));
        for (int i = 0; i < 20; i++) assertEquals(1, inner.get(i));
        var e = assertThrows(IllegalStateException.class, () -> POOL.run(10, (t, w) -> {
            if (t == 7) throw new IllegalStateException("task 7 failed");
        }));
        assertEquals("task 7 failed", e.getMessage());
        // the pool still works afterwards
        AtomicIntegerArray after = new AtomicIntegerArray(9);
        POOL.run(9, (t, w) -> after.incrementAndGet(t));
        for (int i = 0; i < 9; i++) assertEquals(1, after.get(i));
        assertThrows(IllegalArgumentException.class, () -> new CpuPool(0));
    }

    /**
     * Calls spaced so that the helpers are sometimes still spinning and sometimes parked (the gap straddles
     * the pool's 1 ms spin): a lost wake-up would leave the helpers' tasks to the caller or hang here; every
     * helper must still join some calls, and slow tasks keep each call open long enough for a parked helper to wake.
     */
    @Test
    @Timeout(60)
    void helpersJoinCallsWhetherSpinningOrParked() throws InterruptedException {
        AtomicIntegerArray byWorker = new AtomicIntegerArray(POOL.parallelism());
        long spin = CpuPool.spinNanos(System.getProperty(CpuPool.SPIN_PROPERTY));
        for (int call = 0; call < 60; call++) {
            long gapNanos = (call % 3) * spin; // 0, one spin window (the boundary), two (parked)
            Thread.sleep(gapNanos / 1_000_000, (int) (gapNanos % 1_000_000));
            int n = 24;
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            POOL.run(n, (task, worker) -> {
                seen.incrementAndGet(task);
                byWorker.incrementAndGet(worker);
                long end = System.nanoTime() + 200_000;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
            });
            for (int t = 0; t < n; t++) assertEquals(1, seen.get(t), "call " + call + " task " + t);
        }
        for (int w = 1; w < POOL.parallelism(); w++) {
            assertTrue(byWorker.get(w) > 0, "helper " + w + " never joined a call");
        }
    }

    @Test
    void spinSettingIsParsedAndBadValuesNameTheProperty() {
        assertEquals(1_000_000L, CpuPool.spinNanos(null));
        assertEquals(0L, CpuPool.spinNanos("0"));
        assertEquals(250_000L, CpuPool.spinNanos(" 250 "));
        for (String bad : new String[] {"-1", "1ms", "", "2000000"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> CpuPool.spinNanos(bad));
            assertTrue(e.getMessage().startsWith(CpuPool.SPIN_PROPERTY + ": expected 0..1000000"), e.getMessage());
        }
    }
}
