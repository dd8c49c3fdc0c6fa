package dev.kascade.runtime;

/** When a {@link TaskGraph} transfer happens, in TornadoVM's terms. */
public enum DataTransferMode {
    /**
     * To the device: once, when the buffer's device copy is created (the first execution on a device); the
     * data then stays resident across executions. To the host: after the first execution only.
     */
    FIRST_EXECUTION,
    /** On every {@link ExecutionPlan#execute()}. */
    EVERY_EXECUTION
}
