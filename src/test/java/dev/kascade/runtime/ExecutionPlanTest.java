package dev.kascade.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.LaunchConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Task graphs and execution plans on a fake device whose "device memory" is a separate copy of each buffer,
 * so residency is visible: data copied once stays stale on the device when the host changes it.
 */
class ExecutionPlanTest {
    private static final int N = 1001;
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    /** Device copies are separate native segments; kernels are played in plain Java on them. */
    static final class CopyingDevice implements Device {
        final String name;
        final List<Copy> live = new ArrayList<>();
        int allocations;
        int toDevice;
        int toHost;
        int launches;

        CopyingDevice(String name) {
            this.name = name;
        }

        final class Copy implements Resident {
            final MemorySegment memory;
            boolean closed;

            Copy(long bytes) {
                memory = Arena.ofAuto().allocate(Math.max(1, bytes), 16);
            }

            @Override
            public long byteSize() {
                return memory.byteSize();
            }

            @Override
            public void close() {
                closed = true;
                live.remove(this);
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String description() {
            return "fake";
        }

        @Override
        public Resident allocate(KernelBuffer host) {
            allocations++;
            Copy c = new Copy(host.byteSize());
            live.add(c);
            return c;
        }

        @Override
        public void copyToDevice(KernelBuffer host, Resident copy) {
            toDevice++;
            ((Copy) copy).memory.copyFrom(host.segment());
        }

        @Override
        public void copyToHost(Resident copy, KernelBuffer host) {
            toHost++;
            host.segment().copyFrom(((Copy) copy).memory.asSlice(0, host.byteSize()));
        }

        @Override
        public double launch(Method kernel, LaunchConfig config, Object[] args) {
            launches++;
            F32Buffer first = new F32Buffer(((Copy) args[0]).memory);
            switch (kernel.getName()) {
                case "add" -> {
                    F32Buffer b = new F32Buffer(((Copy) args[1]).memory), c = new F32Buffer(((Copy) args[2]).memory);
                    for (int i = 0; i < (int) args[3]; i++) c.set(i, first.get(i) + b.get(i));
                }
                case "scale" -> {
                    for (int i = 0; i < (int) args[2]; i++) first.set(i, first.get(i) * (int) args[1]);
                }
                default -> throw new IllegalArgumentException(kernel.getName());
            }
            return 1.5;
        }
    }

    private F32Buffer random(long seed) {
        F32Buffer b = F32Buffer.allocate(arena, N);
        Random r = new Random(seed);
        for (int i = 0; i < N; i++) b.set(i, r.nextFloat() * 2 - 1);
        return b;
    }

    private static GridScheduler grid(String... tasks) {
        GridScheduler s = new GridScheduler();
        for (String t : tasks) s.addWorkerGrid(t, WorkerGrid.of1D(N, 128));
        return s;
    }

    private static void assertSum(F32Buffer a, F32Buffer b, F32Buffer c) {
        for (int i = 0; i < N; i++) assertEquals((double) a.get(i) + b.get(i), c.get(i), 1e-6, "c[" + i + "]");
    }

    @Test
    void firstExecutionCopiesOnceAndDataStaysResident() {
        F32Buffer a = random(1), b = random(2), c = F32Buffer.allocate(arena, N);
        TaskGraph g = new TaskGraph("s0")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b)
                .task("add", TestKernels::add, a, b, c, N)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        CopyingDevice dev = new CopyingDevice("fake");
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(dev).withGridScheduler(grid("s0.add"))) {
            ExecutionResult r1 = plan.execute();
            assertSum(a, b, c);
            assertEquals(3, r1.transfersToDevice(), "a and b, and c when first used");
            assertEquals(3L * 4 * N, r1.bytesToDevice());
            assertEquals(1, r1.transfersToHost());
            assertEquals(1.5, r1.millis("s0.add"));

            F32Buffer oldA = random(1);
            a.set(0, 100f); // changed on the host only: the device copy stays as it was
            ExecutionResult r2 = plan.execute();
            assertEquals(0, r2.transfersToDevice());
            assertEquals(1, r2.transfersToHost());
            assertSum(oldA, b, c);
            assertEquals(3, dev.allocations, "one device copy per buffer");
            assertEquals(2, plan.executions());
        }
        assertTrue(dev.live.isEmpty(), "close frees every device copy");
    }

    @Test
    void everyExecutionCopiesEachTime() {
        F32Buffer a = random(3), b = random(4), c = F32Buffer.allocate(arena, N);
        TaskGraph g = new TaskGraph("s0")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b)
                .task("add", TestKernels::add, a, b, c, N)
                .transferToHost(DataTransferMode.FIRST_EXECUTION, c);
        CopyingDevice dev = new CopyingDevice("fake");
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(dev).withGridScheduler(grid("s0.add"))) {
            assertEquals(3, plan.execute().transfersToDevice());
            float before = c.get(5);
            a.set(5, 7f);
            ExecutionResult r2 = plan.execute();
            assertEquals(2, r2.transfersToDevice());
            assertEquals(0, r2.transfersToHost(), "FIRST_EXECUTION to the host copies after the first run only");
            assertEquals(5, dev.toDevice);
            assertEquals(1, dev.toHost);
            assertEquals(before, c.get(5), "the host keeps the first run's result");
            // The device did see the new a: copy its c back by hand.
            assertEquals(7f + b.get(5), new F32Buffer(((CopyingDevice.Copy) dev.live.get(2)).memory).get(5), 1e-6);
        }
    }

    @Test
    void graphsShareDeviceCopiesOfTheSameBuffer() {
        F32Buffer a = random(5), b = random(6), c = F32Buffer.allocate(arena, N);
        TaskGraph first = new TaskGraph("sum").transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b)
                .task("add", TestKernels::add, a, b, c, N);
        TaskGraph second = new TaskGraph("post").task("scale", TestKernels::scale, c, 3, N)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        CopyingDevice dev = new CopyingDevice("fake");
        try (ExecutionPlan plan = new ExecutionPlan(first.snapshot(), second.snapshot()).withDevice(dev)
                .withGridScheduler(grid("sum.add", "post.scale"))) {
            ExecutionResult r = plan.execute();
            for (int i = 0; i < N; i++) assertEquals(3.0 * ((double) a.get(i) + b.get(i)), c.get(i), 1e-5);
            assertEquals(3, dev.allocations);
            assertEquals(List.of("sum.add", "post.scale"), List.copyOf(r.taskMillis().keySet()));
            assertEquals(3.0, r.totalTaskMillis());
        }
    }

    @Test
    void switchingDevicesMovesTheData() {
        F32Buffer a = random(7), b = random(8), c = F32Buffer.allocate(arena, N);
        TaskGraph g = new TaskGraph("s0").transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b)
                .task("add", TestKernels::add, a, b, c, N).transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        CopyingDevice one = new CopyingDevice("one"), two = new CopyingDevice("two");
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(one).withGridScheduler(grid("s0.add"))) {
            plan.execute();
            ExecutionResult r = plan.withDevice(two).execute();
            assertEquals("two", r.device());
            assertEquals(3, r.transfersToDevice(), "recreated and copied on the new device");
            assertTrue(one.live.isEmpty(), "copies on the old device are freed");
            assertSum(a, b, c);
        }
    }

    @Test
    void mistakesAreClearErrors() {
        F32Buffer a = random(9), b = random(10), c = F32Buffer.allocate(arena, N);
        TaskGraph g = new TaskGraph("s0").task("add", TestKernels::add, a, b, c, N);
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> g.task("add", TestKernels::add, a, b, c, N));
        assertTrue(dup.getMessage().contains("already has a task 'add'"), dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TaskGraph("bad name"));
        assertThrows(IllegalArgumentException.class, () -> g.transferToDevice(DataTransferMode.FIRST_EXECUTION));
        assertThrows(IllegalArgumentException.class, () -> g.transferToHost(null, c));
        assertThrows(IllegalStateException.class, () -> new TaskGraph("empty").snapshot());
        assertThrows(IllegalArgumentException.class, () -> new ExecutionPlan());
        assertThrows(IllegalArgumentException.class, () -> new ExecutionPlan(g.snapshot(), g.snapshot()), "duplicate graph names");

        CopyingDevice dev = new CopyingDevice("fake");
        ExecutionPlan noGrid = new ExecutionPlan(g.snapshot()).withDevice(dev);
        IllegalStateException e = assertThrows(IllegalStateException.class, noGrid::execute);
        assertTrue(e.getMessage().contains("s0.add"), e.getMessage());

        F32Buffer stray = random(11);
        TaskGraph back = new TaskGraph("s1").task("add", TestKernels::add, a, b, c, N)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, stray);
        ExecutionPlan p = new ExecutionPlan(back.snapshot()).withDevice(dev).withGridScheduler(grid("s1.add"));
        e = assertThrows(IllegalStateException.class, p::execute);
        assertTrue(e.getMessage().contains("not on the device"), e.getMessage());
        p.close();
        assertThrows(IllegalStateException.class, p::execute);
    }

    @Test
    void methodObjectsWorkLikeReferences() throws Exception {
        F32Buffer a = random(12), b = random(13), c = F32Buffer.allocate(arena, N);
        Method add = KernelMethods.resolve((Tasks.Task4<F32Buffer, F32Buffer, F32Buffer, Integer>) TestKernels::add);
        TaskGraph g = new TaskGraph("m").task("add", add, a, b, c, N).transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(new CopyingDevice("fake")).withGridScheduler(grid("m.add"))) {
            plan.execute();
            assertSum(a, b, c);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.task("x", add, a, b, c));
        assertTrue(e.getMessage().contains("takes 4 arguments"), e.getMessage());
    }
}
