package dev.kascade.benchmarks;

import dev.kascade.cache.ArrowFiles;
import dev.kascade.cache.KvCache;
import dev.kascade.cache.SaveMode;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The Arrow KV cache: appending one decode token to every layer (32 layers, 8 KV heads, d 128), appending a
 * 512-token prefill chunk to one layer, and loading a saved cache back from an Arrow IPC file.
 */
public class KvCacheBench extends KascadeBench {
    @Param({"bf16", "f32"})
    public String dtype;

    /** Cached positions of the file loaded by {@link #arrowIpcLoad}. */
    @Param({"4096"})
    public int context;

    private static final int LAYERS = 32;
    private static final int KV_HEADS = 8;
    private static final int HEAD_DIM = 128;
    private static final int CHUNK = 512;

    private Arena arena;
    private KvCache cache;
    private Tensor token;
    private Tensor tokenV;
    private Tensor chunk;
    private Tensor chunkV;
    private Path dir;
    private Path file;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        DType dt = DType.parse(dtype);
        arena = Arena.ofShared();
        token = filled(dt, 1, KV_HEADS, 1, HEAD_DIM);
        tokenV = filled(dt, 1, KV_HEADS, 1, HEAD_DIM);
        chunk = filled(dt, KV_HEADS, CHUNK, HEAD_DIM);
        chunkV = filled(dt, KV_HEADS, CHUNK, HEAD_DIM);
        cache = KvCache.allocate(LAYERS, 1, KV_HEADS, context, HEAD_DIM, dt);
        dir = Files.createTempDirectory("kascade-jmh");
        file = dir.resolve("cache.arrow");
        try (KvCache saved = KvCache.allocate(2, 1, KV_HEADS, context, HEAD_DIM, dt)) {
            for (int l = 0; l < 2; l++) {
                for (int t = 0; t + CHUNK <= context; t += CHUNK) saved.append(l, 0, chunk, chunkV);
            }
            ArrowFiles.save(file, saved, SaveMode.REPLACE);
        }
    }

    /** Starts each iteration with room in the cache. */
    @Setup(Level.Iteration)
    public void emptyCache() {
        cache.reset();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        cache.close();
        arena.close();
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    /** One decode step: one token's K and V into each of the 32 layers (wraps around when the cache is full). */
    @Benchmark
    public KvCache appendDecodeToken() {
        if (cache.length(0, 0) == context) cache.reset();
        for (int l = 0; l < LAYERS; l++) cache.appendAll(l, token, tokenV);
        return cache;
    }

    /** A 512-token prefill chunk into one layer. */
    @Benchmark
    public KvCache appendPrefillChunk() {
        if (cache.length(0, 0) + CHUNK > context) cache.reset();
        cache.append(0, 0, chunk, chunkV);
        return cache;
    }

    /** Loads a 2-layer cache of {@code context} positions from its Arrow IPC file, then frees it. */
    @Benchmark
    public int arrowIpcLoad() throws IOException {
        try (KvCache loaded = ArrowFiles.loadKvCache(file)) {
            return loaded.length(1, 0);
        }
    }

    private Tensor filled(DType dt, long... shape) {
        Tensor t = Tensor.allocate(arena, dt, shape);
        for (long i = 0; i < t.size(); i++) t.setFlat(i, (float) Math.sin(i * 0.37) + 0.01f);
        return t;
    }
}
