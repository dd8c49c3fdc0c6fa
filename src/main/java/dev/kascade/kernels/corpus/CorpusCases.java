package dev.kascade.kernels.corpus;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.I64Buffer;
import dev.kascade.kernel.KernelLauncher;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.kernels.KernelSpec;
import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Random;

/**
 * The self-test of every corpus kernel: odd sizes (never a multiple of the tile or warp), grids that make
 * the grid-stride loops turn more than once, random inputs with the edge values each rule is about, and the
 * comparison with {@link CorpusReferences}. Sizes are small so the CPU emulator runs the whole list in
 * seconds; the same cases run on the GPU through the CUDA launcher.
 */
public final class CorpusCases {
    /** Tolerance for softmax (ex2.approx on the GPU, float sums): relative to max(|p|, 1e-3). */
    public static final double SOFTMAX_TOLERANCE = 2e-5;
    /** Tolerance for RMSNorm (rsqrt.approx on the GPU, float sums): relative to max(|y|, 1e-3). */
    public static final double RMS_NORM_TOLERANCE = 1e-5;
    /** Tolerance for the mma GEMMs (tensor-core accumulation order and rounding): relative to max(|c|, 1). */
    public static final double MMA_TOLERANCE = 1e-4;

    private static final float[] FLOAT_EDGES = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
        1e10f, -1e10f, 3e9f, -3e9f, 2.5f, -2.5f, 0.5f, -0.5f, 1.5f, Float.MIN_VALUE, -Float.MIN_VALUE,
        Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 2147483648f, -2147483648f, 9.3e18f, -9.3e18f, 1f, -1f};
    private static final int[] INT_EDGES = {0, 1, -1, 2, -2, 7, -7, 31, 32, 33, 63, 64, 65, -31, -32, -33, -3,
        Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE + 1, 0x10000, -0x10000, 1000, -1001};

    private CorpusCases() {
    }

    /** Largest accepted size multiplier: the biggest case (long_semantics) then needs about 200 MB of host memory. */
    public static final int MAX_SCALE = 1_000;

    /** Every corpus kernel's case, in {@link CorpusKernels#specs()} order. */
    public static List<CorpusCase> all() {
        return List.of(
                new CorpusCase("vector_add", CorpusCases::vectorAdd),
                new CorpusCase("copy", CorpusCases::copy),
                new CorpusCase("saxpy", CorpusCases::saxpy),
                new CorpusCase("warp_sum", CorpusCases::warpSum),
                new CorpusCase("warp_max", CorpusCases::warpMax),
                new CorpusCase("warp_sum_down", CorpusCases::warpSumDown),
                new CorpusCase("warp_int_reduce", CorpusCases::warpIntReduce),
                new CorpusCase("warp_shuffle", CorpusCases::warpShuffle),
                new CorpusCase("block_sum", CorpusCases::blockSum),
                new CorpusCase("histogram", CorpusCases::histogram),
                new CorpusCase("shared_atomics_f32", CorpusCases::sharedAtomics),
                new CorpusCase("transpose", CorpusCases::transpose),
                new CorpusCase("row_softmax", CorpusCases::rowSoftmax),
                new CorpusCase("f16_round_trip", CorpusCases::f16RoundTrip),
                new CorpusCase("bf16_round_trip", CorpusCases::bf16RoundTrip),
                new CorpusCase("pack_halves", CorpusCases::packHalves),
                new CorpusCase("control_flow", CorpusCases::controlFlow),
                new CorpusCase("int_semantics", CorpusCases::intSemantics),
                new CorpusCase("float_semantics", CorpusCases::floatSemantics),
                new CorpusCase("long_semantics", CorpusCases::longSemantics),
                new CorpusCase("bf16_gemv", CorpusCases::bf16Gemv),
                new CorpusCase("rms_norm", CorpusCases::rmsNorm),
                new CorpusCase("mma_bf16", (l, r, a, s) -> mma(l, r, a, s, true)),
                new CorpusCase("mma_f16", (l, r, a, s) -> mma(l, r, a, s, false)),
                new CorpusCase("async_copy", CorpusCases::asyncCopy),
                new CorpusCase("bulk_copy", CorpusCases::bulkCopy),
                new CorpusCase("chained_scan", CorpusCases::chainedScan));
    }

    static Method method(String name) {
        for (KernelSpec s : CorpusKernels.specs()) {
            if (s.name().equals(name)) {
                return s.method();
            }
        }
        throw new IllegalArgumentException("kernel: no corpus kernel named " + name);
    }

    // ---------------------------------------------------------------- cases

    private static CaseResult vectorAdd(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 10_000 * s + 3;
        float[] a = uniform(r, n, -1, 1);
        float[] b = uniform(r, n, -1, 1);
        F32Buffer c = F32Buffer.allocate(arena, n);
        l.launch(method("vector_add"), LaunchConfig.of1D(grid(4, s), 128), f32(arena, a), f32(arena, b), c, n);
        Check k = new Check(0);
        float[] want = CorpusReferences.add(a, b);
        for (int i = 0; i < n; i++) {
            k.exact("c", i, want[i], c.get(i));
        }
        return k.result("vector_add", "n=" + n);
    }

    private static CaseResult copy(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 5_000 * s + 1;
        float[] src = uniform(r, n, -100, 100);
        F32Buffer dst = F32Buffer.allocate(arena, n);
        l.launch(method("copy"), LaunchConfig.of1D(grid(4, s), 128), f32(arena, src), dst, n);
        Check k = new Check(0);
        for (int i = 0; i < n; i++) {
            k.exact("dst", i, src[i], dst.get(i));
        }
        return k.result("copy", "n=" + n);
    }

    private static CaseResult saxpy(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 3_000 * s + 1;
        float alpha = (float) (r.nextDouble() * 4 - 2);
        float[] x = uniform(r, n, -10, 10);
        float[] y = uniform(r, n, -10, 10);
        F32Buffer yb = f32(arena, y);
        l.launch(method("saxpy"), LaunchConfig.of1D(blocks(n, 256), 256), alpha, f32(arena, x), yb, n);
        Check k = new Check(0);
        float[] want = CorpusReferences.saxpy(alpha, x, y);
        for (int i = 0; i < n; i++) {
            k.exact("y", i, want[i], yb.get(i));
        }
        return k.result("saxpy", "n=" + n);
    }

    private static CaseResult warpSum(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 1_000 * s;
        int warps = blocks(n, 128) * 4;
        float[] x = uniform(r, n, -1, 1);
        F32Buffer out = F32Buffer.allocate(arena, warps);
        l.launch(method("warp_sum"), LaunchConfig.of1D(blocks(n, 128), 128), f32(arena, x), out, n);
        return exactFloats("warp_sum", "n=" + n, CorpusReferences.warpSums(x, warps), out);
    }

    private static CaseResult warpMax(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 1_000 * s;
        int warps = blocks(n, 128) * 4;
        float[] x = uniform(r, n, -1, 1);
        x[77] = Float.NaN; // Math.max semantics: the NaN wins in warp 2
        F32Buffer out = F32Buffer.allocate(arena, warps);
        l.launch(method("warp_max"), LaunchConfig.of1D(blocks(n, 128), 128), f32(arena, x), out, n);
        return exactFloats("warp_max", "n=" + n, CorpusReferences.warpMaxes(x, warps), out);
    }

    private static CaseResult warpSumDown(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 1_000 * s;
        int warps = blocks(n, 128) * 4;
        float[] x = uniform(r, n, -1, 1);
        F32Buffer out = F32Buffer.allocate(arena, 2L * warps);
        l.launch(method("warp_sum_down"), LaunchConfig.of1D(blocks(n, 128), 128), f32(arena, x), out, n);
        return exactFloats("warp_sum_down", "n=" + n, CorpusReferences.warpSumDown(x, warps), out);
    }

    private static CaseResult warpIntReduce(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 1_000 * s;
        int warps = blocks(n, 128) * 4;
        int[] x = ints(r, n);
        I32Buffer out = I32Buffer.allocate(arena, 3L * warps);
        l.launch(method("warp_int_reduce"), LaunchConfig.of1D(blocks(n, 128), 128), i32(arena, x), out, n);
        return exactInts("warp_int_reduce", "n=" + n, CorpusReferences.warpIntReduce(x, warps), out);
    }

    private static CaseResult warpShuffle(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 1_000 * s;
        float[] x = uniform(r, n, -1, 1);
        F32Buffer out = F32Buffer.allocate(arena, 3L * n);
        l.launch(method("warp_shuffle"), LaunchConfig.of1D(blocks(n, 128), 128), f32(arena, x), out, n);
        return exactFloats("warp_shuffle", "n=" + n, CorpusReferences.warpShuffle(x), out);
    }

    private static CaseResult blockSum(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 10_000 * s + 1;
        int bs = CorpusKernels.BLOCK_SUM_THREADS;
        int grid = 4 * s; // each thread sums about 10 elements before the tree
        float[] x = uniform(r, n, -1, 1);
        F32Buffer out = F32Buffer.allocate(arena, grid);
        l.launch(method("block_sum"), LaunchConfig.of1D(grid, bs), f32(arena, x), out, n, bs);
        return exactFloats("block_sum", "n=" + n, CorpusReferences.blockSums(x, grid, bs), out);
    }

    private static CaseResult histogram(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 10_000 * s + 1;
        int bins = CorpusKernels.HISTOGRAM_BINS;
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(2_000_001) - 1_000_000;
        }
        int[] init = new int[bins + 1];
        init[bins] = Integer.MIN_VALUE;
        I32Buffer out = i32(arena, init);
        l.launch(method("histogram"), LaunchConfig.of1D(grid(6, s), 128), i32(arena, v), out, n, bins);
        return exactInts("histogram", "n=" + n, CorpusReferences.histogram(v, bins), out);
    }

    private static CaseResult sharedAtomics(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 1_000 * s;
        int bs = 256;
        int grid = blocks(n, bs);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(201) - 100; // small integers: the f32 sum is exact in any order
        }
        F32Buffer out = F32Buffer.allocate(arena, 2L * grid);
        l.launch(method("shared_atomics_f32"), LaunchConfig.of1D(grid, bs), f32(arena, x), out, n);
        double[] want = CorpusReferences.blockSumMax(x, grid, bs);
        Check k = new Check(0);
        for (int i = 0; i < want.length; i++) {
            k.exact("out", i, (float) want[i], out.get(i));
        }
        return k.result("shared_atomics_f32", "n=" + n);
    }

    private static CaseResult transpose(KernelLauncher l, Random r, Arena arena, int s) {
        int rows = 70 * s;
        int cols = 45;
        float[] in = uniform(r, rows * cols, -1, 1);
        F32Buffer out = F32Buffer.allocate(arena, (long) rows * cols);
        int t = TransposeKernel.TILE;
        LaunchConfig cfg = new LaunchConfig(blocks(cols, t), blocks(rows, t), 1, t, TransposeKernel.ROWS_PER_PASS, 0);
        l.launch(method("transpose"), cfg, f32(arena, in), out, rows, cols);
        return exactFloats("transpose", rows + "x" + cols, CorpusReferences.transpose(in, rows, cols), out);
    }

    private static CaseResult asyncCopy(KernelLauncher l, Random r, Arena arena, int s) {
        int tiles = 11 * s; // more tiles than blocks: every block runs both stages of its ring
        int words = AsyncCopyKernel.TILE_WORDS;
        int[] in = new int[tiles * words];
        for (int i = 0; i < in.length; i++) in[i] = r.nextInt();
        I32Buffer out = I32Buffer.allocate(arena, in.length);
        l.launch(method("async_copy"), LaunchConfig.of1D(Math.max(1, tiles / 3), AsyncCopyKernel.THREADS), i32(arena, in), out, tiles);
        int[] want = new int[in.length];
        for (int tile = 0; tile < tiles; tile++) {
            for (int c = 0; c < AsyncCopyKernel.THREADS; c++) {
                System.arraycopy(in, tile * words + 4 * (AsyncCopyKernel.THREADS - 1 - c), want, tile * words + 4 * c, 4);
            }
        }
        return exactInts("async_copy", tiles + " tiles", want, out);
    }

    private static CaseResult bulkCopy(KernelLauncher l, Random r, Arena arena, int s) {
        int tiles = 7 * s; // more tiles than blocks: every block fills both stages, and stage 0 twice
        int words = BulkCopyKernel.TILE_WORDS;
        int[] in = new int[tiles * words];
        for (int i = 0; i < in.length; i++) in[i] = r.nextInt();
        I32Buffer out = I32Buffer.allocate(arena, in.length);
        l.launch(method("bulk_copy"), LaunchConfig.of1D(Math.max(1, tiles / 3), BulkCopyKernel.THREADS), i32(arena, in), out, tiles);
        int[] want = new int[in.length];
        int rowWords = BulkCopyKernel.ROW_WORDS;
        for (int tile = 0; tile < tiles; tile++) {
            for (int row = 0; row < BulkCopyKernel.ROWS; row++) {
                System.arraycopy(in, tile * words + (BulkCopyKernel.ROWS - 1 - row) * rowWords, want,
                        tile * words + row * rowWords, rowWords);
            }
        }
        return exactInts("bulk_copy", tiles + " tiles", want, out);
    }

    private static CaseResult chainedScan(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 2000 * s + 37; // not a multiple of the 256-element tile
        int tiles = (n + ChainedScanKernel.THREADS - 1) / ChainedScanKernel.THREADS;
        float[] x = new float[n];
        float[] want = new float[n];
        float sum = 0f;
        int bound = Math.max(1, Math.min(16, (1 << 24) / n)); // every prefix sum below 2^24: exact in float
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(bound);
            sum += x[i];
            want[i] = sum;
        }
        F32Buffer out = F32Buffer.allocate(arena, n);
        l.launch(method("chained_scan"), LaunchConfig.of1D(tiles, ChainedScanKernel.THREADS), f32(arena, x), out,
                F32Buffer.allocate(arena, tiles), I32Buffer.allocate(arena, tiles), I32Buffer.allocate(arena, 1), n);
        return exactFloats("chained_scan", n + " elements, " + tiles + " tiles", want, out);
    }

    private static CaseResult rowSoftmax(KernelLauncher l, Random r, Arena arena, int s) {
        int rows = 37 * s;
        int cols = 300;
        float[] x = uniform(r, rows * cols, -8, 8);
        F32Buffer y = F32Buffer.allocate(arena, (long) rows * cols);
        l.launch(method("row_softmax"), LaunchConfig.of1D(blocks(rows, 4), 128), f32(arena, x), y, rows, cols);
        double[] want = CorpusReferences.softmax(x, rows, cols);
        Check k = new Check(SOFTMAX_TOLERANCE);
        for (int i = 0; i < want.length; i++) {
            k.close("y", i, want[i], y.get(i), 1e-3);
        }
        return k.result("row_softmax", rows + "x" + cols);
    }

    private static CaseResult f16RoundTrip(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 1_000 * s + 3;
        float scale = 1.375f;
        short[] in = new short[n];
        for (int i = 0; i < n; i++) {
            in[i] = Float.floatToFloat16((float) (r.nextGaussian() * 100));
        }
        in[5] = Float.floatToFloat16(65504f);      // overflows to +inf when scaled
        in[6] = (short) 0x0001;                   // smallest subnormal half
        in[7] = Float.floatToFloat16(Float.NEGATIVE_INFINITY);
        in[8] = (short) 0x8000;                   // -0
        F16Buffer src = F16Buffer.allocate(arena, n);
        for (int i = 0; i < n; i++) {
            src.setRaw(i, in[i]);
        }
        F32Buffer wide = F32Buffer.allocate(arena, n);
        F16Buffer out = F16Buffer.allocate(arena, n);
        l.launch(method("f16_round_trip"), LaunchConfig.of1D(grid(2, s), 64), src, wide, out, scale, n);
        short[] want = CorpusReferences.scaleF16(in, scale);
        Check k = new Check(0);
        for (int i = 0; i < n; i++) {
            k.exact("wide", i, Float.float16ToFloat(in[i]), wide.get(i));
            k.exact("out", i, want[i], out.getRaw(i));
        }
        return k.result("f16_round_trip", "n=" + n);
    }

    private static CaseResult bf16RoundTrip(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 1_000 * s + 3;
        float scale = 1.7f;
        short[] in = new short[n];
        for (int i = 0; i < n; i++) {
            in[i] = CorpusReferences.toBf16((float) (r.nextGaussian() * 1e3));
        }
        in[5] = CorpusReferences.toBf16(3.3e38f);  // overflows to +inf when scaled
        in[6] = (short) 0x0001;                    // a subnormal bf16
        in[7] = (short) 0xFF80;                    // -inf
        BF16Buffer src = BF16Buffer.allocate(arena, n);
        for (int i = 0; i < n; i++) {
            src.setRaw(i, in[i]);
        }
        F32Buffer wide = F32Buffer.allocate(arena, n);
        BF16Buffer out = BF16Buffer.allocate(arena, n);
        l.launch(method("bf16_round_trip"), LaunchConfig.of1D(grid(2, s), 64), src, wide, out, scale, n);
        short[] want = CorpusReferences.scaleBf16(in, scale);
        Check k = new Check(0);
        for (int i = 0; i < n; i++) {
            k.exact("wide", i, Float.intBitsToFloat(in[i] << 16), wide.get(i));
            k.exact("out", i, want[i], out.getRaw(i));
        }
        return k.result("bf16_round_trip", "n=" + n);
    }

    private static CaseResult packHalves(KernelLauncher l, Random r, Arena arena, int s) {
        int pairs = 517 * s;
        float[] x = new float[2 * pairs];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
        }
        x[3] = 70000f;   // beyond f16: +inf
        x[4] = -0f;
        x[5] = 1e-7f;    // f16 subnormal
        short[] raw = new short[2 * pairs];
        BF16Buffer rawBuf = BF16Buffer.allocate(arena, raw.length);
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (short) r.nextInt();
            rawBuf.setRaw(i, raw[i]);
        }
        I32Buffer words = I32Buffer.allocate(arena, (long) HalfKernels.PACK_WORDS * pairs);
        F32Buffer floats = F32Buffer.allocate(arena, (long) HalfKernels.UNPACK_FLOATS * pairs);
        l.launch(method("pack_halves"), LaunchConfig.of1D(blocks(pairs, 128), 128), f32(arena, x), rawBuf, words,
                floats, pairs);
        int[] wantWords = new int[HalfKernels.PACK_WORDS * pairs];
        float[] wantFloats = new float[HalfKernels.UNPACK_FLOATS * pairs];
        CorpusReferences.packHalves(x, raw, wantWords, wantFloats);
        Check k = new Check(0);
        for (int i = 0; i < wantWords.length; i++) {
            k.exact("words", i, wantWords[i], words.get(i));
        }
        for (int i = 0; i < wantFloats.length; i++) {
            k.exact("floats", i, wantFloats[i], floats.get(i));
        }
        return k.result("pack_halves", "pairs=" + pairs);
    }

    private static CaseResult controlFlow(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 2_000 * s + 1;
        int[] x = ints(r, n);
        for (int i = 0; i < n; i += 3) {
            x[i] = r.nextInt(4096) - 2048; // small values take the other branches
        }
        I32Buffer out = I32Buffer.allocate(arena, (long) ControlFlowKernels.OUTPUTS * n);
        l.launch(method("control_flow"), LaunchConfig.of1D(blocks(n, 128), 128), i32(arena, x), out, n);
        return exactInts("control_flow", "n=" + n, CorpusReferences.controlFlow(x), out);
    }

    private static CaseResult intSemantics(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 1_000 * s;
        int[] a = ints(r, n);
        int[] b = new int[n];
        for (int i = 0; i < n; i++) {
            b[i] = i % 2 == 0 ? r.nextInt(81) - 40 : r.nextInt(); // shift counts around +-32, and anything
        }
        System.arraycopy(INT_EDGES, 0, b, 100, INT_EDGES.length);
        a[0] = Integer.MIN_VALUE; // MIN_VALUE / -1 wraps to MIN_VALUE in Java
        b[0] = -1;
        I32Buffer out = I32Buffer.allocate(arena, (long) JavaSemanticsKernels.INT_OUTPUTS * n);
        l.launch(method("int_semantics"), LaunchConfig.of1D(blocks(n, 128), 128), i32(arena, a), i32(arena, b), out, n);
        return exactInts("int_semantics", "n=" + n, CorpusReferences.intSemantics(a, b), out);
    }

    private static CaseResult floatSemantics(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 1_000 * s;
        float[] a = floatsWithEdges(r, n);
        float[] b = floatsWithEdges(r, n);
        for (int i = 0; i < 40; i++) {
            b[200 + i] = a[200 + i]; // equal pairs for == and <=
        }
        I32Buffer ints = I32Buffer.allocate(arena, (long) JavaSemanticsKernels.FLOAT_INT_OUTPUTS * n);
        F32Buffer floats = F32Buffer.allocate(arena, (long) JavaSemanticsKernels.FLOAT_OUTPUTS * n);
        l.launch(method("float_semantics"), LaunchConfig.of1D(blocks(n, 128), 128), f32(arena, a), f32(arena, b),
                ints, floats, n);
        Check k = new Check(0);
        int[] wi = CorpusReferences.floatSemanticsInts(a, b);
        for (int i = 0; i < wi.length; i++) {
            k.exact("ints", i, wi[i], ints.get(i));
        }
        float[] wf = CorpusReferences.floatSemanticsFloats(a, b);
        for (int i = 0; i < wf.length; i++) {
            k.exact("floats", i, wf[i], floats.get(i));
        }
        return k.result("float_semantics", "n=" + n);
    }

    private static CaseResult longSemantics(KernelLauncher l, Random r, Arena arena, int s) {
        int n = 1_000 * s;
        int[] a = ints(r, n);
        int[] b = new int[n];
        for (int i = 0; i < n; i++) {
            b[i] = i % 2 == 0 ? r.nextInt(161) - 80 : r.nextInt();
        }
        System.arraycopy(INT_EDGES, 0, b, 100, INT_EDGES.length);
        a[0] = Integer.MIN_VALUE;
        float[] c = floatsWithEdges(r, n);
        I64Buffer out = I64Buffer.allocate(arena, (long) JavaSemanticsKernels.LONG_OUTPUTS * n);
        l.launch(method("long_semantics"), LaunchConfig.of1D(blocks(n, 128), 128), i32(arena, a), i32(arena, b),
                f32(arena, c), out, n);
        long[] want = CorpusReferences.longSemantics(a, b, c);
        Check k = new Check(0);
        for (int i = 0; i < want.length; i++) {
            k.exact("out", i, want[i], out.get(i));
        }
        return k.result("long_semantics", "n=" + n);
    }

    private static CaseResult bf16Gemv(KernelLauncher l, Random r, Arena arena, int s) {
        int rows = 37 * s;
        int cols = 1_000; // a multiple of 8 but not of the 256-column warp span
        float[] w = new float[rows * cols];
        BF16Buffer wb = BF16Buffer.allocate(arena, w.length);
        fillBf16(r, w, wb);
        float[] x = uniform(r, cols, -1, 1);
        F32Buffer y = F32Buffer.allocate(arena, rows);
        l.launch(method("bf16_gemv"), LaunchConfig.of1D(blocks(rows, 4), 128), wb, f32(arena, x), y, rows, cols);
        return exactFloats("bf16_gemv", rows + "x" + cols, CorpusReferences.bf16Gemv(w, x, rows, cols), y);
    }

    private static CaseResult rmsNorm(KernelLauncher l, Random r, Arena arena, int s) {
        int rows = 13 * s;
        int cols = 1_001;
        float eps = 1e-6f;
        float[] x = uniform(r, rows * cols, -3, 3);
        float[] weight = uniform(r, cols, 0.5, 1.5);
        F32Buffer y = F32Buffer.allocate(arena, (long) rows * cols);
        l.launch(method("rms_norm"), LaunchConfig.of1D(rows, 256), f32(arena, x), f32(arena, weight), y, cols, eps);
        double[] want = CorpusReferences.rmsNorm(x, weight, rows, cols, eps);
        Check k = new Check(RMS_NORM_TOLERANCE);
        for (int i = 0; i < want.length; i++) {
            k.close("y", i, want[i], y.get(i), 1e-3);
        }
        return k.result("rms_norm", rows + "x" + cols);
    }

    private static CaseResult mma(KernelLauncher l, Random r, Arena arena, int s, boolean bf16) {
        int m = 32 * s;
        int n = 24;
        int k = 48;
        float[] a = new float[m * k];
        float[] bt = new float[n * k];
        String name = bf16 ? "mma_bf16" : "mma_f16";
        Object aBuf;
        Object bBuf;
        if (bf16) {
            BF16Buffer ab = BF16Buffer.allocate(arena, a.length);
            BF16Buffer bb = BF16Buffer.allocate(arena, bt.length);
            fillBf16(r, a, ab);
            fillBf16(r, bt, bb);
            aBuf = ab;
            bBuf = bb;
        } else {
            F16Buffer ab = F16Buffer.allocate(arena, a.length);
            F16Buffer bb = F16Buffer.allocate(arena, bt.length);
            fillF16(r, a, ab);
            fillF16(r, bt, bb);
            aBuf = ab;
            bBuf = bb;
        }
        F32Buffer c = F32Buffer.allocate(arena, (long) m * n);
        int tiles = (m / MmaKernels.TILE_M) * (n / MmaKernels.TILE_N);
        l.launch(method(name), LaunchConfig.of1D(blocks(tiles, 2), 64), aBuf, bBuf, c, m, n, k);
        double[] want = CorpusReferences.matmulTransposed(a, bt, m, n, k);
        Check check = new Check(MMA_TOLERANCE);
        for (int i = 0; i < want.length; i++) {
            check.close("c", i, want[i], c.get(i), 1.0);
        }
        return check.result(name, m + "x" + n + "x" + k);
    }

    // ---------------------------------------------------------------- helpers

    /** {@code base * scale} blocks, capped at 65535 (the largest grid y/z; x allows more, but this is plenty). */
    private static int grid(int base, int scale) {
        return (int) Math.min(65_535L, (long) base * scale);
    }

    static int blocks(int n, int per) {
        return (n + per - 1) / per;
    }

    private static float[] uniform(Random r, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return x;
    }

    private static int[] ints(Random r, int n) {
        int[] x = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt();
        }
        System.arraycopy(INT_EDGES, 0, x, 1, Math.min(INT_EDGES.length, n - 1));
        return x;
    }

    private static float[] floatsWithEdges(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 3) {
                case 0 -> FLOAT_EDGES[r.nextInt(FLOAT_EDGES.length)];
                case 1 -> (float) (r.nextGaussian() * 1e3);
                default -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(21) - 10));
            };
        }
        return x;
    }

    private static void fillBf16(Random r, float[] values, BF16Buffer buf) {
        for (int i = 0; i < values.length; i++) {
            short s = CorpusReferences.toBf16((float) (r.nextDouble() * 2 - 1));
            buf.setRaw(i, s);
            values[i] = Float.intBitsToFloat(s << 16);
        }
    }

    private static void fillF16(Random r, float[] values, F16Buffer buf) {
        for (int i = 0; i < values.length; i++) {
            short s = Float.floatToFloat16((float) (r.nextDouble() * 2 - 1));
            buf.setRaw(i, s);
            values[i] = Float.float16ToFloat(s);
        }
    }

    private static F32Buffer f32(Arena arena, float[] x) {
        F32Buffer b = F32Buffer.allocate(arena, x.length);
        for (int i = 0; i < x.length; i++) {
            b.set(i, x[i]);
        }
        return b;
    }

    private static I32Buffer i32(Arena arena, int[] x) {
        I32Buffer b = I32Buffer.allocate(arena, x.length);
        for (int i = 0; i < x.length; i++) {
            b.set(i, x[i]);
        }
        return b;
    }

    private static CaseResult exactFloats(String name, String size, float[] want, F32Buffer got) {
        Check k = new Check(0);
        for (int i = 0; i < want.length; i++) {
            k.exact("out", i, want[i], got.get(i));
        }
        return k.result(name, size);
    }

    private static CaseResult exactInts(String name, String size, int[] want, I32Buffer got) {
        Check k = new Check(0);
        for (int i = 0; i < want.length; i++) {
            k.exact("out", i, want[i], got.get(i));
        }
        return k.result(name, size);
    }
}
