package dev.kascade.runtime;

import dev.kascade.kernel.LaunchConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Launch geometry per task, keyed {@code "graph.task"} (TornadoVM's scheme): a {@link WorkerGrid} or a
 * {@link LaunchConfig}. Every task an {@link ExecutionPlan} runs needs an entry.
 */
public final class GridScheduler {
    private final Map<String, LaunchConfig> configs = new LinkedHashMap<>();

    public GridScheduler() {
    }

    /** A scheduler with one entry. */
    public GridScheduler(String taskName, WorkerGrid grid) {
        addWorkerGrid(taskName, grid);
    }

    public GridScheduler addWorkerGrid(String taskName, WorkerGrid grid) {
        if (grid == null) throw new IllegalArgumentException("grid: null for task '" + taskName + "'");
        return add(taskName, grid.toLaunchConfig());
    }

    public GridScheduler add(String taskName, LaunchConfig config) {
        if (taskName == null || !taskName.matches("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("taskName: expected 'graph.task' but got '" + taskName + "'");
        }
        if (config == null) throw new IllegalArgumentException("config: null for task '" + taskName + "'");
        configs.put(taskName, config);
        return this;
    }

    /** The geometry of {@code "graph.task"}, or a clear error when there is none. */
    public LaunchConfig configFor(String qualifiedTask) {
        LaunchConfig c = configs.get(qualifiedTask);
        if (c == null) {
            throw new IllegalStateException("no WorkerGrid for task '" + qualifiedTask + "'; add one with "
                    + "gridScheduler.addWorkerGrid(\"" + qualifiedTask + "\", WorkerGrid.of1D(...)); known: " + configs.keySet());
        }
        return c;
    }
}
