package dev.kascade.cuda;

import java.lang.foreign.MemorySegment;

/**
 * One device allocation ({@code cuMemAlloc_v2}) with a single owner: close it once (try-with-resources).
 * Every copy checks offsets and sizes against both this allocation and the host segment before the driver
 * sees an address, so a wrong size is an {@link IllegalArgumentException}, never a corrupted heap.
 */
public final class DeviceMemory implements AutoCloseable {
    private final CudaContext context;
    private final long address;
    private final long byteSize;
    private boolean closed;

    DeviceMemory(CudaContext context, long address, long byteSize) {
        this.context = context;
        this.address = address;
        this.byteSize = byteSize;
    }

    /** The device pointer (what a kernel's {@code .param .u64} receives). */
    public long address() {
        requireOpen();
        return address;
    }

    public long byteSize() {
        return byteSize;
    }

    public CudaContext context() {
        return context;
    }

    /** Copies all of {@code src} to the start of this allocation. */
    public void copyFromHost(MemorySegment src) {
        copyFromHost(src, 0, 0, src.byteSize());
    }

    /** Copies {@code bytes} from {@code src[srcOffset..]} to this allocation at {@code dstOffset}. */
    public void copyFromHost(MemorySegment src, long srcOffset, long dstOffset, long bytes) {
        checkRanges(src, srcOffset, dstOffset, bytes, "copyFromHost");
        if (bytes == 0) return;
        context.makeCurrent();
        context.driver().memcpyHtoD(address + dstOffset, src.asSlice(srcOffset, bytes), bytes);
    }

    /** Copies the first {@code dst.byteSize()} bytes of this allocation into {@code dst}. */
    public void copyToHost(MemorySegment dst) {
        copyToHost(dst, 0, 0, dst.byteSize());
    }

    /** Copies {@code bytes} from this allocation at {@code srcOffset} into {@code dst[dstOffset..]}. */
    public void copyToHost(MemorySegment dst, long srcOffset, long dstOffset, long bytes) {
        checkRanges(dst, dstOffset, srcOffset, bytes, "copyToHost");
        if (bytes == 0) return;
        context.makeCurrent();
        context.driver().memcpyDtoH(dst.asSlice(dstOffset, bytes), address + srcOffset, bytes);
    }

    /** Asynchronous form of {@link #copyFromHost(MemorySegment)}; {@code src} must be native (pinned for overlap). */
    public void copyFromHostAsync(MemorySegment src, CudaStream stream) {
        checkRanges(src, 0, 0, src.byteSize(), "copyFromHostAsync");
        context.makeCurrent();
        context.driver().memcpyHtoDAsync(address, src, src.byteSize(), stream.handle());
    }

    /** Asynchronous form of {@link #copyToHost(MemorySegment)}; {@code dst} must be native. */
    public void copyToHostAsync(MemorySegment dst, CudaStream stream) {
        checkRanges(dst, 0, 0, dst.byteSize(), "copyToHostAsync");
        context.makeCurrent();
        context.driver().memcpyDtoHAsync(dst, address, dst.byteSize(), stream.handle());
    }

    /** Copies {@code bytes} from the start of {@code src} (another allocation) to the start of this one. */
    public void copyFrom(DeviceMemory src, long bytes) {
        requireOpen();
        src.requireOpen();
        if (bytes < 0 || bytes > byteSize || bytes > src.byteSize) {
            throw new IllegalArgumentException("copyFrom: " + bytes + " bytes but source holds " + src.byteSize
                    + " and destination " + byteSize);
        }
        if (bytes == 0) return;
        context.makeCurrent();
        context.driver().memcpyDtoD(address, src.address, bytes);
    }

    /** Asynchronous form of {@link #copyFrom(DeviceMemory, long)}. */
    public void copyFromAsync(DeviceMemory src, long bytes, CudaStream stream) {
        requireOpen();
        src.requireOpen();
        if (bytes < 0 || bytes > byteSize || bytes > src.byteSize) {
            throw new IllegalArgumentException("copyFromAsync: " + bytes + " bytes but source holds " + src.byteSize
                    + " and destination " + byteSize);
        }
        context.makeCurrent();
        context.driver().memcpyDtoDAsync(address, src.address, bytes, stream.handle());
    }

    /** Sets every byte to {@code value} ({@code cuMemsetD8_v2}); handy to poison outputs before a test run. */
    public void fill(byte value) {
        requireOpen();
        context.makeCurrent();
        context.driver().memsetD8(address, value, byteSize);
    }

    /**
     * Checks a host/device copy: offsets and size non-negative, host range inside {@code host}, device range
     * inside this allocation.
     */
    void checkRanges(MemorySegment host, long hostOffset, long deviceOffset, long bytes, String op) {
        requireOpen();
        if (bytes < 0 || hostOffset < 0 || deviceOffset < 0) {
            throw new IllegalArgumentException(op + ": negative size or offset (bytes " + bytes + ", host offset "
                    + hostOffset + ", device offset " + deviceOffset + ")");
        }
        if (hostOffset > host.byteSize() - bytes) {
            throw new IllegalArgumentException(op + ": host range [" + hostOffset + ", " + hostOffset + " + " + bytes
                    + ") exceeds the host segment of " + host.byteSize() + " bytes");
        }
        if (deviceOffset > byteSize - bytes) {
            throw new IllegalArgumentException(op + ": device range [" + deviceOffset + ", " + deviceOffset + " + "
                    + bytes + ") exceeds the device allocation of " + byteSize + " bytes");
        }
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("device memory of " + byteSize + " bytes is already freed");
    }

    public boolean isClosed() {
        return closed;
    }

    /** Frees the allocation; a second close is a no-op. After the context is closed the driver already freed it. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (context.isOpen()) {
            context.makeCurrent();
            context.driver().memFree(address);
        }
    }

    @Override
    public String toString() {
        return "DeviceMemory[0x" + Long.toHexString(address) + ", " + byteSize + " bytes" + (closed ? ", freed" : "") + "]";
    }
}
