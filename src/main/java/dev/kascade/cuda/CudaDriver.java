package dev.kascade.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The CUDA driver API ({@code libcuda.so.1}) through FFM downcalls: no JNI, no CUDA toolkit at run time.
 * One method per driver function Kascade uses; every non-zero {@code CUresult} becomes a
 * {@link CudaException} naming the error and the call. Handles ({@code CUcontext}, {@code CUmodule},
 * {@code CUfunction}, {@code CUstream}, {@code CUevent}) and device pointers are plain {@code long}s here;
 * the owning wrappers ({@link CudaContext}, {@link DeviceMemory}, {@link CudaModule} ...) give them types,
 * lifetimes and bounds checks.
 *
 * <p>The driver is stateless apart from the thread's current context, which {@link CudaContext} sets.
 * {@link #system()} loads the machine's driver once; the public constructor takes any {@link SymbolLookup},
 * which is how the tests put a fake driver (FFM upcall stubs) behind the same downcalls.
 */
public final class CudaDriver {
    /** The only native library the bindings load. */
    public static final String LIBRARY = "libcuda.so.1";

    // CUdevice_attribute values (cuda.h).
    public static final int ATTR_MAX_THREADS_PER_BLOCK = 1;
    public static final int ATTR_CLOCK_RATE = 13;
    public static final int ATTR_MULTIPROCESSOR_COUNT = 16;
    public static final int ATTR_MEMORY_CLOCK_RATE = 36;
    public static final int ATTR_GLOBAL_MEMORY_BUS_WIDTH = 37;
    public static final int ATTR_L2_CACHE_SIZE = 38;
    public static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int ATTR_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

    // CUfunction_attribute values.
    public static final int FUNC_ATTR_MAX_THREADS_PER_BLOCK = 0;
    public static final int FUNC_ATTR_SHARED_SIZE_BYTES = 1;
    public static final int FUNC_ATTR_LOCAL_SIZE_BYTES = 3;
    public static final int FUNC_ATTR_NUM_REGS = 4;
    public static final int FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

    // CUjit_option values used by cuModuleLoadDataEx.
    static final int JIT_INFO_LOG_BUFFER = 3;
    static final int JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
    static final int JIT_ERROR_LOG_BUFFER = 5;
    static final int JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    static final int JIT_LOG_VERBOSE = 12;

    /** {@code CU_MEMHOSTALLOC_PORTABLE}: pinned memory usable from every context. */
    public static final int MEMHOSTALLOC_PORTABLE = 0x01;
    /** {@code CU_MEMHOSTREGISTER_PORTABLE}. */
    public static final int MEMHOSTREGISTER_PORTABLE = 0x01;
    /** {@code CU_MEMHOSTREGISTER_READ_ONLY}: the device only reads the registered range. */
    public static final int MEMHOSTREGISTER_READ_ONLY = 0x08;

    /**
     * Every function this class calls, with its C signature as an FFM descriptor. Where CUDA renamed a
     * function ({@code _v2}), the current name comes first and the old one is the fallback.
     */
    static final Map<String, FunctionDescriptor> SIGNATURES = signatures();

    private static Map<String, FunctionDescriptor> signatures() {
        Map<String, FunctionDescriptor> m = new LinkedHashMap<>();
        m.put("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        m.put("cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        m.put("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        m.put("cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        m.put("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        m.put("cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        m.put("cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        m.put("cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuCtxSynchronize", FunctionDescriptor.of(JAVA_INT));
        m.put("cuModuleLoadDataEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        m.put("cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        m.put("cuModuleUnload", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuFuncSetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        m.put("cuFuncGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        m.put("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        m.put("cuLaunchKernelEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        m.put("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        m.put("cuMemcpyHtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
        m.put("cuMemcpyDtoH_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        m.put("cuMemcpyDtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        m.put("cuMemcpyHtoDAsync_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        m.put("cuMemcpyDtoHAsync_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        m.put("cuMemcpyDtoDAsync_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        m.put("cuMemsetD8_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_BYTE, JAVA_LONG));
        m.put("cuMemGetInfo_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        m.put("cuMemHostAlloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        m.put("cuMemFreeHost", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuMemHostRegister_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        m.put("cuMemHostUnregister", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuStreamCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        m.put("cuStreamDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuStreamSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuEventCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        m.put("cuEventRecord", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        m.put("cuEventSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuEventElapsedTime_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        m.put("cuEventDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        m.put("cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        return Map.copyOf(m);
    }

    private static final Object SYSTEM_LOCK = new Object();
    private static CudaDriver system;
    private static CudaUnavailableException systemFailure;

    private final String source;
    private final MethodHandle cuInit, cuDriverGetVersion, cuDeviceGetCount, cuDeviceGet, cuDeviceGetName,
            cuDeviceTotalMem, cuDeviceGetAttribute, cuDevicePrimaryCtxRetain, cuDevicePrimaryCtxRelease,
            cuCtxSetCurrent, cuCtxSynchronize, cuModuleLoadDataEx, cuModuleGetFunction, cuModuleUnload,
            cuFuncSetAttribute, cuFuncGetAttribute, cuLaunchKernel, cuLaunchKernelEx, cuMemAlloc, cuMemFree,
            cuMemcpyHtoD, cuMemcpyDtoH, cuMemcpyDtoD, cuMemcpyHtoDAsync, cuMemcpyDtoHAsync, cuMemcpyDtoDAsync, cuMemsetD8,
            cuMemGetInfo, cuMemHostAlloc, cuMemFreeHost, cuMemHostRegister, cuMemHostUnregister, cuStreamCreate,
            cuStreamDestroy, cuStreamSynchronize, cuEventCreate, cuEventRecord, cuEventSynchronize,
            cuEventElapsedTime, cuEventDestroy, cuGetErrorName, cuGetErrorString;

    /**
     * Binds every driver function from {@code lookup}.
     *
     * @param source what the lookup is, for messages ({@code libcuda.so.1}, "fake driver")
     * @throws CudaUnavailableException when a function is missing (a driver older than CUDA 12)
     */
    public CudaDriver(SymbolLookup lookup, String source) {
        this.source = source;
        cuInit = bind(lookup, "cuInit");
        cuDriverGetVersion = bind(lookup, "cuDriverGetVersion");
        cuDeviceGetCount = bind(lookup, "cuDeviceGetCount");
        cuDeviceGet = bind(lookup, "cuDeviceGet");
        cuDeviceGetName = bind(lookup, "cuDeviceGetName");
        cuDeviceTotalMem = bind(lookup, "cuDeviceTotalMem_v2");
        cuDeviceGetAttribute = bind(lookup, "cuDeviceGetAttribute");
        cuDevicePrimaryCtxRetain = bind(lookup, "cuDevicePrimaryCtxRetain");
        cuDevicePrimaryCtxRelease = bind(lookup, "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
        cuCtxSetCurrent = bind(lookup, "cuCtxSetCurrent");
        cuCtxSynchronize = bind(lookup, "cuCtxSynchronize");
        cuModuleLoadDataEx = bind(lookup, "cuModuleLoadDataEx");
        cuModuleGetFunction = bind(lookup, "cuModuleGetFunction");
        cuModuleUnload = bind(lookup, "cuModuleUnload");
        cuFuncSetAttribute = bind(lookup, "cuFuncSetAttribute");
        cuFuncGetAttribute = bind(lookup, "cuFuncGetAttribute");
        cuLaunchKernel = bind(lookup, "cuLaunchKernel");
        cuLaunchKernelEx = bind(lookup, "cuLaunchKernelEx");
        cuMemAlloc = bind(lookup, "cuMemAlloc_v2");
        cuMemFree = bind(lookup, "cuMemFree_v2");
        cuMemcpyHtoD = bind(lookup, "cuMemcpyHtoD_v2");
        cuMemcpyDtoH = bind(lookup, "cuMemcpyDtoH_v2");
        cuMemcpyDtoD = bind(lookup, "cuMemcpyDtoD_v2");
        cuMemcpyHtoDAsync = bind(lookup, "cuMemcpyHtoDAsync_v2");
        cuMemcpyDtoHAsync = bind(lookup, "cuMemcpyDtoHAsync_v2");
        cuMemcpyDtoDAsync = bind(lookup, "cuMemcpyDtoDAsync_v2");
        cuMemsetD8 = bind(lookup, "cuMemsetD8_v2");
        cuMemGetInfo = bind(lookup, "cuMemGetInfo_v2");
        cuMemHostAlloc = bind(lookup, "cuMemHostAlloc");
        cuMemFreeHost = bind(lookup, "cuMemFreeHost");
        cuMemHostRegister = bind(lookup, "cuMemHostRegister_v2");
        cuMemHostUnregister = bind(lookup, "cuMemHostUnregister");
        cuStreamCreate = bind(lookup, "cuStreamCreate");
        cuStreamDestroy = bind(lookup, "cuStreamDestroy_v2", "cuStreamDestroy");
        cuStreamSynchronize = bind(lookup, "cuStreamSynchronize");
        cuEventCreate = bind(lookup, "cuEventCreate");
        cuEventRecord = bind(lookup, "cuEventRecord");
        cuEventSynchronize = bind(lookup, "cuEventSynchronize");
        cuEventElapsedTime = bind(lookup, "cuEventElapsedTime_v2", "cuEventElapsedTime");
        cuEventDestroy = bind(lookup, "cuEventDestroy_v2", "cuEventDestroy");
        cuGetErrorName = bind(lookup, "cuGetErrorName");
        cuGetErrorString = bind(lookup, "cuGetErrorString");
    }

    /**
     * The machine's driver, loaded and initialised ({@code cuInit(0)}) once per JVM.
     *
     * @throws CudaUnavailableException "no NVIDIA driver (libcuda.so.1) found" when the library is absent,
     *                                  or the {@code cuInit} error (for example no device)
     */
    public static CudaDriver system() {
        synchronized (SYSTEM_LOCK) {
            if (system != null) return system;
            if (systemFailure != null) throw new CudaUnavailableException(systemFailure.getMessage(), systemFailure);
            try {
                CudaDriver d = load(LIBRARY, Arena.global());
                d.init();
                system = d;
                return d;
            } catch (CudaUnavailableException e) {
                systemFailure = e;
                throw e;
            } catch (CudaException e) {
                systemFailure = new CudaUnavailableException("the NVIDIA driver did not initialise: " + e.getMessage(), e);
                throw systemFailure;
            }
        }
    }

    /** True when {@link #system()} would succeed; never throws. */
    public static boolean isAvailable() {
        try {
            system();
            return true;
        } catch (CudaUnavailableException e) {
            return false;
        }
    }

    /**
     * Binds the driver in the shared library {@code library} without initialising it.
     *
     * @throws CudaUnavailableException when the library cannot be loaded
     */
    public static CudaDriver load(String library, Arena arena) {
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(library, arena);
        } catch (IllegalArgumentException e) {
            throw new CudaUnavailableException("no NVIDIA driver (" + library + ") found: install the NVIDIA driver "
                    + "or use the CPU device (" + e.getMessage() + ")", e);
        }
        return new CudaDriver(lookup, library);
    }

    private static MethodHandle bind(SymbolLookup lookup, String... names) {
        FunctionDescriptor fd = SIGNATURES.get(names[0]);
        for (String n : names) {
            Optional<MemorySegment> sym = lookup.find(n);
            if (sym.isPresent()) return Linker.nativeLinker().downcallHandle(sym.get(), fd);
        }
        throw new CudaUnavailableException("the NVIDIA driver lacks " + names[0]
                + "; Kascade needs a driver for CUDA 12 or newer");
    }

    /** Where the functions came from. */
    public String source() {
        return source;
    }

    // ---------------------------------------------------------------- errors

    @FunctionalInterface
    private interface Native {
        int call() throws Throwable;
    }

    private static int invoke(Native c) {
        try {
            return c.call();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    private void check(int rc, String call) {
        if (rc != 0) throw new CudaException(rc, errorName(rc), call, errorString(rc));
    }

    /** The driver's name for {@code code}, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}; never throws. */
    public String errorName(int code) {
        return lookupString(cuGetErrorName, code, "CUDA_ERROR_" + code);
    }

    /** The driver's description of {@code code}; never throws. */
    public String errorString(int code) {
        return lookupString(cuGetErrorString, code, "");
    }

    private static String lookupString(MethodHandle h, int code, String fallback) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int rc = invoke(() -> (int) h.invokeExact(code, out));
            MemorySegment p = out.get(ADDRESS, 0);
            if (rc != 0 || p.equals(MemorySegment.NULL)) return fallback;
            return p.reinterpret(4096).getString(0);
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    // ---------------------------------------------------------------- initialisation and devices

    public void init() {
        check(invoke(() -> (int) cuInit.invokeExact(0)), "cuInit(0)");
    }

    /** The driver's CUDA version as 1000 * major + 10 * minor (13000 for CUDA 13.0). */
    public int driverVersion() {
        return outInt(out -> (int) cuDriverGetVersion.invokeExact(out), "cuDriverGetVersion");
    }

    public int deviceCount() {
        return outInt(out -> (int) cuDeviceGetCount.invokeExact(out), "cuDeviceGetCount");
    }

    /** The {@code CUdevice} of the {@code ordinal}-th GPU. */
    public int device(int ordinal) {
        return outInt(out -> (int) cuDeviceGet.invokeExact(out, ordinal), "cuDeviceGet(" + ordinal + ")");
    }

    public String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            check(invoke(() -> (int) cuDeviceGetName.invokeExact(buf, 256, device)), "cuDeviceGetName(" + device + ")");
            return buf.getString(0);
        }
    }

    public long deviceTotalMem(int device) {
        return outLong(out -> (int) cuDeviceTotalMem.invokeExact(out, device), "cuDeviceTotalMem_v2(" + device + ")");
    }

    /** One {@code CU_DEVICE_ATTRIBUTE_*} value ({@link #ATTR_MULTIPROCESSOR_COUNT} ...). */
    public int deviceAttribute(int attribute, int device) {
        return outInt(out -> (int) cuDeviceGetAttribute.invokeExact(out, attribute, device),
                "cuDeviceGetAttribute(" + attribute + ", " + device + ")");
    }

    /** Retains the device's primary context (shared with every other user of the device in this process). */
    public long primaryCtxRetain(int device) {
        return outPointer(out -> (int) cuDevicePrimaryCtxRetain.invokeExact(out, device),
                "cuDevicePrimaryCtxRetain(" + device + ")");
    }

    public void primaryCtxRelease(int device) {
        check(invoke(() -> (int) cuDevicePrimaryCtxRelease.invokeExact(device)), "cuDevicePrimaryCtxRelease_v2(" + device + ")");
    }

    public void ctxSetCurrent(long ctx) {
        check(invoke(() -> (int) cuCtxSetCurrent.invokeExact(MemorySegment.ofAddress(ctx))), "cuCtxSetCurrent");
    }

    /** Waits for all work in the current context; a kernel fault surfaces here. */
    public void ctxSynchronize() {
        check(invoke(() -> (int) cuCtxSynchronize.invokeExact()), "cuCtxSynchronize");
    }

    // ---------------------------------------------------------------- modules and launches

    /** A loaded module and the JIT's informational log (may be empty). */
    public record LoadedModule(long module, String infoLog) {
    }

    /**
     * Loads PTX text (the driver JIT-compiles it for the current context's device) with the JIT's info and
     * error logs captured; a failure's {@link CudaException} message carries the error log.
     */
    public LoadedModule moduleLoadPtx(String ptx, int logBytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment image = a.allocateFrom(ptx);
            MemorySegment infoLog = a.allocate(logBytes);
            MemorySegment errorLog = a.allocate(logBytes);
            MemorySegment options = a.allocateFrom(JAVA_INT, JIT_INFO_LOG_BUFFER, JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                    JIT_ERROR_LOG_BUFFER, JIT_ERROR_LOG_BUFFER_SIZE_BYTES, JIT_LOG_VERBOSE);
            // Option values are void*: buffers as pointers, sizes and flags as pointer-sized integers.
            MemorySegment values = a.allocate(ADDRESS, 5);
            values.setAtIndex(ADDRESS, 0, infoLog);
            values.setAtIndex(JAVA_LONG, 1, logBytes);
            values.setAtIndex(ADDRESS, 2, errorLog);
            values.setAtIndex(JAVA_LONG, 3, logBytes);
            values.setAtIndex(JAVA_LONG, 4, 1);
            MemorySegment out = a.allocate(ADDRESS);
            int rc = invoke(() -> (int) cuModuleLoadDataEx.invokeExact(out, image, 5, options, values));
            if (rc != 0) {
                String log = errorLog.getString(0).strip();
                throw new CudaException(rc, errorName(rc), "cuModuleLoadDataEx(" + ptx.length() + " chars of PTX)",
                        errorString(rc) + (log.isEmpty() ? "" : "\nJIT error log:\n" + log));
            }
            return new LoadedModule(out.get(ADDRESS, 0).address(), infoLog.getString(0).strip());
        }
    }

    public long moduleGetFunction(long module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cname = a.allocateFrom(name);
            return outPointer(out -> (int) cuModuleGetFunction.invokeExact(out, MemorySegment.ofAddress(module), cname),
                    "cuModuleGetFunction(\"" + name + "\")");
        }
    }

    public void moduleUnload(long module) {
        check(invoke(() -> (int) cuModuleUnload.invokeExact(MemorySegment.ofAddress(module))), "cuModuleUnload");
    }

    public void funcSetAttribute(long function, int attribute, int value) {
        check(invoke(() -> (int) cuFuncSetAttribute.invokeExact(MemorySegment.ofAddress(function), attribute, value)),
                "cuFuncSetAttribute(" + attribute + ", " + value + ")");
    }

    public int funcGetAttribute(int attribute, long function) {
        return outInt(out -> (int) cuFuncGetAttribute.invokeExact(out, attribute, MemorySegment.ofAddress(function)),
                "cuFuncGetAttribute(" + attribute + ")");
    }

    /**
     * Enqueues a kernel. {@code params} is the array of pointers to each argument's storage, in
     * {@code .param} order (see {@link KernelParams}).
     */
    public void launchKernel(long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                             int sharedBytes, long stream, MemorySegment params) {
        int rc = invoke(() -> (int) cuLaunchKernel.invokeExact(MemorySegment.ofAddress(function), gridX, gridY, gridZ,
                blockX, blockY, blockZ, sharedBytes, MemorySegment.ofAddress(stream), params, MemorySegment.NULL));
        if (rc != 0) {
            check(rc, "cuLaunchKernel(grid " + gridX + "x" + gridY + "x" + gridZ + ", block " + blockX + "x" + blockY
                    + "x" + blockZ + ", " + sharedBytes + " B dynamic shared)");
        }
    }

    /** {@code CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION}. */
    static final int LAUNCH_ATTR_PROGRAMMATIC_STREAM_SERIALIZATION = 6;
    /**
     * {@code CUlaunchConfig}: grid x, y, z, block x, y, z, dynamic shared bytes (7 x u32, then 4 bytes of padding),
     * the stream, the attribute array, the attribute count (u32, padded to 8): 56 bytes.
     */
    static final long LAUNCH_CONFIG_BYTES = 56;
    static final long LAUNCH_CONFIG_STREAM = 32, LAUNCH_CONFIG_ATTRS = 40, LAUNCH_CONFIG_NUM_ATTRS = 48;
    /** {@code CUlaunchAttribute}: the id (u32), 4 bytes of padding, a 64-byte value union: 72 bytes. */
    static final long LAUNCH_ATTRIBUTE_BYTES = 72, LAUNCH_ATTRIBUTE_VALUE = 8;

    /**
     * Enqueues a kernel that may start before the kernel ahead of it in the stream has finished
     * ({@code cuLaunchKernelEx} with programmatic stream serialization, CUDA 12, compute capability 9.0+): its blocks
     * must wait ({@code griddepcontrol.wait}) before reading that kernel's results. Otherwise as {@link #launchKernel}.
     */
    public void launchKernelEarly(long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                  int sharedBytes, long stream, MemorySegment params) {
        int rc;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(LAUNCH_ATTRIBUTE_BYTES, 8);
            attr.set(JAVA_INT, 0, LAUNCH_ATTR_PROGRAMMATIC_STREAM_SERIALIZATION);
            attr.set(JAVA_INT, LAUNCH_ATTRIBUTE_VALUE, 1); // programmaticStreamSerializationAllowed
            MemorySegment config = arena.allocate(LAUNCH_CONFIG_BYTES, 8);
            int[] dims = {gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes};
            for (int i = 0; i < dims.length; i++) config.set(JAVA_INT, 4L * i, dims[i]);
            config.set(JAVA_LONG, LAUNCH_CONFIG_STREAM, stream);
            config.set(ADDRESS, LAUNCH_CONFIG_ATTRS, attr);
            config.set(JAVA_INT, LAUNCH_CONFIG_NUM_ATTRS, 1);
            rc = invoke(() -> (int) cuLaunchKernelEx.invokeExact(config, MemorySegment.ofAddress(function), params,
                    MemorySegment.NULL));
        }
        if (rc != 0) {
            check(rc, "cuLaunchKernelEx(grid " + gridX + "x" + gridY + "x" + gridZ + ", block " + blockX + "x" + blockY
                    + "x" + blockZ + ", " + sharedBytes + " B dynamic shared, early launch)");
        }
    }

    // ---------------------------------------------------------------- memory

    /**
     * Allocates device memory. Out of memory is reported with the requested size and the device's free
     * and total memory.
     */
    public long memAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            int rc = invoke(() -> (int) cuMemAlloc.invokeExact(out, bytes));
            if (rc == CudaException.OUT_OF_MEMORY) {
                String free;
                try {
                    long[] info = memGetInfo();
                    free = "the device has " + info[0] + " bytes free of " + info[1];
                } catch (CudaException e) {
                    free = "free memory unknown";
                }
                throw new CudaException(rc, errorName(rc), "cuMemAlloc_v2(" + bytes + " bytes)",
                        "requested " + bytes + " bytes but " + free);
            }
            check(rc, "cuMemAlloc_v2(" + bytes + " bytes)");
            return out.get(JAVA_LONG, 0);
        }
    }

    public void memFree(long devicePtr) {
        check(invoke(() -> (int) cuMemFree.invokeExact(devicePtr)), "cuMemFree_v2");
    }

    /** Copies {@code bytes} from host {@code src} (heap segments are staged through native memory). */
    public void memcpyHtoD(long dst, MemorySegment src, long bytes) {
        requireHostRange(src, bytes, "memcpyHtoD");
        if (!src.isNative()) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment staged = a.allocate(bytes, 16).copyFrom(src.asSlice(0, bytes));
                memcpyHtoD(dst, staged, bytes);
                return;
            }
        }
        check(invoke(() -> (int) cuMemcpyHtoD.invokeExact(dst, src, bytes)), "cuMemcpyHtoD_v2(" + bytes + " bytes)");
    }

    /** Copies {@code bytes} to host {@code dst} (heap segments are staged through native memory). */
    public void memcpyDtoH(MemorySegment dst, long src, long bytes) {
        requireHostRange(dst, bytes, "memcpyDtoH");
        if (!dst.isNative()) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment staged = a.allocate(bytes, 16);
                memcpyDtoH(staged, src, bytes);
                dst.asSlice(0, bytes).copyFrom(staged);
                return;
            }
        }
        check(invoke(() -> (int) cuMemcpyDtoH.invokeExact(dst, src, bytes)), "cuMemcpyDtoH_v2(" + bytes + " bytes)");
    }

    public void memcpyDtoD(long dst, long src, long bytes) {
        check(invoke(() -> (int) cuMemcpyDtoD.invokeExact(dst, src, bytes)), "cuMemcpyDtoD_v2(" + bytes + " bytes)");
    }

    /** Asynchronous host-to-device copy on {@code stream}; {@code src} must be native and stay alive until done. */
    public void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, long stream) {
        requireHostRange(src, bytes, "memcpyHtoDAsync");
        requireNative(src, "memcpyHtoDAsync");
        check(invoke(() -> (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, MemorySegment.ofAddress(stream))),
                "cuMemcpyHtoDAsync_v2(" + bytes + " bytes)");
    }

    /** Asynchronous device-to-host copy on {@code stream}; {@code dst} must be native and stay alive until done. */
    public void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, long stream) {
        requireHostRange(dst, bytes, "memcpyDtoHAsync");
        requireNative(dst, "memcpyDtoHAsync");
        check(invoke(() -> (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, MemorySegment.ofAddress(stream))),
                "cuMemcpyDtoHAsync_v2(" + bytes + " bytes)");
    }

    public void memcpyDtoDAsync(long dst, long src, long bytes, long stream) {
        check(invoke(() -> (int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, MemorySegment.ofAddress(stream))),
                "cuMemcpyDtoDAsync_v2(" + bytes + " bytes)");
    }

    public void memsetD8(long dst, byte value, long count) {
        check(invoke(() -> (int) cuMemsetD8.invokeExact(dst, value, count)), "cuMemsetD8_v2(" + count + " bytes)");
    }

    /** {@code {free, total}} bytes of the current context's device. */
    public long[] memGetInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            check(invoke(() -> (int) cuMemGetInfo.invokeExact(free, total)), "cuMemGetInfo_v2");
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        }
    }

    /** Page-locked host memory of {@code bytes}, as a segment of that size. */
    public MemorySegment memHostAlloc(long bytes, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(invoke(() -> (int) cuMemHostAlloc.invokeExact(out, bytes, flags)), "cuMemHostAlloc(" + bytes + " bytes)");
            return out.get(ADDRESS, 0).reinterpret(bytes);
        }
    }

    public void memFreeHost(MemorySegment pinned) {
        check(invoke(() -> (int) cuMemFreeHost.invokeExact(pinned)), "cuMemFreeHost");
    }

    /** Page-locks an existing native host range (an Arrow buffer, say) so copies from it can run async. */
    public void memHostRegister(MemorySegment host, int flags) {
        requireNative(host, "memHostRegister");
        long bytes = host.byteSize();
        check(invoke(() -> (int) cuMemHostRegister.invokeExact(host, bytes, flags)),
                "cuMemHostRegister_v2(" + bytes + " bytes)");
    }

    public void memHostUnregister(MemorySegment host) {
        check(invoke(() -> (int) cuMemHostUnregister.invokeExact(host)), "cuMemHostUnregister");
    }

    // ---------------------------------------------------------------- streams and events

    public long streamCreate(int flags) {
        return outPointer(out -> (int) cuStreamCreate.invokeExact(out, flags), "cuStreamCreate");
    }

    public void streamDestroy(long stream) {
        check(invoke(() -> (int) cuStreamDestroy.invokeExact(MemorySegment.ofAddress(stream))), "cuStreamDestroy_v2");
    }

    public void streamSynchronize(long stream) {
        check(invoke(() -> (int) cuStreamSynchronize.invokeExact(MemorySegment.ofAddress(stream))), "cuStreamSynchronize");
    }

    public long eventCreate(int flags) {
        return outPointer(out -> (int) cuEventCreate.invokeExact(out, flags), "cuEventCreate");
    }

    public void eventRecord(long event, long stream) {
        check(invoke(() -> (int) cuEventRecord.invokeExact(MemorySegment.ofAddress(event), MemorySegment.ofAddress(stream))),
                "cuEventRecord");
    }

    public void eventSynchronize(long event) {
        check(invoke(() -> (int) cuEventSynchronize.invokeExact(MemorySegment.ofAddress(event))), "cuEventSynchronize");
    }

    /** Milliseconds between two recorded events (about 0.5 us resolution). */
    public float eventElapsedTime(long start, long end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_FLOAT);
            check(invoke(() -> (int) cuEventElapsedTime.invokeExact(out, MemorySegment.ofAddress(start),
                    MemorySegment.ofAddress(end))), "cuEventElapsedTime_v2");
            return out.get(JAVA_FLOAT, 0);
        }
    }

    public void eventDestroy(long event) {
        check(invoke(() -> (int) cuEventDestroy.invokeExact(MemorySegment.ofAddress(event))), "cuEventDestroy_v2");
    }

    // ---------------------------------------------------------------- helpers

    @FunctionalInterface
    private interface OutCall {
        int call(MemorySegment out) throws Throwable;
    }

    private int outInt(OutCall c, String call) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check(invoke(() -> c.call(out)), call);
            return out.get(JAVA_INT, 0);
        }
    }

    private long outLong(OutCall c, String call) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            check(invoke(() -> c.call(out)), call);
            return out.get(JAVA_LONG, 0);
        }
    }

    private long outPointer(OutCall c, String call) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(invoke(() -> c.call(out)), call);
            return out.get(ADDRESS, 0).address();
        }
    }

    private static void requireHostRange(MemorySegment host, long bytes, String op) {
        if (bytes < 0 || bytes > host.byteSize()) {
            throw new IllegalArgumentException(op + ": " + bytes + " bytes requested but the host segment holds "
                    + host.byteSize());
        }
    }

    private static void requireNative(MemorySegment host, String op) {
        if (!host.isNative()) {
            throw new IllegalArgumentException(op + ": needs native (off-heap) host memory, got a heap segment; "
                    + "copy it into an Arena-allocated or pinned segment first");
        }
    }
}
