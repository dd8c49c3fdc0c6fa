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
 * thread, and every thread sums its slice with the Vector API, four independent accumulators deep. Access
 * patterns: a thread reads its slice as S interleaved sequential streams (the slice cut into S equal parts, one
 * run of four vectors from each part in turn), for each S of {@link #STREAMS}; a round reads the whole buffer once
 * with every pattern, and the result is the pattern whose best repetition was fastest. Memory traffic: each byte is
 * read once per repetition, nothing is written. A repetition's time is from the common start to the last thread's
 * end, so the figure is the aggregate bandwidth.
 *
 * <p>Why several streams: the hardware prefetchers follow each sequential stream separately, so more streams keep
 * more lines in flight, and one stream per thread understates what the machine reaches. On the 2-vCPU Zen 5 VM
 * (512 MiB, 2 MiB pages, best of 15, three processes, 2026-11-30): 1 stream per thread 49.3-52.0 GB/s, 2 streams
 * 56.2-59.2, 3 55.7-59.1, 4 63.0-66.6, 6 66.9-72.6, 8 63.5-67.6, 16 52.0-55.3. Until then the probe read one
 * stream per thread, which the best pattern exceeds by 25-40% there, so dense decode's share of it read 1.25-1.4x
 * too high ({@code benchmarks/results/cpu-2026-11-30-fourteenth-session/}).
 */
public final class BandwidthProbe {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Default buffer: 512 MiB, far above any L3 of the machines this runs on. */
    public static final long DEFAULT_BYTES = 512L << 20;
    /** The access patterns tried: sequential streams per thread. */
    static final int[] STREAMS = {1, 2, 4, 6, 8};
    /** A slice is a whole number of runs of four vectors in every pattern: lcm(STREAMS) = 24 runs. */
    private static final int RUNS_PER_UNIT = 24;

    /**
     * One access pattern's outcome.
     *
     * @param streams   sequential streams per thread
     * @param bestGbs   its fastest repetition, in GB/s (10^9 bytes per second)
     * @param medianGbs its median repetition, in GB/s
     */
    public record Pattern(int streams, double bestGbs, double medianGbs) {
    }

    /**
     * The outcome of a probe: the figures of its fastest pattern.
     *
     * @param bestGbs   fastest repetition of the fastest pattern, in GB/s (10^9 bytes per second)
     * @param medianGbs median repetition of that pattern, in GB/s
     * @param bytes     buffer size read per repetition
     * @param threads   reader threads
     * @param reps      repetitions per pattern
     * @param streams   streams per thread of that pattern
     * @param patterns  every pattern tried, in {@link #STREAMS} order
     */
    public record Result(double bestGbs, double medianGbs, long bytes, int threads, int reps, int streams,
                         List<Pattern> patterns) {
        public Result {
            patterns = List.copyOf(patterns);
        }

        /** A result of a single one-stream pattern (for backends and tests that know their figures). */
        public Result(double bestGbs, double medianGbs, long bytes, int threads, int reps) {
            this(bestGbs, medianGbs, bytes, threads, reps, 1, List.of(new Pattern(1, bestGbs, medianGbs)));
        }
    }

    private BandwidthProbe() {
    }

    /** Probes with a 512 MiB buffer, all available processors and 45 rounds (as many as decode bench rounds). */
    public static Result measure() {
        return measure(DEFAULT_BYTES, Runtime.getRuntime().availableProcessors(), 45);
    }

    /**
     * @param bytes   buffer size, rounded down to a whole number of vector runs per thread and stream; at least 1 MiB
     * @param threads reader threads, at least 1
     * @param reps    timed rounds (one repetition of every pattern each), at least 1; one untimed warm-up round runs
     *                first
     */
    public static Result measure(long bytes, int threads, int reps) {
        if (bytes < (1 << 20)) throw new IllegalArgumentException("bytes: expected at least 1 MiB but got " + bytes);
        if (threads < 1) throw new IllegalArgumentException("threads: expected >= 1 but got " + threads);
        if (reps < 1) throw new IllegalArgumentException("reps: expected >= 1 but got " + reps);
        long unit = SPECIES.vectorByteSize() * 4L * RUNS_PER_UNIT;
        long slice = bytes / threads / unit * unit;
        long total = slice * threads;
        try (Arena arena = Arena.ofShared(); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            // Huge pages where available, like the K/V tensors the probe is compared with (Tensor.allocate).
            MemorySegment buf = dev.kascade.tensor.HugePages.allocate(arena, total);
            // Touch every page with non-zero data so the pages are real and the sum cannot be folded away.
            for (long off = 0; off < total; off += 4096) buf.set(ValueLayout.JAVA_FLOAT, off, 1.0f + (off & 7));
            double[][] seconds = new double[STREAMS.length][reps];
            double sink = 0;
            for (int rep = -1; rep < reps; rep++) {
                for (int p = 0; p < STREAMS.length; p++) {
                    int streams = STREAMS[p];
                    List<Future<Double>> parts = new ArrayList<>(threads);
                    long start = System.nanoTime();
                    for (int t = 0; t < threads; t++) {
                        MemorySegment part = buf.asSlice(t * slice, slice);
                        parts.add(pool.submit(() -> sum(part, streams)));
                    }
                    for (Future<Double> f : parts) sink += f.get();
                    if (rep >= 0) seconds[p][rep] = (System.nanoTime() - start) / 1e9;
                }
            }
            if (Double.isNaN(sink)) throw new IllegalStateException("bandwidth probe: the sum is NaN");
            List<Pattern> patterns = new ArrayList<>(STREAMS.length);
            Pattern fastest = null;
            for (int p = 0; p < STREAMS.length; p++) {
                Arrays.sort(seconds[p]);
                Pattern x = new Pattern(STREAMS[p], total / seconds[p][0] / 1e9, total / seconds[p][reps / 2] / 1e9);
                patterns.add(x);
                if (fastest == null || x.bestGbs() > fastest.bestGbs()) fastest = x;
            }
            return new Result(fastest.bestGbs(), fastest.medianGbs(), total, threads, reps, fastest.streams(),
                    patterns);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bandwidth probe interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("bandwidth probe failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Vector sum of a slice read as {@code streams} interleaved sequential streams; the slice's length is a whole
     * number of runs of four vectors per stream.
     */
    static double sum(MemorySegment s, int streams) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        long step = SPECIES.vectorByteSize();
        long part = s.byteSize() / streams;
        ByteOrder order = ByteOrder.nativeOrder();
        for (long off = 0; off < part; off += 4 * step) {
            for (int j = 0; j < streams; j++) {
                long p = j * part + off;
                a0 = a0.add(FloatVector.fromMemorySegment(SPECIES, s, p, order));
                a1 = a1.add(FloatVector.fromMemorySegment(SPECIES, s, p + step, order));
                a2 = a2.add(FloatVector.fromMemorySegment(SPECIES, s, p + 2 * step, order));
                a3 = a3.add(FloatVector.fromMemorySegment(SPECIES, s, p + 3 * step, order));
            }
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }
}
