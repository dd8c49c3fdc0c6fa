package dev.kascade.kernels.corpus;

import dev.kascade.kernels.KernelSpec;
import java.util.List;
import java.util.Map;

/**
 * The test corpus as {@link KernelSpec}s: small kernels that together exercise every part of the kernel API
 * and every Java-semantics rule the compiler must honour. {@code kascade selftest} runs each one against its
 * plain-Java reference ({@link CorpusReferences}) through {@link CorpusCases}.
 */
public final class CorpusKernels {
    /** Threads per block that {@link ReductionKernels#blockSum} is specialised for. */
    public static final int BLOCK_SUM_THREADS = 256;
    /** Bins of {@link ReductionKernels#histogram}. */
    public static final int HISTOGRAM_BINS = 64;

    private CorpusKernels() {
    }

    public static List<KernelSpec> specs() {
        return List.of(
                KernelSpec.of("vector_add", VectorKernels.class, "vectorAdd", Map.of(),
                        "c = a + b, f32, 16-byte vector accesses in a grid-stride loop (bandwidth)"),
                KernelSpec.of("copy", VectorKernels.class, "copy", Map.of(),
                        "dst = src, f32, scalar grid-stride loop"),
                KernelSpec.of("saxpy", VectorKernels.class, "saxpy", Map.of(),
                        "y = alpha * x + y, f32, one element per thread"),
                KernelSpec.of("warp_sum", ReductionKernels.class, "warpSum", Map.of(),
                        "f32 warp sum in butterfly order (shfl.sync.bfly)"),
                KernelSpec.of("warp_max", ReductionKernels.class, "warpMax", Map.of(),
                        "f32 warp max, NaN wins (max.NaN.f32)"),
                KernelSpec.of("warp_sum_down", ReductionKernels.class, "warpSumDown", Map.of(),
                        "f32 shuffle-down tree, including the past-lane-31 edge"),
                KernelSpec.of("warp_int_reduce", ReductionKernels.class, "warpIntReduce", Map.of(),
                        "i32 warp sum, max and ballot (redux.sync, vote.sync)"),
                KernelSpec.of("warp_shuffle", ReductionKernels.class, "warpShuffle", Map.of(),
                        "per-lane shuffle xor, down and idx"),
                KernelSpec.of("block_sum", ReductionKernels.class, "blockSum",
                        Map.of("blockSize", BLOCK_SUM_THREADS),
                        "f32 block reduction in shared memory with barriers"),
                KernelSpec.of("histogram", ReductionKernels.class, "histogram",
                        Map.of("numBins", HISTOGRAM_BINS),
                        "i32 histogram with shared and global atomics"),
                KernelSpec.of("shared_atomics_f32", ReductionKernels.class, "sharedAtomicsF32", Map.of(),
                        "f32 shared-memory atomic add and max"),
                KernelSpec.of("transpose", TransposeKernel.class, "transpose", Map.of(),
                        "f32 transpose through padded 32x32 shared tiles"),
                KernelSpec.of("row_softmax", SoftmaxKernel.class, "rowSoftmax", Map.of(),
                        "f32 row softmax, one warp per row (warpMax, warpSum, exp2)"),
                KernelSpec.of("f16_round_trip", HalfKernels.class, "f16RoundTrip", Map.of(),
                        "f16 load8/store8 and conversions"),
                KernelSpec.of("bf16_round_trip", HalfKernels.class, "bf16RoundTrip", Map.of(),
                        "bf16 load8/store8 and conversions"),
                KernelSpec.of("pack_halves", HalfKernels.class, "packHalves", Map.of(),
                        "bf16x2 / f16x2 packing and unpacking, scalar conversions"),
                KernelSpec.of("control_flow", ControlFlowKernels.class, "controlFlow", Map.of(),
                        "loops, nested branches, ternaries, switch, break/continue"),
                KernelSpec.of("int_semantics", JavaSemanticsKernels.class, "intSemantics", Map.of(),
                        "Java int shifts, overflow, division and casts"),
                KernelSpec.of("float_semantics", JavaSemanticsKernels.class, "floatSemantics", Map.of(),
                        "Java float casts (NaN, saturation) and NaN-aware comparisons"),
                KernelSpec.of("long_semantics", JavaSemanticsKernels.class, "longSemantics", Map.of(),
                        "Java long shifts, overflow, division and casts"),
                KernelSpec.of("bf16_gemv", RowKernels.class, "bf16Gemv", Map.of(),
                        "bf16 matrix-vector product, warp per row, load8 + fma.rn + warpSum"),
                KernelSpec.of("rms_norm", RowKernels.class, "rmsNorm", Map.of(),
                        "f32 RMSNorm, block per row, warp sums through shared memory, rsqrt"),
                KernelSpec.of("mma_bf16", MmaKernels.class, "mmaBf16Gemm", Map.of(),
                        "bf16 tensor-core GEMM, mma.sync m16n8k16"),
                KernelSpec.of("mma_f16", MmaKernels.class, "mmaF16Gemm", Map.of(),
                        "f16 tensor-core GEMM, mma.sync m16n8k16"),
                KernelSpec.of("async_copy", AsyncCopyKernel.class, "reverseChunks", Map.of(),
                        "double-buffered tile copy: cp.async, commit/wait_group, ld.shared.v4, barriers"),
                KernelSpec.of("bulk_copy", BulkCopyKernel.class, "reverseRows", Map.of(),
                        "double-buffered tile copy: cp.async.bulk on mbarrier transaction barriers (sm_90)"),
                KernelSpec.of("chained_scan", ChainedScanKernel.class, "chainedScan", Map.of(),
                        "one-pass prefix sum, each block handing its total to the next: fence, flag atomics, nanosleep"));
    }
}
