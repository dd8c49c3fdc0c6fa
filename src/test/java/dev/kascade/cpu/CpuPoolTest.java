package dev.kascade.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

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
}
