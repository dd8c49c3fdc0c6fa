package dev.kascade.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Writes the pyarrow check set to {@code target/arrow-samples} (for tools/check_arrow_files.py) and checks
 * that the set committed in {@code src/test/resources/arrow-samples} (written by an earlier build) still
 * loads: files saved by one version of this code stay readable.
 */
class ArrowSamplesTest {
    private static final Path COMMITTED = Path.of("src/test/resources/arrow-samples");

    @Test
    void writesTheCheckSetAndItLoadsBack() throws IOException {
        Path dir = Path.of("target/arrow-samples");
        ArrowSamples.write(dir);
        assertTrue(Files.size(dir.resolve(ArrowSamples.MANIFEST)) > 0);
        for (DType dt : DType.values()) {
            try (KvCache c = ArrowFiles.loadKvCache(dir.resolve("kv_cache_" + dt.label() + ".arrow"))) {
                assertEquals(dt, c.dtype());
                assertEquals(7, c.capacity());
                assertArrayEquals(new int[] {7, 0}, new int[] {c.length(0, 0), c.length(0, 1)});
            }
        }
        try (IndexTable t = ArrowFiles.loadIndexTable(dir.resolve("index_table.arrow"))) {
            assertEquals(6, t.maxK());
        }
        AnchorPlan plan = ArrowFiles.loadAnchorPlan(dir.resolve("anchor_plan.arrow"));
        assertArrayEquals(new int[] {0, 2, 5}, plan.anchors());
    }

    @Test
    void committedSamplesStillLoadAndEqualAFreshWrite() throws IOException {
        Path fresh = Files.createTempDirectory("arrow-samples");
        try {
            ArrowSamples.write(fresh);
            for (DType dt : DType.values()) {
                String name = "kv_cache_" + dt.label() + ".arrow";
                try (KvCache old = ArrowFiles.loadKvCache(COMMITTED.resolve(name));
                     KvCache now = ArrowFiles.loadKvCache(fresh.resolve(name))) {
                    for (int l = 0; l < now.layers(); l++) {
                        assertArrayEquals(now.lengths(l), old.lengths(l));
                        assertArrayEquals(now.keys(l).toFloatArray(), old.keys(l).toFloatArray());
                        assertArrayEquals(now.values(l).toFloatArray(), old.values(l).toFloatArray());
                    }
                }
            }
            try (IndexTable old = ArrowFiles.loadIndexTable(COMMITTED.resolve("index_table.arrow"));
                 IndexTable now = ArrowFiles.loadIndexTable(fresh.resolve("index_table.arrow"))) {
                for (int e = 0; e < now.entries(); e++) {
                    long off = (long) e * Integer.BYTES;
                    assertEquals(now.countsSegment().get(java.lang.foreign.ValueLayout.JAVA_INT, off),
                            old.countsSegment().get(java.lang.foreign.ValueLayout.JAVA_INT, off));
                }
                assertEquals(-1, now.indicesSegment().mismatch(old.indicesSegment()));
            }
            assertEquals(ArrowFiles.loadAnchorPlan(fresh.resolve("anchor_plan.arrow")),
                    ArrowFiles.loadAnchorPlan(COMMITTED.resolve("anchor_plan.arrow")));
        } finally {
            try (var files = Files.list(fresh)) {
                for (Path p : files.toList()) Files.delete(p);
            }
            Files.delete(fresh);
        }
    }
}
