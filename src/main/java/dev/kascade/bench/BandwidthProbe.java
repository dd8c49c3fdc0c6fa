package dev.kascade.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the main-memory read bandwidth this JVM can reach with all its cores: the ceiling dense decode
 * (which streams K and V once) is compared against.
 *
 * <p>Parallel split: the buffer (much larger than the last-level cache) is cut into one contiguous slice per
 * thread; every thread sums its slice with the Vector API, four independent accumulators deep. Memory traffic:
 * each byte is read once per repetition, nothing is written. A repetition's time is from the common start to
 * the last thread's end, so the figure is the aggregate bandwidth.
 */
public final class BandwidthProbe {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Default buffer: 512 MiB, far above any L3 of the machines this runs on. */
    public static final long DEFAULT_BYTES = 512L << 20;

    /**
     * The outcome of a probe.
     *
     * @param bestGbs   fastest repetition, in GB/s (10^9 bytes per second)
     * @param medianGbs median repetition, in GB/s
     * @param bytes     buffer size read per repetition
     * @param threads   reader threads
     * @param reps      repetitions
     */
    public record Result(double bestGbs, double medianGbs, long bytes, int threads, int reps) {
    }

    private BandwidthProbe() {
    }

    /** Probes with a 512 MiB buffer, all available processors and 45 repetitions (as many as decode bench rounds). */
    public static Result measure() {
        return measure(DEFAULT_BYTES, Runtime.getRuntime().availableProcessors(), 45);
    }

    /**
     * @param bytes   buffer size, rounded down to a whole number of vectors per thread; at least 1 MiB
     * @param threads reader threads, at least 1
     * @param reps    timed repetitions, at least 1 (one untimed warm-up pass runs first)
     */
    public static Result measure(long bytes, int threads, int reps) {
        if (bytes < (1 << 20)) throw new IllegalArgumentException("bytes: expected at least 1 MiB but got " + bytes);
        if (threads < 1) throw new IllegalArgumentException("threads: expected >= 1 but got " + threads);
        if (reps < 1) throw new IllegalArgumentException("reps: expected >= 1 but got " + reps);
        long vectorBytes = SPECIES.vectorByteSize() * 4L;
        long slice = bytes / threads / vectorBytes * vectorBytes;
        long total = slice * threads;
        try (Arena arena = Arena.ofShared(); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            // Huge pages where available, like the K/V tensors the probe is compared with (Tensor.allocate).
            MemorySegment buf = dev.kascade.tensor.HugePages.allocate(arena, total);
            // Touch every page with non-zero data so the pages are real and the sum cannot be folded away.
            for (long off = 0; off < total; off += 4096) buf.set(ValueLayout.JAVA_FLOAT, off, 1.0f + (off & 7));
            double[] seconds = new double[reps];
            double sink = 0;
            for (int rep = -1; rep < reps; rep++) {
                List<Future<Double>> parts = new ArrayList<>(threads);
                long start = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    MemorySegment part = buf.asSlice(t * slice, slice);
                    parts.add(pool.submit(() -> sum(part)));
                }
                for (Future<Double> f : parts) sink += f.get();
                if (rep >= 0) seconds[rep] = (System.nanoTime() - start) / 1e9;
            }
            if (Double.isNaN(sink)) throw new IllegalStateException("bandwidth probe: the sum is NaN");
            Arrays.sort(seconds);
            return new Result(total / seconds[0] / 1e9, total / seconds[reps / 2] / 1e9, total, threads, reps);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bandwidth probe interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("bandwidth probe failed: " + e.getCause(), e.getCause());
        }
    }

    /** Vector sum of a slice whose length is a multiple of four vectors. */
    private static double sum(MemorySegment s) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        long step = SPECIES.vectorByteSize();
        ByteOrder order = ByteOrder.nativeOrder();
        for (long off = 0; off < s.byteSize(); off += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(SPECIES, s, off, order));
            a1 = a1.add(FloatVector.fromMemorySegment(SPECIES, s, off + step, order));
            a2 = a2.add(FloatVector.fromMemorySegment(SPECIES, s, off + 2 * step, order));
            a3 = a3.add(FloatVector.fromMemorySegment(SPECIES, s, off + 3 * step, order));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }
}
