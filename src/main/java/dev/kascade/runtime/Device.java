package dev.kascade.runtime;

import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.LaunchConfig;
import java.lang.reflect.Method;
import java.util.function.DoubleSupplier;

/**
 * Where an {@link ExecutionPlan} runs its tasks: the CPU (through the emulator) or one CUDA GPU. Get one
 * from {@link Devices}. Besides its name, a device offers the four operations a plan drives: create a
 * device copy of a buffer, copy each way, and launch a kernel on device copies. Devices live as long as
 * the JVM; what a plan allocates on them it frees on {@code close()}.
 */
public interface Device {
    /** Short id: {@code cpu}, {@code cuda:0}. */
    String name();

    /** One line for listings: model, compute capability, memory. */
    String description();

    /** A device copy the size of {@code host} (contents undefined until copied). */
    Resident allocate(KernelBuffer host);

    /** Copies {@code host} into its device copy. */
    void copyToDevice(KernelBuffer host, Resident copy);

    /** Copies a device copy back into {@code host}. */
    void copyToHost(Resident copy, KernelBuffer host);

    /**
     * Runs {@code kernel} and waits for it.
     *
     * @param args the arguments after the context, buffers replaced by their {@link Resident} copies
     * @return the kernel's time in milliseconds (CUDA events on a GPU, wall clock on the CPU)
     */
    double launch(Method kernel, LaunchConfig config, Object[] args);

    /**
     * Queues {@code kernel} without waiting (a GPU runs queued kernels in order). The returned supplier gives
     * the kernel's milliseconds once {@link #synchronize()} has returned. By default this runs synchronously.
     */
    default DoubleSupplier submit(Method kernel, LaunchConfig config, Object[] args) {
        double ms = launch(kernel, config, args);
        return () -> ms;
    }

    /**
     * Queues {@code kernel} without waiting and without timing it: {@link #submit} brackets each kernel with two
     * CUDA events, which a decode step that runs several kernels back to back does not need (and each pair is two
     * more commands in the stream between the kernels). By default this runs synchronously.
     */
    default void enqueue(Method kernel, LaunchConfig config, Object[] args) {
        launch(kernel, config, args);
    }

    /** Waits for everything {@link #submit submitted}; a fault in one of those kernels surfaces here. */
    default void synchronize() {
    }
}
