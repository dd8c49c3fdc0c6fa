package dev.kascade.kernels.attention;

import static dev.kascade.kernels.attention.EmulatorChecks.assertOutput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.emulator.Emulator;
import dev.kascade.ptx.interp.IrInterpreter;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link PersistentDecodeKernel} against float64 ({@link DecodeCheck}): as compiled (IR interpreted with PTX
 * semantics; blocks run one after another, so the first one draws every item past the grid's first) and in the
 * emulator (blocks in parallel, drawing from one counter), on a grid of one SM's blocks, so that blocks take several
 * items, the copy ring crosses from item to item, and items past a short sequence's end pass by; lengths off
 * the 64-key step and unequal in one batch; GQA 1, 4, 8 and 16; d 64 and 128; bf16 and f16; dense and layer 0 (logits
 * and LSEs checked through the index sets); two and three ring stages. Also that the work counter is back at 0 after
 * every launch, which roles take the kernel, and that every specialisation assembles for sm_90 without spills.
 */
class PersistentDecodeKernelTest {
    private static final SplitTuning PERSISTENT = SplitTuning.DEFAULT.withTensorCores(true).withPersistent(true);
    private static final Budget HALF = new Budget(0.5, 128, 1);

    private static List<DecodeCheck.Case> cases() {
        DecodeShape d128r4 = new DecodeShape(2, 8, 2, 128, 300);
        return List.of(
                new DecodeCheck.Case(DecodeCheck.Role.DENSE, d128r4, DType.BF16, new int[] {299, 133}, HALF),
                new DecodeCheck.Case(DecodeCheck.Role.LAYER0, d128r4, DType.F16, new int[] {299, 133}, HALF),
                new DecodeCheck.Case(DecodeCheck.Role.DENSE, new DecodeShape(1, 8, 1, 64, 210), DType.F16,
                        new int[] {203}, HALF),
                new DecodeCheck.Case(DecodeCheck.Role.DENSE, new DecodeShape(3, 2, 2, 128, 140), DType.BF16,
                        new int[] {65, 139, 1}, HALF),
                new DecodeCheck.Case(DecodeCheck.Role.LAYER0, new DecodeShape(1, 16, 1, 128, 450), DType.BF16,
                        new int[] {449}, HALF),
                new DecodeCheck.Case(DecodeCheck.Role.LAYER0, new DecodeShape(2, 4, 4, 64, 333), DType.BF16,
                        new int[] {47, 331}, HALF));
    }

    @Test
    void matchesFloat64AsCompiled() {
        DecodeKernelChecks.assertMatchFloat64(cases(), new IrInterpreter(), 51, PERSISTENT);
    }

    @Test
    void matchesFloat64WithThreeRingStages() {
        SplitTuning threeStages = new SplitTuning(true, 3, SplitTuning.Gather.LAYER0, true, true);
        DecodeKernelChecks.assertMatchFloat64(cases().subList(0, 4), new IrInterpreter(), 53, threeStages);
    }

    @Test
    void matchesFloat64InTheEmulator() {
        DecodeKernelChecks.assertMatchFloat64(cases().subList(0, 4), Emulator::launch, 57, PERSISTENT);
    }

    @Test
    void theWorkCounterIsBackAtZeroAfterEveryLaunch() {
        DecodeShape shape = new DecodeShape(3, 8, 2, 128, 700);
        try (Arena arena = Arena.ofShared();
             GpuDecode decode = new GpuDecode(new IrInterpreter(), shape, Budget.PAPER, 1, 16, 64, PERSISTENT)) {
            assertTrue(decode.usesTensorCores(DecodeMode.DENSE));
            SplitPlan plan = decode.plan(699);
            int stages = PERSISTENT.mmaStages(plan.keysPerSplit() / MmaDecodeKernel.BLOCK_KEYS);
            int grid = decode.persistentGrid(plan, stages);
            assertTrue(grid < 3 * 2 * plan.splits(), "blocks must take several items: " + grid + " for " + plan);
            for (int call = 0; call < 3; call++) {
                DecodeFixture fx = new DecodeFixture(arena, shape, DType.BF16, new int[] {699, 64, 300}, 60 + call);
                decode.dense(fx.q, fx.kv, fx.lengths, fx.out);
                assertOutput(fx, fx.out, (b, h) -> null);
                assertEquals(0, decode.ticketsBuffer().get(0), "call " + call);
            }
        }
    }

    @Test
    void denseAndLayer0TakeItWhereTheTensorCoreKernelRuns() {
        for (DecodeMode mode : DecodeMode.values()) {
            boolean served = mode == DecodeMode.DENSE || mode == DecodeMode.LAYER0;
            assertEquals(served, PERSISTENT.persistent(mode, 128), mode.name());
            assertFalse(PERSISTENT.withTensorCores(false).persistent(mode, 128), mode + " without tensor cores");
            assertFalse(PERSISTENT.persistent(mode, 256), mode + " at d 256");
            assertFalse(SplitTuning.DEFAULT.withPersistent(false).persistent(mode, 128), mode + " switched off");
        }
        assertThrows(IllegalArgumentException.class,
                () -> DecodeMode.SPARSE.persistentConstants(128, 4, true, PERSISTENT));
    }

    @Test
    void gridHoldsTheResidentBlocksAndNeverMoreThanTheItems() {
        // H200: 228 KB of shared memory per SM, 1 KB reserved per block; 3 blocks fit with two stages, 2 with three
        assertEquals(3, PersistentDecodeKernel.blocksPerSm(128, 4, 2));
        assertEquals(2, PersistentDecodeKernel.blocksPerSm(128, 4, 3));
        assertTrue(3 * (PersistentDecodeKernel.dynamicSharedBytes(128, 8, 2) + 1024) > 228 * 1024);
        assertEquals(2, PersistentDecodeKernel.blocksPerSm(128, 8, 2));
        DecodeShape big = new DecodeShape(64, 32, 8, 128, 32768);
        DecodeShape small = new DecodeShape(1, 32, 8, 128, 512);
        try (GpuDecode wide = new GpuDecode(new IrInterpreter(), big, Budget.PAPER, 132, 16, 256, PERSISTENT);
             GpuDecode narrow = new GpuDecode(new IrInterpreter(), small, Budget.PAPER, 132, 16, 256, PERSISTENT)) {
            SplitPlan plan = wide.plan(32768);
            assertEquals(132 * 3, wide.persistentGrid(plan, 2), "512 rows x " + plan.splits() + " items");
            assertEquals(132 * 2, wide.persistentGrid(plan, 3));
            SplitPlan few = narrow.plan(512);
            assertTrue(8 * few.splits() < 132 * 3, few.toString());
            assertEquals(8 * few.splits(), narrow.persistentGrid(few, 2), "one block per item when items are few");
        }
    }

    @Test
    void everySpecialisationAssemblesWithin3BlocksPerSmWithoutSpills() throws Exception {
        DecodeKernelChecks.assertAssembleWithin3BlocksPerSm(PersistentDecodeKernel.class, "decodePersistent",
                List.of(DecodeMode.DENSE, DecodeMode.LAYER0),
                (mode, headDim, heads, bf16) -> mode.persistentConstants(headDim, heads, bf16, PERSISTENT),
                "mma.sync.aligned.m16n8k16", "cp.async.cg.shared.global", "atom.global.add.s32", ".maxntid 128, 1, 1",
                ".minnctapersm 3");
    }
}
