package dev.kascade.kernels.corpus;

import dev.kascade.kernel.KernelLauncher;
import dev.kascade.ptx.UnsupportedTargetException;
import java.lang.foreign.Arena;
import java.util.Random;

/**
 * One corpus kernel with its inputs, launch geometry and reference check: fresh random inputs from the seed,
 * one launch through the given launcher, and a comparison of every output element.
 *
 * @param kernel the corpus name ({@link CorpusKernels#specs()})
 * @param body   builds inputs in the arena, launches, compares
 */
public record CorpusCase(String kernel, Body body) {
    /** The work of one case. */
    @FunctionalInterface
    public interface Body {
        /** @param scale size multiplier, 1 for the default (small) sizes */
        CaseResult run(KernelLauncher launcher, Random random, Arena arena, int scale);
    }

    /**
     * Runs the case; a launch that throws becomes a failed result carrying the message, so one broken
     * kernel never hides the others, except a kernel the device's PTX target cannot express, which is skipped.
     */
    public CaseResult run(KernelLauncher launcher, long seed) {
        return run(launcher, seed, 1);
    }

    /**
     * As {@link #run(KernelLauncher, long)} with every problem size (and most grids) multiplied by {@code scale}
     * (1 .. {@link CorpusCases#MAX_SCALE}): large scales are for the GPU, where they exercise many blocks.
     */
    public CaseResult run(KernelLauncher launcher, long seed, int scale) {
        if (scale < 1 || scale > CorpusCases.MAX_SCALE) {
            throw new IllegalArgumentException("scale: expected 1.." + CorpusCases.MAX_SCALE + " but got " + scale);
        }
        try (Arena arena = Arena.ofShared()) {
            return body.run(launcher, new Random(seed), arena, scale);
        } catch (UnsupportedTargetException e) {
            return new CaseResult(kernel, "-", Double.NaN, Double.NaN, false, e.getMessage(), true);
        } catch (RuntimeException | Error e) {
            return new CaseResult(kernel, "-", Double.NaN, Double.NaN, false,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
