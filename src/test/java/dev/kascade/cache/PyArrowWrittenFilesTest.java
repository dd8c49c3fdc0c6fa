package dev.kascade.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.tensor.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Files written by pyarrow alone from docs/arrow-formats.md (tools/write_pyarrow_samples.py; nullable
 * children, no validity buffers, no checksum) load, with the values the script's formulas give.
 */
class PyArrowWrittenFilesTest {
    private static final Path DIR = Path.of("src/test/resources/pyarrow-written");

    @Test
    void kvCachesOfEveryDtypeLoadWithTheirValues() throws IOException {
        for (DType dt : DType.values()) {
            try (KvCache c = ArrowFiles.loadKvCache(DIR.resolve("kv_cache_" + dt.label() + ".arrow"))) {
                assertEquals("KvCache{layers=2, batch=2, kvHeads=3, capacity=4, headDim=5, dtype=" + dt.label() + "}", c.toString());
                assertArrayEquals(new int[] {4, 1}, c.lengths(0));
                assertArrayEquals(new int[] {0, 3}, c.lengths(1));
                int perLayer = 2 * 3 * 4 * 5;
                for (int l = 0; l < 2; l++) {
                    for (int kv = 0; kv < 2; kv++) {
                        float[] got = (kv == 0 ? c.keys(l) : c.values(l)).toFloatArray();
                        int base = (l * 2 + kv) * perLayer;
                        for (int i = 0; i < perLayer; i++) {
                            assertEquals((base + i) % 251 * 0.125f - 15.5f, got[i], 0f, dt + " layer " + l + " element " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void indexTableLoadsWithItsCounts() throws IOException {
        try (IndexTable t = ArrowFiles.loadIndexTable(DIR.resolve("index_table.arrow"))) {
            assertEquals("IndexTable{layers=2, batch=1, tiles=2, kvHeads=2, maxK=3}", t.toString());
            for (int l = 0; l < 2; l++) {
                for (int tile = 0; tile < 2; tile++) {
                    for (int g = 0; g < 2; g++) {
                        int e = t.entry(l, 0, tile, g);
                        int n = e % 4;
                        if (n == 0) {
                            assertFalse(t.has(l, 0, tile, g));
                        } else {
                            assertArrayEquals(IntStream.range(0, n).map(i -> e * 10 + i).toArray(), t.get(l, 0, tile, g));
                        }
                    }
                }
            }
        }
    }

    @Test
    void anchorPlanLoads() throws IOException {
        AnchorPlan plan = ArrowFiles.loadAnchorPlan(DIR.resolve("anchor_plan.arrow"));
        assertEquals(new AnchorPlan(new int[] {0, 2}, new int[][] {{0, 1}, {0, 0}, {0, 1}, {1, 0}}), plan);
    }
}
