package dev.kascade.cuda;

import java.lang.foreign.MemorySegment;

/** A native host range page-locked with {@code cuMemHostRegister_v2}; closing unregisters it (the memory stays). */
public final class HostRegistration implements AutoCloseable {
    private final CudaContext context;
    private final MemorySegment host;
    private boolean closed;

    HostRegistration(CudaContext context, MemorySegment host) {
        this.context = context;
        this.host = host;
    }

    public MemorySegment segment() {
        return host;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (context.isOpen()) {
            context.makeCurrent();
            context.driver().memHostUnregister(host);
        }
    }
}
