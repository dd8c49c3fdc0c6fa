package dev.kascade.runtime;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one {@link ExecutionPlan#execute()} did: time per task (CUDA events on a GPU, wall clock on the CPU)
 * and the transfers it made.
 *
 * @param device          the device it ran on
 * @param taskMillis      milliseconds per {@code "graph.task"}, in run order
 * @param transfersToDevice host-to-device copies made
 * @param bytesToDevice   bytes copied to the device
 * @param transfersToHost device-to-host copies made
 * @param bytesToHost     bytes copied back
 */
public record ExecutionResult(String device, Map<String, Double> taskMillis, int transfersToDevice, long bytesToDevice,
                              int transfersToHost, long bytesToHost) {
    public ExecutionResult {
        taskMillis = Collections.unmodifiableMap(new LinkedHashMap<>(taskMillis));
    }

    /** Milliseconds of {@code "graph.task"}. */
    public double millis(String qualifiedTask) {
        Double ms = taskMillis.get(qualifiedTask);
        if (ms == null) throw new IllegalArgumentException("qualifiedTask: no task '" + qualifiedTask + "'; ran " + taskMillis.keySet());
        return ms;
    }

    /** Sum over tasks. */
    public double totalTaskMillis() {
        return taskMillis.values().stream().mapToDouble(Double::doubleValue).sum();
    }
}
