package dev.kascade.kernels.attention;

import static dev.kascade.kernels.attention.EmulatorChecks.assertOutput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.emulator.Emulator;
import dev.kascade.kernel.KernelLauncher;
import dev.kascade.ptx.interp.IrInterpreter;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamKDecodeKernel} against float64 ({@link DecodeCheck}): as compiled (IR interpreted with PTX semantics;
 * blocks one after another) and in the emulator (blocks in parallel, so a block may really wait for the carry of the
 * block before it), on grids of 2 and 4 blocks (one and two SMs), where shares cut rows. Each case below is chosen so
 * that rows are cut (worked out in its comment; steps of 64 keys, rows = batch x head blocks, ticket j takes steps
 * [j T / grid, (j + 1) T / grid)), including a cut whose merged tail lies past its sequence's end; lengths off the
 * 64-key step and unequal in one batch; GQA 1, 4, 8 and 16; d 64 and 128; bf16 and f16; two and three ring stages.
 * Also that the ticket counter and the carry flags are back at 0 after every launch, where dense decode takes the
 * kernel, its grid, and that every specialisation assembles for sm_90 without spills.
 */
class StreamKDecodeKernelTest {
    private static final SplitTuning STREAM_K =
            SplitTuning.DEFAULT.withTensorCores(true).withStreamK(SplitTuning.StreamK.ALWAYS);
    private static final Budget HALF = new Budget(0.5, 128, 1);

    /** Cases with their SM counts (grid = 2 blocks per SM, at most one per row). */
    private record Sized(DecodeCheck.Case c, int smCount) {
    }

    private static List<Sized> cases() {
        return List.of(
                // 6 rows x 5 steps on 4 blocks: shares [0,7) [7,15) [15,22) [22,30): rows 1 and 4 cut at step 2
                new Sized(new DecodeCheck.Case(DecodeCheck.Role.DENSE, new DecodeShape(3, 8, 2, 128, 300), DType.BF16,
                        new int[] {299, 133, 200}, HALF), 2),
                // the same cuts; row 1 (sequence 0, 65 keys) has no key in its merged tail (from key 128)
                new Sized(new DecodeCheck.Case(DecodeCheck.Role.DENSE, new DecodeShape(3, 8, 2, 128, 300), DType.F16,
                        new int[] {65, 299, 133}, HALF), 2),
                // GQA 1, d 64: 3 rows x 4 steps on 2 blocks: [0,6) [6,12), row 1 cut at step 2
                new Sized(new DecodeCheck.Case(DecodeCheck.Role.DENSE, new DecodeShape(1, 3, 3, 64, 210), DType.F16,
                        new int[] {203}, HALF), 1),
                // GQA 8: 3 rows x 8 steps on 2 blocks: [0,12) [12,24), row 1 cut at step 4 (keys 256..299 in the tail)
                new Sized(new DecodeCheck.Case(DecodeCheck.Role.DENSE, new DecodeShape(3, 8, 1, 128, 450), DType.BF16,
                        new int[] {449, 300, 1}, HALF), 1),
                // GQA 16 (two head blocks per KV head), d 64: 6 rows x 6 steps on 4 blocks: [0,9) [9,18) [18,27)
                // [27,36): row 1 (47 keys) cut at step 3 with an empty tail, row 4 cut at step 3 (keys 192..199)
                new Sized(new DecodeCheck.Case(DecodeCheck.Role.DENSE, new DecodeShape(3, 16, 1, 64, 333), DType.BF16,
                        new int[] {47, 331, 200}, HALF), 2));
    }

    private static void assertCases(List<Sized> cases, KernelLauncher launcher, long seed, SplitTuning tuning) {
        for (Sized s : cases) {
            DecodeCheck.Result r = DecodeCheck.run(s.c(), launcher, seed, s.smCount(), 64, tuning);
            assertTrue(r.passed(), s.c().label() + " on " + s.smCount() + " SMs (" + tuning.label() + "): " + r.detail());
        }
    }

    @Test
    void matchesFloat64AsCompiled() {
        assertCases(cases(), new IrInterpreter(), 71, STREAM_K);
    }

    @Test
    void matchesFloat64WithThreeRingStages() {
        SplitTuning threeStages = new SplitTuning(true, 3, SplitTuning.Gather.LAYER0, true, false,
                SplitTuning.StreamK.ALWAYS);
        assertCases(cases().subList(0, 3), new IrInterpreter(), 73, threeStages);
    }

    @Test
    void matchesFloat64InTheEmulator() {
        assertCases(cases(), Emulator::launch, 79, STREAM_K);
    }

    @Test
    void theTicketCounterAndCarryFlagsAreBackAtZeroAfterEveryLaunch() {
        DecodeShape shape = new DecodeShape(3, 8, 2, 128, 700);
        try (Arena arena = Arena.ofShared();
             GpuDecode decode = new GpuDecode(Emulator::launch, shape, Budget.PAPER, 2, 16, 64, STREAM_K)) {
            assertTrue(decode.usesStreamK(699));
            assertEquals(4, decode.streamKGrid(2), "6 rows on 2 SMs x 2 blocks");
            for (int call = 0; call < 3; call++) {
                DecodeFixture fx = new DecodeFixture(arena, shape, DType.BF16, new int[] {699, 64, 300}, 80 + call);
                decode.dense(fx.q, fx.kv, fx.lengths, fx.out);
                assertOutput(fx, fx.out, (b, h) -> null);
                assertEquals(0, decode.ticketsBuffer().get(0), "call " + call);
                for (int row = 0; row < 6; row++) {
                    assertEquals(0, decode.carryFlagsBuffer().get(row), "call " + call + ", row " + row);
                }
            }
        }
    }

    @Test
    void denseTakesItWhereRowsAreLongAndFillTheWave() {
        SplitTuning off = SplitTuning.DEFAULT.withStreamK(SplitTuning.StreamK.OFF);
        SplitTuning auto = SplitTuning.DEFAULT.withStreamK(SplitTuning.StreamK.AUTO);
        assertFalse(usesStreamK(64, 128, SplitTuning.DEFAULT, 131072), "the default tuning never takes it");
        assertFalse(usesStreamK(128, 128, SplitTuning.DEFAULT, 32768), "the default tuning never takes it");
        // 132 SMs, d 128: 264 blocks of three ring stages; rows = batch x 8 KV heads
        assertTrue(usesStreamK(64, 128, auto, 65536), "512 rows of 64K: over whole rows");
        assertTrue(usesStreamK(64, 128, auto, 131072), "128K: over the split plan");
        assertTrue(usesStreamK(128, 128, auto, 32768), "1024 rows: over the split plan");
        assertTrue(usesStreamK(128, 128, auto, GpuDecode.WHOLE_ROW_MIN_KEYS), "three ring stages");
        assertFalse(usesStreamK(128, 128, auto, GpuDecode.WHOLE_ROW_MIN_KEYS - 1), "two ring stages");
        assertTrue(usesStreamK(64, 128, auto, 32768), "512 rows of 32K (two waves): over the split plan");
        assertFalse(usesStreamK(64, 128, auto, 16384), "512 rows of 16K: whole rows");
        assertFalse(usesStreamK(32, 128, auto, 131072), "256 rows do not fill the 264 blocks");
        assertFalse(usesStreamK(64, 64, auto, 131072), "d 64: not measured");
        assertFalse(usesStreamK(64, 128, off, 131072), "switched off");
        assertFalse(usesStreamK(64, 128, STREAM_K.withPersistent(true), 131072), "the persistent grid comes first");
        assertFalse(usesStreamK(64, 128, auto.withTensorCores(false), 131072), "FMA kernel");
        assertTrue(usesStreamK(32, 64, STREAM_K, 64), "ALWAYS: wherever the tensor-core kernel runs dense");
        assertEquals(1, splits(64, 128, auto, 131072), "its rows are the whole-row plan's");
        assertTrue(splits(64, 128, off, 131072) > 1);
        for (DecodeMode mode : DecodeMode.values()) {
            if (mode != DecodeMode.DENSE) {
                assertThrows(IllegalArgumentException.class, () -> mode.streamKConstants(128, 4, true, 3), mode.name());
            }
        }
    }

    private static boolean usesStreamK(int batch, int headDim, SplitTuning tuning, int maxKeys) {
        try (GpuDecode decode = h200(batch, headDim, tuning)) {
            return decode.usesStreamK(maxKeys);
        }
    }

    private static int splits(int batch, int headDim, SplitTuning tuning, int maxKeys) {
        try (GpuDecode decode = h200(batch, headDim, tuning)) {
            return decode.plan(maxKeys).splits();
        }
    }

    /** A decoder planning for the H200 (32 query / 8 KV heads) that launches nothing. */
    private static GpuDecode h200(int batch, int headDim, SplitTuning tuning) {
        return new GpuDecode((kernel, config, args) -> { }, new DecodeShape(batch, 32, 8, headDim, 64), Budget.PAPER,
                SplitPlan.H200_SM_COUNT, SplitPlan.DEFAULT_BLOCKS_PER_SM, SplitPlan.DEFAULT_MIN_KEYS_PER_SPLIT, tuning);
    }

    @Test
    void gridIsOneWaveOfResidentBlocksAndNeverMoreThanTheRows() {
        // H200: two blocks per SM with two or three ring stages (three stages: shared memory; two: registers)
        assertEquals(2, StreamKDecodeKernel.blocksPerSm(128, 3));
        assertEquals(2, StreamKDecodeKernel.blocksPerSm(128, 2));
        DecodeShape big = new DecodeShape(64, 32, 8, 128, 32768);
        DecodeShape small = new DecodeShape(8, 32, 8, 128, 32768);
        try (GpuDecode wide = new GpuDecode(new IrInterpreter(), big, Budget.PAPER, 132, 16, 256, STREAM_K);
             GpuDecode narrow = new GpuDecode(new IrInterpreter(), small, Budget.PAPER, 132, 16, 256, STREAM_K)) {
            assertEquals(264, wide.streamKGrid(3), "512 rows");
            assertEquals(64, narrow.streamKGrid(3), "64 rows: one block per row");
        }
    }

    @Test
    void everySpecialisationAssemblesWithoutSpills() throws Exception {
        DecodeKernelChecks.assertAssemble(StreamKDecodeKernel.class, "decodeStreamK",
                List.of(DecodeMode.DENSE),
                (mode, headDim, heads, bf16) -> mode.streamKConstants(headDim, heads, bf16, 3), 255,
                "mma.sync.aligned.m16n8k16", "cp.async.cg.shared.global", "atom.global.add.s32", "fence.acq_rel.gpu",
                "ld.relaxed.gpu.global.f32", "nanosleep.u32", ".maxntid 128, 1, 1", ".minnctapersm 2");
    }
}
