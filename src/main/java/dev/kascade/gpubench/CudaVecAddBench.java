package dev.kascade.gpubench;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.kernels.corpus.VectorKernels;
import dev.kascade.runtime.CudaDevice;
import dev.kascade.runtime.ResidentLauncher;
import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * The corpus vector add ({@link VectorKernels#vectorAdd}, compiled from Java by the project's compiler) timed on
 * a CUDA GPU with device-resident buffers, the same way as {@code benchmarks/gpu/vecadd.cu}: n floats,
 * {@code SMs x 8} blocks of 256 threads (grid-stride loop, 16-byte loads), CUDA events around each launch,
 * median of the repetitions, 3 arrays counted. The result is checked on the host.
 */
public final class CudaVecAddBench {
    private CudaVecAddBench() {
    }

    /** Runs the benchmark and returns its JSON line. */
    public static String run(CudaDevice device, int n, int reps, int blocksPerSm) {
        if (n < 1) throw new IllegalArgumentException("n: expected >= 1 but got " + n);
        if (reps < 1) throw new IllegalArgumentException("reps: expected >= 1 but got " + reps);
        Method add;
        try {
            add = VectorKernels.class.getMethod("vectorAdd", KernelContext.class, F32Buffer.class, F32Buffer.class,
                    F32Buffer.class, int.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        int blocks = device.info().multiprocessors() * blocksPerSm;
        int threads = 256;
        try (Arena arena = Arena.ofShared(); ResidentLauncher launcher = new ResidentLauncher(device)) {
            F32Buffer a = F32Buffer.allocate(arena, n);
            F32Buffer b = F32Buffer.allocate(arena, n);
            F32Buffer c = F32Buffer.allocate(arena, n);
            for (int i = 0; i < n; i++) {
                float x = (float) ((i * 2654435761L) % 1000) * 0.001f;
                a.set(i, x);
                b.set(i, 2 * x);
            }
            LaunchConfig config = LaunchConfig.of1D(blocks, threads);
            for (int w = 0; w < 3; w++) launcher.submit(add, config, a, b, c, n);
            launcher.synchronize();
            List<DoubleSupplier> times = new ArrayList<>();
            for (int r = 0; r < reps; r++) {
                times.add(launcher.submit(add, config, a, b, c, n));
                launcher.synchronize(); // one launch at a time, like the nvcc reference
            }
            launcher.download(c);
            for (long i : new long[] {0, 1, n / 2, n - 1L}) {
                float expect = a.get(i) + b.get(i);
                if (c.get(i) != expect) {
                    throw new IllegalStateException("vectorAdd: c[" + i + "] = " + c.get(i) + " but expected " + expect);
                }
            }
            double[] ms = times.stream().mapToDouble(DoubleSupplier::getAsDouble).toArray();
            double med = CudaDecodeBench.median(ms);
            double bytes = 3.0 * n * 4;
            return String.format(Locale.ROOT, "{\"kernel\":\"vecadd_java\",\"gpu\":\"%s\",\"date\":\"%s\",\"n\":%d,"
                            + "\"blocks\":%d,\"threads\":%d,\"reps\":%d,\"median_ms\":%.4f,\"tbs\":%.3f}",
                    device.info().name(), LocalDate.now(ZoneOffset.UTC), n, blocks, threads, reps, med,
                    bytes / (med * 1e-3) / 1e12);
        }
    }
}
