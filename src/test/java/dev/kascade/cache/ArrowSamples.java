package dev.kascade.cache;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes one small file of every kind (a KV cache per dtype, an index table, an anchor plan) plus
 * {@code manifest.json}, a sidecar with the expected shapes and values, for tools/check_arrow_files.py to
 * read with pyarrow alone. Deterministic: the same seed gives the same files.
 */
final class ArrowSamples {
    static final String MANIFEST = "manifest.json";

    private ArrowSamples() {
    }

    static void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> entries = new ArrayList<>();
        Random rnd = new Random(2512_16391L);
        for (DType dt : DType.values()) {
            String name = "kv_cache_" + dt.label() + ".arrow";
            try (KvCache cache = KvCache.allocate(2, 3, 2, 7, 5, dt)) {
                fillRandom(cache, rnd);
                ArrowFiles.save(dir.resolve(name), cache, SaveMode.REPLACE);
                entries.add(kvEntry(name, cache));
            }
        }
        try (IndexTable table = IndexTable.allocate(2, 2, 3, 2, 6)) {
            fillRandom(table, rnd);
            ArrowFiles.save(dir.resolve("index_table.arrow"), table, SaveMode.REPLACE);
            entries.add(indexEntry("index_table.arrow", table));
        }
        AnchorPlan plan = new AnchorPlan(new int[] {0, 2, 5}, new int[][] {
            {0, 1, 2, 3}, {0, 0, 0, 0}, {0, 1, 2, 3}, {3, 1, 1, 0}, {2, 2, 0, 1}, {0, 1, 2, 3}, {1, 0, 3, 2}});
        ArrowFiles.save(dir.resolve("anchor_plan.arrow"), plan, SaveMode.REPLACE);
        entries.add(planEntry("anchor_plan.arrow", plan));
        Files.writeString(dir.resolve(MANIFEST), "{\"files\": [\n" + String.join(",\n", entries) + "\n]}\n",
                StandardCharsets.UTF_8);
    }

    /** Random lengths (one sequence left empty, one full) and random values appended in f32. */
    static void fillRandom(KvCache cache, Random rnd) {
        try (Arena arena = Arena.ofConfined()) {
            for (int l = 0; l < cache.layers(); l++) {
                for (int s = 0; s < cache.batch(); s++) {
                    int t = s == 0 ? cache.capacity() : s == 1 ? 0 : 1 + rnd.nextInt(cache.capacity());
                    if (t == 0) continue;
                    Tensor k = Tensor.allocate(arena, DType.F32, cache.kvHeads(), t, cache.headDim());
                    Tensor v = Tensor.allocate(arena, DType.F32, cache.kvHeads(), t, cache.headDim());
                    for (long i = 0; i < k.size(); i++) {
                        k.setFlat(i, (float) rnd.nextGaussian());
                        v.setFlat(i, (float) rnd.nextGaussian());
                    }
                    cache.append(l, s, k, v);
                }
            }
        }
    }

    static void fillRandom(IndexTable table, Random rnd) {
        for (int l = 0; l < table.layers(); l++) {
            for (int s = 0; s < table.batch(); s++) {
                for (int tile = 0; tile < table.tiles(); tile++) {
                    for (int g = 0; g < table.kvHeads(); g++) {
                        if (rnd.nextInt(5) == 0) continue; // some entries stay empty
                        int k = 1 + rnd.nextInt(table.maxK());
                        int[] idx = rnd.ints(k, 0, 1000).toArray();
                        table.put(l, s, tile, g, idx, k);
                    }
                }
            }
        }
    }

    private static String kvEntry(String name, KvCache cache) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"file\": \"").append(name).append("\", \"kind\": \"kv_cache\", \"dtype\": \"")
                .append(cache.dtype().label()).append("\", \"shape\": [").append(cache.layers()).append(", ")
                .append(cache.batch()).append(", ").append(cache.kvHeads()).append(", ").append(cache.capacity())
                .append(", ").append(cache.headDim()).append("],\n \"lengths\": [");
        for (int l = 0; l < cache.layers(); l++) {
            if (l > 0) sb.append(", ");
            sb.append(ints(cache.lengths(l)));
        }
        sb.append("],\n \"k\": [");
        for (int l = 0; l < cache.layers(); l++) {
            if (l > 0) sb.append(", ");
            sb.append(floats(cache.keys(l).toFloatArray()));
        }
        sb.append("],\n \"v\": [");
        for (int l = 0; l < cache.layers(); l++) {
            if (l > 0) sb.append(", ");
            sb.append(floats(cache.values(l).toFloatArray()));
        }
        return sb.append("]}").toString();
    }

    private static String indexEntry(String name, IndexTable t) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"file\": \"").append(name).append("\", \"kind\": \"index_table\", \"shape\": [")
                .append(t.layers()).append(", ").append(t.batch()).append(", ").append(t.tiles()).append(", ")
                .append(t.kvHeads()).append(", ").append(t.maxK()).append("],\n \"entries\": [");
        boolean first = true;
        for (int l = 0; l < t.layers(); l++) {
            for (int s = 0; s < t.batch(); s++) {
                for (int tile = 0; tile < t.tiles(); tile++) {
                    for (int g = 0; g < t.kvHeads(); g++) {
                        if (!first) sb.append(", ");
                        first = false;
                        sb.append(t.has(l, s, tile, g) ? ints(t.get(l, s, tile, g)) : "[]");
                    }
                }
            }
        }
        return sb.append("]}").toString();
    }

    private static String planEntry(String name, AnchorPlan p) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"file\": \"").append(name).append("\", \"kind\": \"anchor_plan\", \"shape\": [")
                .append(p.layers()).append(", ").append(p.kvHeads()).append("], \"anchors\": ").append(ints(p.anchors()))
                .append(",\n \"head_map\": [");
        int[][] map = p.headMap();
        for (int l = 0; l < map.length; l++) {
            if (l > 0) sb.append(", ");
            sb.append(ints(map[l]));
        }
        return sb.append("]}").toString();
    }

    private static String ints(int[] a) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(a[i]);
        }
        return sb.append(']').toString();
    }

    /** Floats as exact decimal doubles (every f32, f16 and bf16 value is exactly a double). */
    private static String floats(float[] a) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(Double.toString(a[i]));
        }
        return sb.append(']').toString();
    }
}
