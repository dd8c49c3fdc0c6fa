package dev.kascade.kernel;

import java.lang.foreign.MemorySegment;

/**
 * A typed view over a {@link MemorySegment} that kernels read and write. On the CPU (emulator) every
 * access goes to the segment, bounds-checked; on the GPU the buffer is passed as a device pointer and its
 * accessor calls are compiled to {@code ld.global}/{@code st.global}/{@code atom.global}. The host runtime
 * moves the segment's bytes to and from device memory (see {@code dev.kascade.runtime.TaskGraph}).
 *
 * <p>Buffers hold no device state: they are plain host views and may wrap Arrow buffers, heap arrays or
 * native memory. Lengths are in elements and may exceed 2^31.
 */
public abstract sealed class KernelBuffer permits F32Buffer, F16Buffer, BF16Buffer, I32Buffer, I64Buffer {
    protected final MemorySegment segment;
    protected final long length;

    protected KernelBuffer(MemorySegment segment, int elementBytes) {
        if (segment.byteSize() % elementBytes != 0) {
            throw new IllegalArgumentException("segment: " + segment.byteSize() + " bytes is not a whole number of "
                    + elementBytes + "-byte elements");
        }
        this.segment = segment;
        this.length = segment.byteSize() / elementBytes;
    }

    /** The memory this view reads and writes. */
    public final MemorySegment segment() {
        return segment;
    }

    /** Number of elements. */
    public final long length() {
        return length;
    }

    /** Bytes per element. */
    public abstract int elementBytes();

    /** Total bytes. */
    public final long byteSize() {
        return segment.byteSize();
    }

    protected static void checkAligned(long index, int elements, String op) {
        if (index % elements != 0) {
            throw new IllegalArgumentException(op + ": index " + index + " must be a multiple of " + elements
                    + " (16-byte aligned vector access; misaligned vector loads fault on the GPU)");
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + length + "]";
    }
}
