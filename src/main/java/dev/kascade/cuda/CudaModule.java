package dev.kascade.cuda;

import java.util.HashMap;
import java.util.Map;

/** A loaded PTX module ({@code cuModuleLoadDataEx}); closing it unloads it and invalidates its functions. */
public final class CudaModule implements AutoCloseable {
    private final CudaContext context;
    private final long handle;
    private final String infoLog;
    private final Map<String, CudaFunction> functions = new HashMap<>();
    private boolean closed;

    CudaModule(CudaContext context, CudaDriver.LoadedModule loaded) {
        this.context = context;
        this.handle = loaded.module();
        this.infoLog = loaded.infoLog();
    }

    /** What the JIT said while compiling (register use, warnings); may be empty. */
    public String infoLog() {
        return infoLog;
    }

    /** The {@code .entry} called {@code name}. */
    public synchronized CudaFunction function(String name) {
        if (closed) throw new IllegalStateException("module is unloaded");
        return functions.computeIfAbsent(name, n -> {
            context.makeCurrent();
            return new CudaFunction(context, this, context.driver().moduleGetFunction(handle, n), n);
        });
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (context.isOpen()) {
            context.makeCurrent();
            context.driver().moduleUnload(handle);
        }
    }
}
