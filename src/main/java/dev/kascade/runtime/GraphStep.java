package dev.kascade.runtime;

import dev.kascade.kernel.KernelBuffer;
import java.util.List;

/** One step of a {@link TaskGraph}, run in declaration order. */
public sealed interface GraphStep {
    /** Copy host buffers to their device copies. */
    record ToDevice(DataTransferMode mode, List<KernelBuffer> buffers) implements GraphStep {
    }

    /** Launch a kernel. */
    record Launch(TaskSpec task) implements GraphStep {
    }

    /** Copy device copies back to the host buffers. */
    record ToHost(DataTransferMode mode, List<KernelBuffer> buffers) implements GraphStep {
    }
}
