package dev.kascade.cuda;

/** A CUDA stream: work queued on it runs in order, overlapping other streams. */
public final class CudaStream implements AutoCloseable {
    private final CudaContext context;
    private final long handle;
    private boolean closed;

    CudaStream(CudaContext context, long handle) {
        this.context = context;
        this.handle = handle;
    }

    long handle() {
        if (closed) throw new IllegalStateException("stream is destroyed");
        return handle;
    }

    /** Waits for everything queued on this stream. */
    public void synchronize() {
        context.makeCurrent();
        context.driver().streamSynchronize(handle());
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (context.isOpen()) {
            context.makeCurrent();
            context.driver().streamDestroy(handle);
        }
    }
}
