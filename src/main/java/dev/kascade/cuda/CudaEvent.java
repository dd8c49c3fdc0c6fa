package dev.kascade.cuda;

/** A CUDA event: a marker in a stream, used here to time kernels on the GPU's clock. */
public final class CudaEvent implements AutoCloseable {
    private final CudaContext context;
    private final long handle;
    private boolean closed;

    CudaEvent(CudaContext context, long handle) {
        this.context = context;
        this.handle = handle;
    }

    /** Records the event on {@code stream} (null: the default stream). */
    public void record(CudaStream stream) {
        requireOpen();
        context.makeCurrent();
        context.driver().eventRecord(handle, stream == null ? 0L : stream.handle());
    }

    /** Waits until the work before the recorded point has finished. */
    public void synchronize() {
        requireOpen();
        context.makeCurrent();
        context.driver().eventSynchronize(handle);
    }

    /** Milliseconds from {@code start} to this event; both must be recorded, this one completed. */
    public float elapsedMillisSince(CudaEvent start) {
        requireOpen();
        start.requireOpen();
        context.makeCurrent();
        return context.driver().eventElapsedTime(start.handle, handle);
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("event is destroyed");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (context.isOpen()) {
            context.makeCurrent();
            context.driver().eventDestroy(handle);
        }
    }
}
