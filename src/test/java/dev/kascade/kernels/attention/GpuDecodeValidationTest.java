package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.KernelLauncher;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad inputs are rejected on the host, with the parameter named, before any kernel is launched. */
class GpuDecodeValidationTest {
    private static final KernelLauncher NO_LAUNCH = (kernel, config, args) -> {
        throw new AssertionError("launched " + kernel.getName() + " although the inputs were invalid");
    };
    private static final DecodeShape SHAPE = new DecodeShape(2, 8, 2, 64, 400);

    private Arena arena;
    private DecodeFixture fx;
    private GpuDecode decode;
    private IndexSets sets;

    @BeforeEach
    void setUp() {
        arena = Arena.ofShared();
        fx = new DecodeFixture(arena, SHAPE, DType.BF16, new int[] {400, 250}, 1);
        decode = new GpuDecode(NO_LAUNCH, SHAPE, Budget.PAPER);
        sets = decode.allocateIndexSets(arena);
    }

    @AfterEach
    void tearDown() {
        decode.close();
        arena.close();
    }

    private static void assertRejects(String parameter, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().startsWith(parameter), "message should name " + parameter + ": " + e.getMessage());
    }

    @Test
    void shapesOutsideTheKernelsAreRejected() {
        assertRejects("headDim", () -> new DecodeShape(1, 8, 2, 96, 100));
        assertRejects("qHeads", () -> new DecodeShape(1, 6, 4, 64, 100));
        assertRejects("qHeads", () -> new DecodeShape(1, 64, 2, 64, 100)); // r = 32 > 16
        assertRejects("capacity", () -> new DecodeShape(1, 8, 2, 64, 0));
        assertRejects("batch", () -> new DecodeShape(0, 8, 2, 64, 10));
    }

    @Test
    void largeGqaGroupsAreCutIntoPartsOfAtMostEightHeads() {
        int[][] rAndParts = {{1, 1}, {7, 1}, {8, 1}, {9, 3}, {11, 11}, {12, 2}, {16, 2}};
        for (int[] c : rAndParts) {
            DecodeShape s = new DecodeShape(1, c[0] * 2, 2, 64, 10);
            assertEquals(c[1], s.groupParts(), "r = " + c[0]);
            assertTrue(s.blockHeads() <= DecodeShape.MAX_BLOCK_HEADS && s.blockHeads() * s.groupParts() == c[0]);
        }
    }

    @Test
    void lengthsBeyondCapacityOrEmptyAreRejected() {
        fx.lengths.set(1, 401);
        assertRejects("lengths[1]", () -> decode.dense(fx.q, fx.kv, fx.lengths, fx.out));
        fx.lengths.set(1, 0);
        assertRejects("lengths[1]", () -> decode.dense(fx.q, fx.kv, fx.lengths, fx.out));
    }

    @Test
    void mismatchedBuffersAreRejected() {
        F32Buffer shortQ = F32Buffer.allocate(arena, SHAPE.queryElements() - 1);
        assertRejects("q", () -> decode.dense(shortQ, fx.kv, fx.lengths, fx.out));
        assertRejects("out", () -> decode.anchor(fx.q, fx.kv, fx.lengths, shortQ, sets));
        I32Buffer oneLength = I32Buffer.allocate(arena, 1);
        oneLength.set(0, 10);
        assertRejects("lengths", () -> decode.layer0(fx.q, fx.kv, oneLength, fx.out, sets));
        KvLayer small = new KvLayer(BF16Buffer.allocate(arena, 64), BF16Buffer.allocate(arena, 64));
        assertRejects("kv", () -> decode.dense(fx.q, small, fx.lengths, fx.out));
        IndexSets narrow = new IndexSets(I32Buffer.allocate(arena, 2 * 2 * 100), I32Buffer.allocate(arena, 2), 100);
        assertRejects("sets.kMax", () -> decode.layer0(fx.q, fx.kv, fx.lengths, fx.out, narrow));
        IndexSets wrongRows = new IndexSets(I32Buffer.allocate(arena, 2 * 100), I32Buffer.allocate(arena, 2), 100);
        assertRejects("sets.indices", () -> decode.anchor(fx.q, fx.kv, fx.lengths, fx.out, wrongRows));
    }

    @Test
    void kvCachesMustShareOneHalfPrecisionType() {
        assertRejects("v", () -> new KvLayer(BF16Buffer.allocate(arena, 64), F16Buffer.allocate(arena, 64)));
        assertRejects("k", () -> new KvLayer(F32Buffer.allocate(arena, 64), F32Buffer.allocate(arena, 64)));
        assertRejects("v", () -> new KvLayer(F16Buffer.allocate(arena, 64), F16Buffer.allocate(arena, 32)));
    }

    @Test
    void reuseChecksCountsIndicesAndHeadMap() {
        int[] map = {0, 0};
        for (int b = 0; b < 2; b++) {
            sets.counts().set(b, 128);
            for (int g = 0; g < 2; g++) {
                for (int j = 0; j < 128; j++) sets.indices().set(((long) b * 2 + g) * sets.kMax() + j, j);
            }
        }
        sets.counts().set(1, 251); // more keys than sequence 1 holds
        assertRejects("sets.counts[1]", () -> decode.reuse(fx.q, fx.kv, fx.lengths, sets, map, fx.out));
        sets.counts().set(1, 0);
        assertRejects("sets.counts[1]", () -> decode.reuse(fx.q, fx.kv, fx.lengths, sets, map, fx.out));
        sets.counts().set(1, 128);
        sets.indices().set(((long) 1 * 2) * sets.kMax() + 5, 250); // position == length: out of range
        assertRejects("sets.indices[1][0][5]", () -> decode.reuse(fx.q, fx.kv, fx.lengths, sets, map, fx.out));
        assertRejects("headMapRow[1]", () -> decode.reuse(fx.q, fx.kv, fx.lengths, sets, new int[] {0, 2}, fx.out));
        assertRejects("headMapRow", () -> decode.reuse(fx.q, fx.kv, fx.lengths, sets, new int[] {0}, fx.out));
    }

    @Test
    void setsFromThisDecodersTopKAreTrustedOnlyForTheSameLengths() {
        java.util.List<String> launched = new java.util.ArrayList<>();
        try (GpuDecode recording = new GpuDecode((kernel, config, args) -> launched.add(kernel.getName()), SHAPE,
                Budget.PAPER)) {
            recording.anchor(fx.q, fx.kv, fx.lengths, fx.out, sets);
            // the sparse pass over 128 selected keys is one split: it writes the output itself, no merge
            assertEquals(java.util.List.of("decodeSplit", "mergeSplits", "poolScores", "selectTopK", "decodeSplit"),
                    launched);
            assertEquals(128, sets.counts().get(1));
            launched.clear();
            recording.reuse(fx.q, fx.kv, fx.lengths, sets, new int[] {1, 0}, fx.out);
            assertEquals(java.util.List.of("decodeSplit"), launched);
            fx.lengths.set(1, 100); // a different step: the sets are checked again, and 128 keys no longer fit
            assertRejects("sets.counts[1]", () -> recording.reuse(fx.q, fx.kv, fx.lengths, sets, new int[] {1, 0}, fx.out));
        }
    }

    @Test
    void rolesCanBePreparedAsLaunchListsWithoutLaunching() {
        assertEquals(java.util.List.of("split_dense", "merge"),
                decode.denseLaunches(fx.q, fx.kv, fx.lengths, fx.out).stream().map(KernelLaunch::name).toList());
        assertEquals(java.util.List.of("split_layer0", "merge", "pool", "topk"),
                decode.layer0Launches(fx.q, fx.kv, fx.lengths, fx.out, sets).stream().map(KernelLaunch::name).toList());
        java.util.List<KernelLaunch> anchor = decode.anchorLaunches(fx.q, fx.kv, fx.lengths, fx.out, sets);
        assertEquals(java.util.List.of("split_anchor_scores", "merge", "pool", "topk", "split_anchor_sparse"),
                anchor.stream().map(KernelLaunch::name).toList());
        assertEquals(128, sets.counts().get(0), "budgets are written when the launches are prepared");
        KernelLaunch first = anchor.getFirst();
        assertEquals(SHAPE.kvHeads(), first.config().gridY());
        assertEquals(SHAPE.batch(), first.config().gridZ());
        assertEquals(java.util.List.of("split_sparse"), decode.reuseLaunches(fx.q, fx.kv, fx.lengths, sets,
                new int[] {1, 1}, fx.out).stream().map(KernelLaunch::name).toList());
        assertRejects("lengths[0]", () -> {
            fx.lengths.set(0, 0);
            decode.denseLaunches(fx.q, fx.kv, fx.lengths, fx.out);
        });
    }

    @Test
    void budgetIsRoundedToWholeTilesAndCappedAtTheLength() {
        assertEquals(100, decode.budget().keys(100)); // n <= 128: dense, k = n
        assertEquals(256, decode.budget().keys(1300)); // floor(130) -> 256
        assertEquals(128, decode.kMax()); // budget of the full capacity (400 keys)
        // p = 0.9 of 200 keys: 180, rounded to 256, capped at 200
        try (GpuDecode wide = new GpuDecode(NO_LAUNCH, new DecodeShape(1, 2, 2, 64, 200), new Budget(0.9, 128, 1))) {
            assertEquals(200, wide.kMax());
        }
    }
}
