package dev.kascade.kernels.attention;

import java.util.Locale;
import java.util.Map;

/**
 * Code-shape choices of {@link SplitDecodeKernel#decodeSplit} that change speed, not results (all are
 * {@code @Const} flags, so each combination is its own compiled kernel):
 * <ul>
 *   <li>{@code pipelined}: each loop step issues the next step's K/V loads before computing on the loads
 *       issued one step earlier (one more register set of K/V words per lane);</li>
 *   <li>{@code asyncStages} S (0 = off, else 2 or 3): the loads run S - 1 steps ahead as {@code cp.async} copies
 *       into an S-stage ring in dynamic shared memory (16 KB per stage and block) instead of a second register set,
 *       so more bytes are in flight without more registers; where it applies ({@link #asyncStages(int)}) it
 *       replaces register pipelining;</li>
 *   <li>{@code gather}: in which modes that read V the partial dots are reduce-scattered and the probabilities
 *       all-gathered (30 shuffles and 1 + r exp2 per lane and step) instead of every dot being all-reduced (64
 *       shuffles and UNROLL x r + r exp2). Only shapes with one value per lane use it
 *       ({@code UNROLL x heads per block == d/8}, e.g. d 128 with r 4); others ignore it;</li>
 *   <li>{@code tensorCores}: the dense, layer-0 and reuse roles run {@link MmaDecodeKernel} (Q K^T and P V by
 *       {@code mma.sync}, d 64 and 128) instead of the FMA kernel, with a {@code cp.async} ring of
 *       {@link #mmaStages(int)} stages (three for long blocks); the anchor passes and d 256 keep the FMA
 *       kernel.</li>
 *   <li>{@code persistent}: where the tensor-core kernel runs dense or layer 0, it runs on a persistent grid
 *       ({@link PersistentDecodeKernel}) whose blocks take the same work items one after another, the copy ring
 *       running on across them.</li>
 *   <li>{@code streamK}: where dense decode runs on the tensor-core kernel, whether it runs {@link StreamKDecodeKernel}
 *       (one wave of blocks, each taking an equal share of all rows' steps laid end to end, rows cut between two
 *       blocks merged by the second, no merge kernel): never ({@code OFF}, the default), where {@link GpuDecode}
 *       measured it faster on the tenth session's H200 ({@code AUTO}), or always. On the eleventh session's H200 it
 *       was slower than the plans it replaces wherever AUTO takes it (dense 1.5-3%, docs/gpu-decode.md), so it is no
 *       longer the default.</li>
 * </ul>
 * Measured on the H200 (bf16, 32/8/128, batch 64, 32K, 2026-11-29; docs/gpu-decode.md): pipelining helps every
 * mode (dense 2.141 -> 2.018 ms, layer 0 2.99 -> 2.54, reuse 0.271 -> 0.264); the gather path helps layer 0
 * (2.54 -> 2.47: its logits are written from the scattered values and it needs 168 instead of 146+ registers
 * without pipelining) but slows dense (2.018 -> 2.067: a longer dependent shuffle chain per step). A two-stage
 * cp.async ring then beat register pipelining in every mode at 32K (dense 1.999 -> 1.976 ms, layer 0 2.45 -> 2.41,
 * anchor scores 1.140 -> 1.106, reuse 0.254 -> 0.248; 128 instead of 168 registers, 16 warps per SM) and tied at
 * 128K; three stages were no better. Hence {@link #DEFAULT} = two-stage ring, gather in layer 0 only (register
 * pipelining remains the choice for shapes the ring does not serve, and with {@code asyncStages = 0}), and the
 * tensor-core kernel where it runs (dense 1.975 -> 1.934 ms at 32K, 8.15-8.25 -> 7.62 ms at 128K; reuse 0.246 ->
 * 0.242 ms; see {@link GpuDecode#usesTensorCores} for where).
 *
 * <p>{@link #current()} reads the system properties {@code kascade.decode.pipelined} (true/false),
 * {@code kascade.decode.asyncStages} (0, 2 or 3), {@code kascade.decode.gatherReduce} (never/layer0/always),
 * {@code kascade.decode.tensorCores} and {@code kascade.decode.persistent} (true/false) and
 * {@code kascade.decode.streamK} (off/auto/always), defaulting to
 * {@link #DEFAULT}, so the H200 benchmarks ({@code benchmarks/gpu/tune-split.sh}, {@code ab-decode.sh}) can compare
 * the variants in one session.
 *
 * @param pipelined software-pipelined K/V loads (register double-buffering)
 * @param asyncStages stages of the {@code cp.async} ring (0: no asynchronous copies), where the shape allows it
 * @param gather    modes that use reduce-scatter + all-gather where the shape allows it
 * @param tensorCores dense, layer 0 and reuse on {@link MmaDecodeKernel} where it serves the head dim
 * @param persistent  dense and layer 0 on {@link PersistentDecodeKernel} (a grid of resident blocks taking work
 *                    items in turn) where the tensor-core kernel runs
 * @param streamK     where dense decode runs {@link StreamKDecodeKernel} ({@code persistent} comes first)
 */
public record SplitTuning(boolean pipelined, int asyncStages, Gather gather, boolean tensorCores, boolean persistent,
                          StreamK streamK) {
    /** Which modes with V use the reduce-scatter / all-gather path (the anchor scores pass always does). */
    public enum Gather { NEVER, LAYER0, ALWAYS }

    /** Where dense decode takes the stream-K grid: never, by {@link GpuDecode}'s measured rule, or always. */
    public enum StreamK { OFF, AUTO, ALWAYS }

    /** The choice measured fastest on the H200 (see the class comment; the persistent grid was slower). */
    public static final SplitTuning DEFAULT = new SplitTuning(true, 2, Gather.LAYER0, true, false, StreamK.OFF);

    /** Most ring stages: the kernel delays the loads' positions by at most two steps (loads two steps ahead). */
    public static final int MAX_ASYNC_STAGES = 3;

    public SplitTuning {
        if (gather == null) throw new IllegalArgumentException("gather: expected NEVER, LAYER0 or ALWAYS but got null");
        if (streamK == null) throw new IllegalArgumentException("streamK: expected OFF, AUTO or ALWAYS but got null");
        if (!validStages(asyncStages)) {
            throw new IllegalArgumentException("asyncStages: expected 0 (off) or 2.." + MAX_ASYNC_STAGES + " but got " + asyncStages);
        }
    }

    /** 0 (no ring) or 2 to {@link #MAX_ASYNC_STAGES}. */
    private static boolean validStages(int asyncStages) {
        return asyncStages == 0 || (asyncStages >= 2 && asyncStages <= MAX_ASYNC_STAGES);
    }

    /** No stream-K grid ({@code OFF}, the default's choice). */
    public SplitTuning(boolean pipelined, int asyncStages, Gather gather, boolean tensorCores, boolean persistent) {
        this(pipelined, asyncStages, gather, tensorCores, persistent, StreamK.OFF);
    }

    /** The block grid ({@code persistent} off). */
    public SplitTuning(boolean pipelined, int asyncStages, Gather gather, boolean tensorCores) {
        this(pipelined, asyncStages, gather, tensorCores, false);
    }

    /** Without asynchronous copies. */
    public SplitTuning(boolean pipelined, Gather gather) {
        this(pipelined, 0, gather);
    }

    /** The FMA kernel in every role. */
    public SplitTuning(boolean pipelined, int asyncStages, Gather gather) {
        this(pipelined, asyncStages, gather, false);
    }

    /** This tuning with the tensor-core kernel switched on or off. */
    public SplitTuning withTensorCores(boolean on) {
        return new SplitTuning(pipelined, asyncStages, gather, on, persistent, streamK);
    }

    /** This tuning with the persistent grid switched on or off. */
    public SplitTuning withPersistent(boolean on) {
        return new SplitTuning(pipelined, asyncStages, gather, tensorCores, on, streamK);
    }

    /** This tuning with another stream-K choice. */
    public SplitTuning withStreamK(StreamK choice) {
        return new SplitTuning(pipelined, asyncStages, gather, tensorCores, persistent, choice);
    }

    /**
     * Whether {@code mode} at head dim {@code headDim} runs {@link PersistentDecodeKernel} (dense and layer 0, where
     * the tensor-core kernel serves them; the reuse pass keeps the block grid).
     */
    public boolean persistent(DecodeMode mode, int headDim) {
        return persistent && tensorCores(mode, headDim) && mode != DecodeMode.SPARSE;
    }

    /** Whether {@code mode} at head dim {@code headDim} runs {@link MmaDecodeKernel}. */
    public boolean tensorCores(DecodeMode mode, int headDim) {
        return tensorCores && MmaDecodeKernel.supports(headDim)
                && (mode == DecodeMode.DENSE || mode == DecodeMode.LAYER0 || mode == DecodeMode.SPARSE);
    }

    /**
     * Blocks of {@link MmaDecodeKernel} at least this many 64-key steps long get a third ring stage. Two stages fit
     * three blocks per SM, three stages two blocks with deeper copies each; measured on the H200 (bf16, 32/8/128,
     * batch 64, 7 splits, 2026-11-29, two rounds each in one call): dense 1.891 vs 1.902 ms at 32K (73 steps per
     * block), 3.752 vs 3.784 at 64K (146 steps), 7.409-7.417 vs 7.375-7.381 at 128K (293 steps), 14.85-14.89 vs
     * 14.75-14.80 at 256K (586 steps), two stages vs three.
     */
    public static final int MMA_LONG_BLOCK_STEPS = 192;

    /**
     * The same threshold for the sparse pass (reuse), whose gathered rows gain from deeper copies sooner. Measured on
     * the H200 (bf16, 32/8/128, batch 64, two splits, three rounds in one call, 2026-11-29), reuse with two stages vs
     * three: 0.2298-0.2303 vs 0.2370-0.2373 ms at 32K (26 steps per block), 0.4293-0.4297 vs 0.4310-0.4321 at 64K
     * (52 steps), 0.8224-0.8320 vs 0.8118-0.8130 at 128K (103 steps); 256K (205 steps) already has three.
     */
    public static final int MMA_LONG_SPARSE_BLOCK_STEPS = 96;

    /** Ring stages of {@link MmaDecodeKernel} for short blocks (see {@link #mmaStages(int)}). */
    public int mmaStages() {
        return mmaStages(0);
    }

    /**
     * Ring stages of {@link MmaDecodeKernel} (which always copies through a ring) for blocks of {@code stepsPerBlock}
     * 64-key steps: {@code asyncStages} = 3 forces three everywhere; otherwise three from
     * {@link #MMA_LONG_BLOCK_STEPS} steps on, two below.
     */
    public int mmaStages(int stepsPerBlock) {
        return mmaStages(stepsPerBlock, false);
    }

    /** {@link #mmaStages(int)} for the dense and layer-0 roles, or (with {@code sparse}) the sparse pass. */
    public int mmaStages(int stepsPerBlock, boolean sparse) {
        int longBlock = sparse ? MMA_LONG_SPARSE_BLOCK_STEPS : MMA_LONG_BLOCK_STEPS;
        return asyncStages == 3 || stepsPerBlock >= longBlock ? 3 : 2;
    }

    /** {@link #DEFAULT}, with each choice overridden by its system property when set. */
    public static SplitTuning current() {
        boolean pipelined = booleanProperty("kascade.decode.pipelined", DEFAULT.pipelined);
        int asyncStages = DEFAULT.asyncStages;
        String a = System.getProperty("kascade.decode.asyncStages");
        if (a != null && !a.isBlank()) {
            try {
                asyncStages = Integer.parseInt(a.trim());
            } catch (NumberFormatException e) {
                asyncStages = -1;
            }
            if (!validStages(asyncStages)) {
                throw new IllegalArgumentException("kascade.decode.asyncStages: expected 0 (off) or 2.." + MAX_ASYNC_STAGES
                        + " but got '" + a + "'");
            }
        }
        Gather gather = choiceProperty("kascade.decode.gatherReduce", DEFAULT.gather, "never, layer0 or always",
                Map.of("never", Gather.NEVER, "false", Gather.NEVER, "layer0", Gather.LAYER0,
                        "always", Gather.ALWAYS, "true", Gather.ALWAYS));
        boolean tensorCores = booleanProperty("kascade.decode.tensorCores", DEFAULT.tensorCores);
        boolean persistent = booleanProperty("kascade.decode.persistent", DEFAULT.persistent);
        StreamK streamK = choiceProperty("kascade.decode.streamK", DEFAULT.streamK, "off, auto or always",
                Map.of("off", StreamK.OFF, "false", StreamK.OFF, "auto", StreamK.AUTO,
                        "always", StreamK.ALWAYS, "true", StreamK.ALWAYS));
        return new SplitTuning(pipelined, asyncStages, gather, tensorCores, persistent, streamK);
    }

    /**
     * System property {@code name} as one of {@code words} (case-insensitive; {@code otherwise} when unset or blank); any
     * other value fails naming the property, the {@code expected} words and the value.
     */
    static <T> T choiceProperty(String name, T otherwise, String expected, Map<String, T> words) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) return otherwise;
        T choice = words.get(v.trim().toLowerCase(Locale.ROOT));
        if (choice == null) {
            throw new IllegalArgumentException(name + ": expected " + expected + " but got '" + v + "'");
        }
        return choice;
    }

    /** System property {@code name} as true or false ({@code otherwise} when unset or blank). */
    static boolean booleanProperty(String name, boolean otherwise) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) return otherwise;
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + ": expected true or false but got '" + v + "'");
        };
    }

    /**
     * Most query heads per block that are pipelined: with 8 heads a lane already holds 64 q values and 64
     * accumulators, and a second K/V register set would spill (ptxas, d 64, f16, layer 0).
     */
    public static final int PIPELINE_MAX_HEADS = 4;

    /**
     * Whether a kernel serving {@code blockHeads} query heads per block is compiled with register pipelining (not
     * where the cp.async ring replaces it).
     */
    public boolean pipelined(int blockHeads) {
        return pipelined && blockHeads <= PIPELINE_MAX_HEADS && asyncStages(blockHeads) == 0;
    }

    /**
     * The ring stages of a kernel serving {@code blockHeads} query heads per block (0: no asynchronous copies): as
     * for register pipelining, only up to {@link #PIPELINE_MAX_HEADS} heads, whose registers leave room.
     */
    public int asyncStages(int blockHeads) {
        return blockHeads <= PIPELINE_MAX_HEADS ? asyncStages : 0;
    }

    /** Whether {@code mode}'s kernel is compiled with the gather path enabled. */
    public boolean gatherReduce(DecodeMode mode) {
        return gather == Gather.ALWAYS || (gather == Gather.LAYER0 && mode == DecodeMode.LAYER0);
    }

    /** Short label for logs and benchmark records, e.g. {@code pipelined,gather=layer0}. */
    public String label() {
        return (asyncStages > 0 ? "async" + asyncStages : pipelined ? "pipelined" : "plain") + ",gather="
                + gather.name().toLowerCase(Locale.ROOT) + (tensorCores ? ",mma" : "") + (persistent ? ",persistent" : "")
                + (streamK == StreamK.OFF ? "" : ",streamk=" + streamK.name().toLowerCase(Locale.ROOT));
    }
}
