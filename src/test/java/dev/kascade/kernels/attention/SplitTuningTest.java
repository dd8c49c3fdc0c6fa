package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.emulator.Emulator;
import dev.kascade.ptx.interp.IrInterpreter;
import dev.kascade.tensor.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every {@link SplitTuning} of the split kernel gives the float64 answer as compiled (IR interpreted with PTX
 * semantics), and the pipelined all-gather and three-stage cp.async variants also in the emulator (Java semantics,
 * real barriers; its cp.async copies complete at once, so a missing wait is caught on the GPU, by decode-check): the shapes where the reduce-scatter / all-gather path applies
 * (one value per lane: d 128 r 4, d 64 r 2, d 256 r 8) in every role, a shape where it does not (d 64 r 4), odd
 * lengths, two sequences of different length, bf16 and f16.
 */
class SplitTuningTest {
    private static final List<SplitTuning> VARIANTS = List.of(new SplitTuning(false, SplitTuning.Gather.NEVER),
            new SplitTuning(true, SplitTuning.Gather.NEVER), new SplitTuning(false, SplitTuning.Gather.ALWAYS),
            new SplitTuning(true, SplitTuning.Gather.ALWAYS), new SplitTuning(true, 3, SplitTuning.Gather.NEVER),
            new SplitTuning(true, 2, SplitTuning.Gather.LAYER0), SplitTuning.DEFAULT);

    private static List<DecodeCheck.Case> cases() {
        DecodeShape d128r4 = new DecodeShape(2, 8, 2, 128, 300);
        int[] two = {299, 133};
        Budget half = new Budget(0.5, 128, 1);
        return List.of(
                new DecodeCheck.Case(DecodeCheck.Role.DENSE, d128r4, DType.BF16, two, half),
                new DecodeCheck.Case(DecodeCheck.Role.LAYER0, d128r4, DType.F16, two, half),
                new DecodeCheck.Case(DecodeCheck.Role.ANCHOR, d128r4, DType.BF16, two, half),
                new DecodeCheck.Case(DecodeCheck.Role.REUSE, d128r4, DType.BF16, two, half),
                new DecodeCheck.Case(DecodeCheck.Role.LAYER0, new DecodeShape(1, 2, 1, 64, 210), DType.BF16,
                        new int[] {203}, half),
                new DecodeCheck.Case(DecodeCheck.Role.REUSE, new DecodeShape(1, 8, 1, 256, 150), DType.F16,
                        new int[] {149}, half),
                new DecodeCheck.Case(DecodeCheck.Role.DENSE, new DecodeShape(1, 4, 1, 64, 170), DType.BF16,
                        new int[] {167}, half));
    }

    @Test
    void theBarShapeMatchesFloat64InTheEmulator() {
        for (SplitTuning tuning : List.of(new SplitTuning(true, SplitTuning.Gather.ALWAYS),
                new SplitTuning(true, 3, SplitTuning.Gather.NEVER))) {
            for (DecodeCheck.Case c : cases().subList(0, 4)) {
                DecodeCheck.Result r = DecodeCheck.run(c, Emulator::launch, 31, 1, 64, tuning);
                assertTrue(r.passed(), tuning.label() + " " + c.label() + ": " + r.detail());
            }
        }
    }

    @Test
    void everyVariantMatchesFloat64AsCompiled() {
        IrInterpreter compiled = new IrInterpreter();
        for (SplitTuning tuning : VARIANTS) {
            for (DecodeCheck.Case c : cases()) {
                DecodeCheck.Result r = DecodeCheck.run(c, compiled, 37, 1, 64, tuning);
                assertTrue(r.passed(), tuning.label() + " " + c.label() + ": " + r.detail());
            }
        }
    }

    @Test
    void systemPropertiesOverrideTheDefaultAndBadValuesAreRejected() {
        String p = "kascade.decode.pipelined";
        String g = "kascade.decode.gatherReduce";
        String beforeP = System.getProperty(p);
        String beforeG = System.getProperty(g);
        try {
            System.setProperty(p, String.valueOf(!SplitTuning.DEFAULT.pipelined()));
            System.setProperty(g, "always");
            assertEquals(new SplitTuning(!SplitTuning.DEFAULT.pipelined(), SplitTuning.DEFAULT.asyncStages(), SplitTuning.Gather.ALWAYS,
                    SplitTuning.DEFAULT.tensorCores()), SplitTuning.current());
            System.setProperty(g, "false");
            assertEquals(SplitTuning.Gather.NEVER, SplitTuning.current().gather());
            System.setProperty(p, "sometimes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, SplitTuning::current);
            assertTrue(e.getMessage().contains(p), e.getMessage());
            System.setProperty(p, "true");
            System.setProperty(g, "often");
            e = assertThrows(IllegalArgumentException.class, SplitTuning::current);
            assertTrue(e.getMessage().contains(g), e.getMessage());
        } finally {
            restore(p, beforeP);
            restore(g, beforeG);
        }
        assertThrows(IllegalArgumentException.class, () -> new SplitTuning(true, null));
        assertThrows(IllegalArgumentException.class, () -> new SplitTuning(true, 1, SplitTuning.Gather.NEVER));
        assertThrows(IllegalArgumentException.class, () -> new SplitTuning(true, SplitTuning.MAX_ASYNC_STAGES + 1, SplitTuning.Gather.NEVER));
        String a = "kascade.decode.asyncStages";
        String beforeA = System.getProperty(a);
        try {
            System.setProperty(a, "3");
            assertEquals(3, SplitTuning.current().asyncStages());
            System.setProperty(a, "0");
            assertEquals(0, SplitTuning.current().asyncStages());
            for (String bad : new String[] {"1", "9", "two"}) {
                System.setProperty(a, bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, SplitTuning::current);
                assertTrue(e.getMessage().contains(a) && e.getMessage().contains(bad), e.getMessage());
            }
        } finally {
            restore(a, beforeA);
        }
        String m = "kascade.decode.tensorCores";
        String beforeM = System.getProperty(m);
        try {
            System.setProperty(m, "false");
            assertTrue(!SplitTuning.current().tensorCores());
            System.setProperty(m, "true");
            assertTrue(SplitTuning.current().tensorCores());
            System.setProperty(m, "yes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, SplitTuning::current);
            assertTrue(e.getMessage().contains(m) && e.getMessage().contains("yes"), e.getMessage());
        } finally {
            restore(m, beforeM);
        }
        String k = "kascade.decode.streamK";
        String beforeK = System.getProperty(k);
        try {
            assertEquals(SplitTuning.StreamK.OFF, SplitTuning.DEFAULT.streamK());
            System.setProperty(k, "off");
            assertEquals(SplitTuning.StreamK.OFF, SplitTuning.current().streamK());
            System.setProperty(k, "ALWAYS");
            assertEquals(SplitTuning.StreamK.ALWAYS, SplitTuning.current().streamK());
            assertTrue(SplitTuning.current().label().endsWith(",streamk=always"), SplitTuning.current().label());
            System.setProperty(k, "auto");
            assertEquals(SplitTuning.StreamK.AUTO, SplitTuning.current().streamK());
            assertTrue(SplitTuning.current().label().endsWith(",streamk=auto"), SplitTuning.current().label());
            System.setProperty(k, "off");
            assertEquals(SplitTuning.DEFAULT.label(), SplitTuning.current().label(), "the default adds nothing");
            System.setProperty(k, "sometimes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, SplitTuning::current);
            assertTrue(e.getMessage().contains(k) && e.getMessage().contains("sometimes"), e.getMessage());
        } finally {
            restore(k, beforeK);
        }
    }

    @Test
    void tensorCoresServeDenseLayer0AndReuseAtHeadDims64And128Only() {
        SplitTuning on = SplitTuning.DEFAULT.withTensorCores(true);
        for (DecodeMode mode : DecodeMode.values()) {
            boolean served = mode == DecodeMode.DENSE || mode == DecodeMode.LAYER0 || mode == DecodeMode.SPARSE;
            assertEquals(served, on.tensorCores(mode, 128), mode.name());
            assertEquals(served, on.tensorCores(mode, 64), mode.name());
            assertTrue(!on.tensorCores(mode, 256), mode + " d 256: the FMA kernel");
            assertTrue(!on.withTensorCores(false).tensorCores(mode, 128), mode + " switched off");
        }
        assertEquals(2, new SplitTuning(true, 0, SplitTuning.Gather.NEVER, true).mmaStages(), "the ring is the kernel's only load path");
        assertEquals(3, new SplitTuning(true, 3, SplitTuning.Gather.NEVER, true).mmaStages());
        int longBlock = SplitTuning.MMA_LONG_BLOCK_STEPS;
        for (int async : new int[] {0, 2}) {
            SplitTuning t = new SplitTuning(true, async, SplitTuning.Gather.NEVER, true);
            assertEquals(2, t.mmaStages(longBlock - 1), "short blocks: three blocks per SM");
            assertEquals(3, t.mmaStages(longBlock), "long blocks: a third stage");
            int longSparse = SplitTuning.MMA_LONG_SPARSE_BLOCK_STEPS;
            assertTrue(longSparse < longBlock);
            assertEquals(2, t.mmaStages(longSparse - 1, true), "short sparse blocks");
            assertEquals(3, t.mmaStages(longSparse, true), "the sparse pass takes the third stage sooner");
            assertEquals(2, t.mmaStages(longSparse, false), "dense at the same length keeps two");
        }
        assertEquals(3, new SplitTuning(true, 3, SplitTuning.Gather.NEVER, true).mmaStages(1), "asyncStages 3 forces it");
    }

    @Test
    void theDefaultUsesTheGatherPathInLayer0Only() {
        for (DecodeMode mode : DecodeMode.values()) {
            assertEquals(mode == DecodeMode.LAYER0, SplitTuning.DEFAULT.gatherReduce(mode), mode.name());
            assertTrue(new SplitTuning(true, SplitTuning.Gather.ALWAYS).gatherReduce(mode));
            assertTrue(!new SplitTuning(true, SplitTuning.Gather.NEVER).gatherReduce(mode));
        }
        assertEquals("async2,gather=layer0,mma", SplitTuning.DEFAULT.label());
        assertEquals("async2,gather=layer0", SplitTuning.DEFAULT.withTensorCores(false).label());
        assertEquals(2, SplitTuning.DEFAULT.asyncStages(4));
        assertEquals(0, SplitTuning.DEFAULT.asyncStages(8), "8 heads per block: no room for the ring's registers");
        assertTrue(!SplitTuning.DEFAULT.pipelined(4), "where the ring applies it replaces register pipelining");
        assertTrue(!SplitTuning.DEFAULT.pipelined(8), "8 heads per block: no room for a second register set either");
        assertTrue(new SplitTuning(true, 0, SplitTuning.Gather.NEVER).pipelined(4), "without the ring, registers pipeline");
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }
}
