package dev.kascade.runtime;

import java.util.List;

/**
 * A frozen {@link TaskGraph}: what an {@link ExecutionPlan} runs.
 *
 * @param name  the graph name
 * @param steps transfers and launches in declaration order
 */
public record ImmutableTaskGraph(String name, List<GraphStep> steps) {
    public ImmutableTaskGraph {
        steps = List.copyOf(steps);
    }

    /** The tasks, in order. */
    public List<TaskSpec> tasks() {
        return steps.stream().filter(s -> s instanceof GraphStep.Launch).map(s -> ((GraphStep.Launch) s).task()).toList();
    }
}
