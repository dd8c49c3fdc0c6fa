package dev.kascade.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernel.LaunchConfig;
import org.junit.jupiter.api.Test;

/** Worker grids become launch geometries; the scheduler finds them by "graph.task". */
class WorkerGridTest {
    @Test
    void blocksAreTheCeilingOfGlobalOverLocal() {
        assertEquals(new LaunchConfig(4, 1, 1, 256, 1, 0), WorkerGrid.of1D(1000, 256).toLaunchConfig());
        assertEquals(new LaunchConfig(3, 5, 1, 32, 8, 0), WorkerGrid.of2D(65, 40, 32, 8).toLaunchConfig());
        assertEquals(new LaunchConfig(2, 2, 7, 16, 16, 4096), WorkerGrid.of3D(32, 17, 7, 16, 16, 1).withDynamicShared(4096).toLaunchConfig());
    }

    @Test
    void badGridsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> WorkerGrid.of1D(0, 256));
        assertThrows(IllegalArgumentException.class, () -> WorkerGrid.of1D(10, 0));
        assertThrows(IllegalArgumentException.class, () -> WorkerGrid.of3D(8, 8, 8, 4, 4, 2));
        assertThrows(IllegalArgumentException.class, () -> WorkerGrid.of1D(1L << 50, 32).toLaunchConfig());
        assertThrows(IllegalArgumentException.class, () -> WorkerGrid.of2D(64, 64, 64, 64).toLaunchConfig(), "4096 threads per block");
    }

    @Test
    void schedulerFindsTasksByQualifiedName() {
        GridScheduler s = new GridScheduler("g.t", WorkerGrid.of1D(64, 32)).add("g.u", LaunchConfig.of1D(1, 1));
        assertEquals(2, s.configFor("g.t").gridX());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.configFor("g.v"));
        assertTrue(e.getMessage().contains("no WorkerGrid for task 'g.v'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.add("task-without-graph", LaunchConfig.of1D(1, 1)));
    }
}
