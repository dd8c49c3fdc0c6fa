package dev.kascade.cpu;

import dev.kascade.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Converting stored rows (f32, f16, bf16 in a {@link MemorySegment}) into f32 scratch, with the Vector API.
 *
 * <p>Every attention kernel in this package first converts a block of K or V rows into an f32 block in
 * L1-resident scratch and then computes on f32 only: one conversion per stored element, one contiguous
 * read of each row, and the math kernels need no dtype variants.
 *
 * <ul>
 *   <li>bf16: the 16 stored bits are the upper half of an f32: widen shorts to ints, shift left 16.</li>
 *   <li>f16: widen, move exponent+mantissa left by 13 and multiply by 2^112 (rebiases the exponent
 *       and handles subnormals exactly); inf/NaN (exponent 31) get an all-ones f32 exponent; then the
 *       sign bit is or-ed back. The Vector API of JDK 25 has no half-float conversion operator.</li>
 * </ul>
 */
public final class Rows {
    /**
     * Float species of every CPU kernel in this package: the CPU's preferred one (16 lanes with AVX-512, 8 with AVX2),
     * or the width that the system property {@value #VECTOR_BITS_PROPERTY} names (128, 256 or 512). The kernels take
     * different shapes at 8 and 16 lanes ({@link Bf16TwoKeys#ACTIVE}, {@link Bf16Pairs#LANE_TREE}, ...); the property
     * lets the tests run the other width's shapes on any CPU, where the Vector API computes a width the CPU lacks in
     * plain Java: correct, and much slower.
     */
    public static final VectorSpecies<Float> F = species(System.getProperty(Rows.VECTOR_BITS_PROPERTY));
    /** Lanes per float vector. */
    public static final int L = F.length();
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** The system property that overrides the kernels' vector width: {@code 128}, {@code 256} or {@code 512}. */
    public static final String VECTOR_BITS_PROPERTY = "kascade.cpu.vectorBits";

    private Rows() {
    }

    /** The preferred float species for null, else the one of {@code bits} bits (128, 256 or 512). */
    static VectorSpecies<Float> species(String bits) {
        if (bits == null || bits.isEmpty()) return FloatVector.SPECIES_PREFERRED;
        return switch (bits.trim()) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException(VECTOR_BITS_PROPERTY + ": expected 128, 256 or 512 but got '"
                    + bits + "'");
        };
    }

    /**
     * Converts {@code d} stored elements starting at byte {@code offset} into {@code dst[dstOff..dstOff+d)}.
     * Memory traffic: {@code d * dtype.byteSize()} bytes read once, contiguous; {@code 4 d} bytes written.
     */
    public static void toFloat(DType dtype, MemorySegment seg, long offset, int d, float[] dst, int dstOff) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(seg, F32, offset, dst, dstOff, d);
            case BF16 -> bf16ToFloat(seg, offset, d, dst, dstOff);
            case F16 -> f16ToFloat(seg, offset, d, dst, dstOff);
        }
    }

    /**
     * {@link #toFloat} with scalar code, times {@code scale}: for once-per-call work such as the query rows of a decode
     * call. Such code runs in the interpreter or C1 for its first thousands of calls, where the Vector API has no
     * intrinsics and each vector operation costs microseconds: converting and scaling the 32 query rows of a decode
     * call with {@link #toFloat} and {@link BlockMath#scale} took 0.18-0.79 ms of a 5-6 ms dense call after 20 calls
     * (2-vCPU Zen 5 VM, 2026-11-30); this loop takes microseconds even there.
     */
    public static void toFloatScaled(DType dtype, MemorySegment seg, long offset, int d, float scale, float[] dst,
                                     int dstOff) {
        for (int c = 0; c < d; c++) {
            long at = offset + (long) c * dtype.byteSize();
            float x = switch (dtype) {
                case F32 -> seg.get(F32, at);
                case BF16 -> DType.bf16ToFloat(seg.get(I16, at));
                case F16 -> Float.float16ToFloat(seg.get(I16, at));
            };
            dst[dstOff + c] = x * scale;
        }
    }

    /**
     * Converts {@code count} rows of {@code d} elements into {@code dst} (row {@code i} at {@code i * d}).
     * Row {@code i} is stored at {@code base + pos * rowBytes}, where {@code pos = first + i} when
     * {@code positions} is null and {@code positions[posOff + i]} otherwise (a gather for sparse attention).
     */
    public static void gather(DType dtype, MemorySegment seg, long base, long rowBytes, int d,
                              int first, int[] positions, int posOff, int count, float[] dst) {
        for (int i = 0; i < count; i++) {
            long pos = positions == null ? first + i : positions[posOff + i];
            toFloat(dtype, seg, base + pos * rowBytes, d, dst, i * d);
        }
    }

    private static void bf16ToFloat(MemorySegment seg, long offset, int d, float[] dst, int dstOff) {
        int c = 0;
        for (; c <= d - L; c += L) {
            ShortVector s = ShortVector.fromMemorySegment(S, seg, offset + 2L * c, LE);
            IntVector i = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
            i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + c);
        }
        for (; c < d; c++) {
            dst[dstOff + c] = DType.bf16ToFloat(seg.get(I16, offset + 2L * c));
        }
    }

    private static void f16ToFloat(MemorySegment seg, long offset, int d, float[] dst, int dstOff) {
        int c = 0;
        for (; c <= d - L; c += L) {
            ShortVector s = ShortVector.fromMemorySegment(S, seg, offset + 2L * c, LE);
            IntVector h = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            IntVector em = h.and(0x7FFF);
            IntVector mag = em.lanewise(VectorOperators.LSHL, 13);
            IntVector bits = mag.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7C00);
            bits = bits.blend(mag.or(0x7F800000), special).or(sign);
            bits.reinterpretAsFloats().intoArray(dst, dstOff + c);
        }
        for (; c < d; c++) {
            dst[dstOff + c] = Float.float16ToFloat(seg.get(I16, offset + 2L * c));
        }
    }

    /**
     * Like {@link #gather} but writes the block transposed, {@code dst[c * blockStride + i]}, and zero-fills
     * columns {@code count .. blockStride}: the layout {@link BlockMath#logitsTransposed} reads. Uses
     * {@code rowScratch} (length >= d) for the converted row.
     */
    public static void gatherTransposed(DType dtype, MemorySegment seg, long base, long rowBytes, int d,
                                        int first, int[] positions, int posOff, int count, float[] dst,
                                        int blockStride, float[] rowScratch) {
        for (int i = 0; i < count; i++) {
            long pos = positions == null ? first + i : positions[posOff + i];
            toFloat(dtype, seg, base + pos * rowBytes, d, rowScratch, 0);
            for (int c = 0; c < d; c++) {
                dst[c * blockStride + i] = rowScratch[c];
            }
        }
        if (count < blockStride) {
            for (int c = 0; c < d; c++) {
                java.util.Arrays.fill(dst, c * blockStride + count, (c + 1) * blockStride, 0f);
            }
        }
    }
}
