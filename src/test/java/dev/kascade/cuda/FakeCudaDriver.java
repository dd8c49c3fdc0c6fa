package dev.kascade.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A fake {@code libcuda.so.1} for tests without a GPU: every driver function is an FFM upcall stub into this
 * object, so {@link CudaDriver}'s real downcalls, marshalling and error handling run unchanged. "Device
 * memory" is native host memory; allocations are tracked so copies outside them fail like the driver would
 * ({@code CUDA_ERROR_INVALID_VALUE}). Launches are recorded and handed to an optional hook that can play
 * the kernel on the fake device memory.
 */
public final class FakeCudaDriver implements AutoCloseable {
    /**
     * A recorded {@code cuLaunchKernel} or {@code cuLaunchKernelEx} ({@code early}: with programmatic stream
     * serialization); {@code params} is only readable inside the {@link #onLaunch} hook.
     */
    public record Launch(String function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                         int sharedBytes, MemorySegment params, boolean early) {
        /** The {@code i}-th parameter's storage, {@code bytes} long. */
        public MemorySegment param(int i, int bytes) {
            return params.reinterpret(8L * (i + 1)).getAtIndex(ADDRESS, i).reinterpret(bytes);
        }
    }

    public static final int INVALID_VALUE = 1;
    public static final int NOT_FOUND = 500;

    private final Arena arena = Arena.ofShared();
    private final Map<Long, Long> allocations = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<Long, String> functions = new ConcurrentHashMap<>();
    private final Map<String, Integer> funcAttributes = new ConcurrentHashMap<>();
    private final java.util.Map<String, Integer> staticSharedBytes = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<Launch> launches = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();
    private final Map<String, MemorySegment> stubs = new TreeMap<>();
    private final Map<Integer, MemorySegment> errorNames = new ConcurrentHashMap<>();
    private long memoryCapacity = 1L << 30;
    private long used;
    private int ccMajor = 9;
    private long nextHandle = 0x1000;
    private volatile Consumer<Launch> kernelHook = l -> { };
    public long bytesToDevice;
    public long bytesToHost;
    public volatile String lastPtx;
    private volatile int nextSyncError;

    public FakeCudaDriver() {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        for (Map.Entry<String, FunctionDescriptor> e : CudaDriver.SIGNATURES.entrySet()) {
            try {
                MethodHandle target = lookup.findVirtual(FakeCudaDriver.class, e.getKey(), e.getValue().toMethodType()).bindTo(this);
                stubs.put(e.getKey(), Linker.nativeLinker().upcallStub(target, e.getValue(), arena));
            } catch (ReflectiveOperationException ex) {
                throw new IllegalStateException("fake lacks " + e.getKey(), ex);
            }
        }
    }

    /** The lookup to pass to {@code new CudaDriver(lookup, "fake")}. */
    public SymbolLookup lookup() {
        return name -> Optional.ofNullable(stubs.get(name));
    }

    /** A driver bound to this fake, initialised. */
    public CudaDriver driver() {
        CudaDriver d = new CudaDriver(lookup(), "fake libcuda");
        d.init();
        return d;
    }

    public FakeCudaDriver computeCapability(int major) {
        this.ccMajor = major;
        return this;
    }

    public FakeCudaDriver memoryCapacity(long bytes) {
        this.memoryCapacity = bytes;
        return this;
    }

    /** Makes the next event or context synchronization fail with {@code code} (a kernel fault). */
    public void failNextSync(int code) {
        this.nextSyncError = code;
    }

    private int takeSyncError() {
        int e = nextSyncError;
        nextSyncError = 0;
        return e;
    }

    public void onLaunch(Consumer<Launch> hook) {
        this.kernelHook = hook;
    }

    public int calls(String function) {
        AtomicInteger c = calls.get(function);
        return c == null ? 0 : c.get();
    }

    public synchronized List<Launch> launches() {
        return List.copyOf(launches);
    }

    public int liveAllocations() {
        return allocations.size();
    }

    /** Makes function {@code name} report {@code bytes} of static shared memory, as a compiled kernel would. */
    public void staticShared(String name, int bytes) {
        staticSharedBytes.put(name, bytes);
    }

    public Integer functionAttribute(String function, int attribute) {
        return funcAttributes.get(function + "#" + attribute);
    }

    /** Throws the first exception an upcall swallowed (an upcall must never throw into native code). */
    public synchronized void rethrowFailures() {
        if (!failures.isEmpty()) throw new AssertionError("fake driver upcall failed", failures.getFirst());
    }

    @Override
    public void close() {
        arena.close();
    }

    // ---------------------------------------------------------------- plumbing

    @FunctionalInterface
    private interface Body {
        int run() throws Throwable;
    }

    private int call(String name, Body body) {
        calls.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        try {
            return body.run();
        } catch (Throwable t) {
            synchronized (this) {
                failures.add(t);
            }
            return 999; // CUDA_ERROR_UNKNOWN
        }
    }

    private synchronized long handle() {
        return nextHandle += 0x10;
    }

    private static MemorySegment out(MemorySegment p, long bytes) {
        return p.reinterpret(bytes);
    }

    /** Is [ptr, ptr + bytes) inside one live allocation? */
    private boolean inside(long ptr, long bytes) {
        for (Map.Entry<Long, Long> a : allocations.entrySet()) {
            if (ptr >= a.getKey() && bytes >= 0 && ptr + bytes <= a.getKey() + a.getValue()) return true;
        }
        return false;
    }

    private static MemorySegment at(long address, long bytes) {
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    // ---------------------------------------------------------------- the driver API

    int cuInit(int flags) {
        return call("cuInit", () -> flags == 0 ? 0 : INVALID_VALUE);
    }

    int cuDriverGetVersion(MemorySegment v) {
        return call("cuDriverGetVersion", () -> {
            out(v, 4).set(JAVA_INT, 0, 13000);
            return 0;
        });
    }

    int cuDeviceGetCount(MemorySegment n) {
        return call("cuDeviceGetCount", () -> {
            out(n, 4).set(JAVA_INT, 0, 1);
            return 0;
        });
    }

    int cuDeviceGet(MemorySegment dev, int ordinal) {
        return call("cuDeviceGet", () -> {
            if (ordinal != 0) return 101; // CUDA_ERROR_INVALID_DEVICE
            out(dev, 4).set(JAVA_INT, 0, 0);
            return 0;
        });
    }

    int cuDeviceGetName(MemorySegment buf, int len, int dev) {
        return call("cuDeviceGetName", () -> {
            out(buf, len).setString(0, "Fake H200");
            return 0;
        });
    }

    int cuDeviceTotalMem_v2(MemorySegment bytes, int dev) {
        return call("cuDeviceTotalMem_v2", () -> {
            out(bytes, 8).set(JAVA_LONG, 0, memoryCapacity);
            return 0;
        });
    }

    int cuDeviceGetAttribute(MemorySegment v, int attr, int dev) {
        return call("cuDeviceGetAttribute", () -> {
            int value = switch (attr) {
                case CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR -> ccMajor;
                case CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR -> 0;
                case CudaDriver.ATTR_MULTIPROCESSOR_COUNT -> 132;
                case CudaDriver.ATTR_L2_CACHE_SIZE -> 60 << 20;
                case CudaDriver.ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN -> 227 * 1024;
                case CudaDriver.ATTR_MEMORY_CLOCK_RATE -> 2_619_000;
                case CudaDriver.ATTR_GLOBAL_MEMORY_BUS_WIDTH -> 6144;
                default -> -1;
            };
            if (value < 0) return INVALID_VALUE;
            out(v, 4).set(JAVA_INT, 0, value);
            return 0;
        });
    }

    int cuDevicePrimaryCtxRetain(MemorySegment ctx, int dev) {
        return call("cuDevicePrimaryCtxRetain", () -> {
            out(ctx, 8).set(ADDRESS, 0, MemorySegment.ofAddress(0xC0DE0));
            return 0;
        });
    }

    int cuDevicePrimaryCtxRelease_v2(int dev) {
        return call("cuDevicePrimaryCtxRelease_v2", () -> 0);
    }

    int cuCtxSetCurrent(MemorySegment ctx) {
        return call("cuCtxSetCurrent", () -> 0);
    }

    int cuCtxSynchronize() {
        return call("cuCtxSynchronize", this::takeSyncError);
    }

    int cuModuleLoadDataEx(MemorySegment module, MemorySegment image, int n, MemorySegment options, MemorySegment values) {
        return call("cuModuleLoadDataEx", () -> {
            String ptx = image.reinterpret(Integer.MAX_VALUE).getString(0);
            lastPtx = ptx;
            MemorySegment opts = options.reinterpret(4L * n);
            MemorySegment vals = values.reinterpret(8L * n);
            if (ptx.contains("%f9999")) {
                for (int i = 0; i < n; i++) {
                    if (opts.getAtIndex(JAVA_INT, i) == CudaDriver.JIT_ERROR_LOG_BUFFER) {
                        vals.getAtIndex(ADDRESS, i).reinterpret(256).setString(0, "ptxas application ptx input, line 6; error   : Unknown symbol '%f9999'");
                    }
                }
                return CudaException.INVALID_PTX;
            }
            for (int i = 0; i < n; i++) {
                if (opts.getAtIndex(JAVA_INT, i) == CudaDriver.JIT_INFO_LOG_BUFFER) {
                    vals.getAtIndex(ADDRESS, i).reinterpret(64).setString(0, "fake jit: ok");
                }
            }
            out(module, 8).set(ADDRESS, 0, MemorySegment.ofAddress(handle()));
            return 0;
        });
    }

    int cuModuleGetFunction(MemorySegment fn, MemorySegment module, MemorySegment name) {
        return call("cuModuleGetFunction", () -> {
            String n = name.reinterpret(1024).getString(0);
            if (n.equals("missing")) return NOT_FOUND;
            long h = handle();
            functions.put(h, n);
            out(fn, 8).set(ADDRESS, 0, MemorySegment.ofAddress(h));
            return 0;
        });
    }

    int cuModuleUnload(MemorySegment module) {
        return call("cuModuleUnload", () -> 0);
    }

    int cuFuncSetAttribute(MemorySegment fn, int attr, int value) {
        return call("cuFuncSetAttribute", () -> {
            funcAttributes.put(functions.get(fn.address()) + "#" + attr, value);
            return 0;
        });
    }

    int cuFuncGetAttribute(MemorySegment v, int attr, MemorySegment fn) {
        return call("cuFuncGetAttribute", () -> {
            int value = switch (attr) {
                case CudaDriver.FUNC_ATTR_NUM_REGS -> 32;
                case CudaDriver.FUNC_ATTR_MAX_THREADS_PER_BLOCK -> 1024;
                case CudaDriver.FUNC_ATTR_SHARED_SIZE_BYTES -> staticSharedBytes.getOrDefault(functions.get(fn.address()), 0);
                case CudaDriver.FUNC_ATTR_LOCAL_SIZE_BYTES -> 0;
                default -> -1;
            };
            if (value < 0) return INVALID_VALUE;
            out(v, 4).set(JAVA_INT, 0, value);
            return 0;
        });
    }

    int cuLaunchKernel(MemorySegment fn, int gx, int gy, int gz, int bx, int by, int bz, int shared,
                       MemorySegment stream, MemorySegment params, MemorySegment extra) {
        return call("cuLaunchKernel", () -> launch(fn, gx, gy, gz, bx, by, bz, shared, params, false));
    }

    /** Reads {@code CUlaunchConfig} and its attributes at the offsets of the CUDA 12 headers, then launches. */
    int cuLaunchKernelEx(MemorySegment config, MemorySegment fn, MemorySegment params, MemorySegment extra) {
        return call("cuLaunchKernelEx", () -> {
            MemorySegment c = config.reinterpret(56);
            int numAttrs = c.get(JAVA_INT, 48);
            MemorySegment attrs = c.get(ADDRESS, 40).reinterpret(72L * numAttrs);
            boolean early = false;
            for (int i = 0; i < numAttrs; i++) {
                int id = attrs.get(JAVA_INT, 72L * i);
                if (id != 6) return INVALID_VALUE; // only programmatic stream serialization is expected
                early |= attrs.get(JAVA_INT, 72L * i + 8) != 0;
            }
            return launch(fn, c.get(JAVA_INT, 0), c.get(JAVA_INT, 4), c.get(JAVA_INT, 8), c.get(JAVA_INT, 12),
                    c.get(JAVA_INT, 16), c.get(JAVA_INT, 20), c.get(JAVA_INT, 24), params, early);
        });
    }

    private int launch(MemorySegment fn, int gx, int gy, int gz, int bx, int by, int bz, int shared,
                       MemorySegment params, boolean early) {
        String name = functions.get(fn.address());
        if (name == null) return 400; // CUDA_ERROR_INVALID_HANDLE
        Integer optIn = funcAttributes.get(name + "#" + CudaDriver.FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES);
        // like the driver: static + dynamic above 48 KB needs the dynamic part opted in
        int statics = staticSharedBytes.getOrDefault(name, 0);
        if (shared > 0 && shared + statics > 48 * 1024 && (optIn == null || optIn < shared)) return INVALID_VALUE;
        Launch l = new Launch(name, gx, gy, gz, bx, by, bz, shared, params, early);
        synchronized (this) {
            launches.add(l);
        }
        kernelHook.accept(l);
        return 0;
    }

    int cuMemAlloc_v2(MemorySegment ptr, long bytes) {
        return call("cuMemAlloc_v2", () -> {
            synchronized (this) {
                if (bytes <= 0) return INVALID_VALUE;
                if (used + bytes > memoryCapacity) return CudaException.OUT_OF_MEMORY;
                used += bytes;
            }
            MemorySegment m = arena.allocate(bytes, 256);
            allocations.put(m.address(), bytes);
            out(ptr, 8).set(JAVA_LONG, 0, m.address());
            return 0;
        });
    }

    int cuMemFree_v2(long ptr) {
        return call("cuMemFree_v2", () -> {
            Long size = allocations.remove(ptr);
            if (size == null) return INVALID_VALUE;
            synchronized (this) {
                used -= size;
            }
            return 0;
        });
    }

    int cuMemcpyHtoD_v2(long dst, MemorySegment src, long bytes) {
        return call("cuMemcpyHtoD_v2", () -> htod(dst, src, bytes));
    }

    int cuMemcpyHtoDAsync_v2(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        return call("cuMemcpyHtoDAsync_v2", () -> htod(dst, src, bytes));
    }

    private int htod(long dst, MemorySegment src, long bytes) {
        if (!inside(dst, bytes)) return INVALID_VALUE;
        at(dst, bytes).copyFrom(src.reinterpret(bytes));
        synchronized (this) {
            bytesToDevice += bytes;
        }
        return 0;
    }

    int cuMemcpyDtoH_v2(MemorySegment dst, long src, long bytes) {
        return call("cuMemcpyDtoH_v2", () -> dtoh(dst, src, bytes));
    }

    int cuMemcpyDtoHAsync_v2(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        return call("cuMemcpyDtoHAsync_v2", () -> dtoh(dst, src, bytes));
    }

    private int dtoh(MemorySegment dst, long src, long bytes) {
        if (!inside(src, bytes)) return INVALID_VALUE;
        dst.reinterpret(bytes).copyFrom(at(src, bytes));
        synchronized (this) {
            bytesToHost += bytes;
        }
        return 0;
    }

    int cuMemcpyDtoD_v2(long dst, long src, long bytes) {
        return call("cuMemcpyDtoD_v2", () -> dtod(dst, src, bytes));
    }

    int cuMemcpyDtoDAsync_v2(long dst, long src, long bytes, MemorySegment stream) {
        return call("cuMemcpyDtoDAsync_v2", () -> dtod(dst, src, bytes));
    }

    private int dtod(long dst, long src, long bytes) {
        if (!inside(dst, bytes) || !inside(src, bytes)) return INVALID_VALUE;
        at(dst, bytes).copyFrom(at(src, bytes));
        return 0;
    }

    int cuMemsetD8_v2(long dst, byte value, long count) {
        return call("cuMemsetD8_v2", () -> {
            if (!inside(dst, count)) return INVALID_VALUE;
            at(dst, count).fill(value);
            return 0;
        });
    }

    int cuMemGetInfo_v2(MemorySegment free, MemorySegment total) {
        return call("cuMemGetInfo_v2", () -> {
            synchronized (this) {
                out(free, 8).set(JAVA_LONG, 0, memoryCapacity - used);
            }
            out(total, 8).set(JAVA_LONG, 0, memoryCapacity);
            return 0;
        });
    }

    int cuMemHostAlloc(MemorySegment p, long bytes, int flags) {
        return call("cuMemHostAlloc", () -> {
            out(p, 8).set(ADDRESS, 0, arena.allocate(bytes, 4096));
            return 0;
        });
    }

    int cuMemFreeHost(MemorySegment p) {
        return call("cuMemFreeHost", () -> 0);
    }

    int cuMemHostRegister_v2(MemorySegment p, long bytes, int flags) {
        return call("cuMemHostRegister_v2", () -> 0);
    }

    int cuMemHostUnregister(MemorySegment p) {
        return call("cuMemHostUnregister", () -> 0);
    }

    int cuStreamCreate(MemorySegment s, int flags) {
        return call("cuStreamCreate", () -> {
            out(s, 8).set(ADDRESS, 0, MemorySegment.ofAddress(handle()));
            return 0;
        });
    }

    int cuStreamDestroy_v2(MemorySegment s) {
        return call("cuStreamDestroy_v2", () -> 0);
    }

    int cuStreamSynchronize(MemorySegment s) {
        return call("cuStreamSynchronize", () -> 0);
    }

    int cuEventCreate(MemorySegment e, int flags) {
        return call("cuEventCreate", () -> {
            out(e, 8).set(ADDRESS, 0, MemorySegment.ofAddress(handle()));
            return 0;
        });
    }

    int cuEventRecord(MemorySegment e, MemorySegment s) {
        return call("cuEventRecord", () -> 0);
    }

    int cuEventSynchronize(MemorySegment e) {
        return call("cuEventSynchronize", this::takeSyncError);
    }

    int cuEventElapsedTime_v2(MemorySegment ms, MemorySegment start, MemorySegment end) {
        return call("cuEventElapsedTime_v2", () -> {
            out(ms, 4).set(JAVA_FLOAT, 0, 0.25f);
            return 0;
        });
    }

    int cuEventDestroy_v2(MemorySegment e) {
        return call("cuEventDestroy_v2", () -> 0);
    }

    int cuGetErrorName(int code, MemorySegment p) {
        return call("cuGetErrorName", () -> {
            String name = switch (code) {
                case 1 -> "CUDA_ERROR_INVALID_VALUE";
                case CudaException.OUT_OF_MEMORY -> "CUDA_ERROR_OUT_OF_MEMORY";
                case 101 -> "CUDA_ERROR_INVALID_DEVICE";
                case CudaException.INVALID_PTX -> "CUDA_ERROR_INVALID_PTX";
                case NOT_FOUND -> "CUDA_ERROR_NOT_FOUND";
                case 700 -> "CUDA_ERROR_ILLEGAL_ADDRESS";
                default -> null;
            };
            if (name == null) return INVALID_VALUE;
            out(p, 8).set(ADDRESS, 0, errorNames.computeIfAbsent(code, c -> arena.allocateFrom(name)));
            return 0;
        });
    }

    int cuGetErrorString(int code, MemorySegment p) {
        return call("cuGetErrorString", () -> {
            out(p, 8).set(ADDRESS, 0, errorNames.computeIfAbsent(-code - 1, c -> arena.allocateFrom("fake error " + code)));
            return 0;
        });
    }
}
