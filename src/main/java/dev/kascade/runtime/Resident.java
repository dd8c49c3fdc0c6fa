package dev.kascade.runtime;

/**
 * The device copy of one host buffer, owned by the {@link ExecutionPlan} that created it (closed with it).
 * On the CPU device it is the host buffer itself.
 */
public interface Resident extends AutoCloseable {
    /** Bytes of the copy (equal to the host buffer's). */
    long byteSize();

    @Override
    void close();
}
