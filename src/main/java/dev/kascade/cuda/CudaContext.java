package dev.kascade.cuda;

import java.lang.foreign.MemorySegment;

/**
 * The primary context of one GPU, retained for as long as this object is open: the parent of device
 * memory, modules, streams and events. Every operation first makes the context current on the calling
 * thread, so the object may be used from any thread (one at a time per resource).
 */
public final class CudaContext implements AutoCloseable {
    /** Per-thread record of the context last made current, to skip redundant {@code cuCtxSetCurrent} calls. */
    private static final ThreadLocal<Long> CURRENT = ThreadLocal.withInitial(() -> 0L);

    private final CudaDriver driver;
    private final CudaDeviceInfo info;
    private final int device;
    private final long handle;
    private volatile boolean open = true;

    private CudaContext(CudaDriver driver, CudaDeviceInfo info, int device, long handle) {
        this.driver = driver;
        this.info = info;
        this.device = device;
        this.handle = handle;
    }

    /**
     * Retains the primary context of GPU {@code ordinal} and makes it current.
     *
     * @throws CudaUnavailableException for a bad ordinal or a GPU below compute capability 8.0
     */
    public static CudaContext open(CudaDriver driver, int ordinal) {
        CudaDeviceInfo info = CudaDeviceInfo.query(driver, ordinal);
        info.bestTarget(); // refuses unsupported GPUs up front
        int dev = driver.device(ordinal);
        long ctx = driver.primaryCtxRetain(dev);
        CudaContext c = new CudaContext(driver, info, dev, ctx);
        c.makeCurrent();
        return c;
    }

    public CudaDriver driver() {
        return driver;
    }

    public CudaDeviceInfo info() {
        return info;
    }

    public boolean isOpen() {
        return open;
    }

    /** Binds this context to the calling thread (a no-op when it already is). */
    public void makeCurrent() {
        requireOpen();
        if (CURRENT.get() != handle) {
            driver.ctxSetCurrent(handle);
            CURRENT.set(handle);
        }
    }

    /** Waits for all queued work; a fault in a kernel surfaces here as a {@link CudaException}. */
    public void synchronize() {
        makeCurrent();
        driver.ctxSynchronize();
    }

    /** {@code {free, total}} device memory in bytes. */
    public long[] memoryInfo() {
        makeCurrent();
        return driver.memGetInfo();
    }

    /** Allocates {@code bytes} of device memory (contents undefined). */
    public DeviceMemory allocate(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("bytes: expected > 0 but got " + bytes);
        makeCurrent();
        return new DeviceMemory(this, driver.memAlloc(bytes), bytes);
    }

    /** Loads PTX text; the driver JIT-compiles it for this GPU. */
    public CudaModule loadModule(String ptx, int jitLogBytes) {
        makeCurrent();
        return new CudaModule(this, driver.moduleLoadPtx(ptx, jitLogBytes));
    }

    public CudaStream createStream() {
        makeCurrent();
        return new CudaStream(this, driver.streamCreate(0));
    }

    public CudaEvent createEvent() {
        makeCurrent();
        return new CudaEvent(this, driver.eventCreate(0));
    }

    /** Page-locked host memory (fast and asynchronous copies). */
    public PinnedMemory allocatePinned(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("bytes: expected > 0 but got " + bytes);
        makeCurrent();
        return new PinnedMemory(this, driver.memHostAlloc(bytes, CudaDriver.MEMHOSTALLOC_PORTABLE));
    }

    /** Page-locks an existing native host range (an Arrow buffer, say) until the registration is closed. */
    public HostRegistration register(MemorySegment host, boolean readOnly) {
        makeCurrent();
        driver.memHostRegister(host, CudaDriver.MEMHOSTREGISTER_PORTABLE
                | (readOnly ? CudaDriver.MEMHOSTREGISTER_READ_ONLY : 0));
        return new HostRegistration(this, host);
    }

    void requireOpen() {
        if (!open) throw new IllegalStateException("CUDA context of GPU " + info.ordinal() + " is closed");
    }

    /** Releases the primary context; memory and modules still open are freed with it by the driver. */
    @Override
    public synchronized void close() {
        if (!open) return;
        open = false;
        if (CURRENT.get() == handle) CURRENT.set(0L);
        driver.primaryCtxRelease(device);
    }

    @Override
    public String toString() {
        return "CudaContext[" + info.ordinal() + ": " + info.name() + "]";
    }
}
