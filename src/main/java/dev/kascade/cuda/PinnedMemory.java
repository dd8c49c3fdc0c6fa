package dev.kascade.cuda;

import java.lang.foreign.MemorySegment;

/** Page-locked host memory from {@code cuMemHostAlloc}: copies to and from it run at full PCIe/NVLink speed and async. */
public final class PinnedMemory implements AutoCloseable {
    private final CudaContext context;
    private final MemorySegment segment;
    private boolean closed;

    PinnedMemory(CudaContext context, MemorySegment segment) {
        this.context = context;
        this.segment = segment;
    }

    /** The host memory; do not use it after {@link #close()}. */
    public MemorySegment segment() {
        if (closed) throw new IllegalStateException("pinned memory is freed");
        return segment;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (context.isOpen()) {
            context.makeCurrent();
            context.driver().memFreeHost(segment);
        }
    }
}
