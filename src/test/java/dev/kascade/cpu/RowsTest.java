package dev.kascade.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class RowsTest {
    /**
     * The kernels' width follows {@value Rows#VECTOR_BITS_PROPERTY} (the build runs this package's tests once more at
     * 256 and at 512 bits, so that both the 8-lane and the 16-lane kernel shapes are tested on any CPU).
     */
    @Test
    void kernelWidthFollowsTheVectorBitsProperty() {
        String bits = System.getProperty(Rows.VECTOR_BITS_PROPERTY);
        int expected = bits == null ? FloatVector.SPECIES_PREFERRED.vectorBitSize() : Integer.parseInt(bits.trim());
        assertEquals(expected, Rows.F.vectorBitSize());
        assertEquals(expected / 32, Rows.L);
        assertEquals(FloatVector.SPECIES_PREFERRED, Rows.species(null));
        assertEquals(FloatVector.SPECIES_256, Rows.species("256"));
        assertEquals(FloatVector.SPECIES_512, Rows.species(" 512"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rows.species("1024"));
        assertTrue(e.getMessage().contains(Rows.VECTOR_BITS_PROPERTY) && e.getMessage().contains("1024"), e.getMessage());
    }

    /** Every one of the 65536 half-precision bit patterns (normals, subnormals, zeros, inf, NaN). */
    @Test
    void f16ConversionMatchesTheJdkForEveryBitPattern() {
        short[] bits = new short[65536];
        for (int i = 0; i < bits.length; i++) bits[i] = (short) i;
        float[] out = new float[bits.length];
        Rows.toFloat(DType.F16, MemorySegment.ofArray(bits), 0, bits.length, out, 0);
        for (int i = 0; i < bits.length; i++) {
            float expected = Float.float16ToFloat(bits[i]);
            if (Float.isNaN(expected)) {
                assertEquals(true, Float.isNaN(out[i]), "bits " + Integer.toHexString(i));
            } else {
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(out[i]), "bits " + Integer.toHexString(i));
            }
        }
    }

    @Test
    void bf16ConversionIsTheUpperHalfOfAnF32ForEveryBitPattern() {
        short[] bits = new short[65536];
        for (int i = 0; i < bits.length; i++) bits[i] = (short) i;
        float[] out = new float[bits.length];
        Rows.toFloat(DType.BF16, MemorySegment.ofArray(bits), 0, bits.length, out, 0);
        for (int i = 0; i < bits.length; i++) {
            assertEquals(i << 16, Float.floatToRawIntBits(out[i]), "bits " + Integer.toHexString(i));
        }
    }

    @Test
    void gatherReadsTheListedRowsAndTransposedGatherZeroPads() {
        int d = 19; // odd: vector body plus scalar tail
        float[] rows = new float[10 * d];
        for (int i = 0; i < rows.length; i++) rows[i] = i * 0.5f;
        MemorySegment seg = MemorySegment.ofArray(rows);
        float[] dst = new float[3 * d];
        Rows.gather(DType.F32, seg, 0, 4L * d, d, 0, new int[] {7, 2, 9}, 0, 3, dst);
        assertEquals(rows[7 * d + 5], dst[5]);
        assertEquals(rows[2 * d], dst[d]);
        assertEquals(rows[9 * d + d - 1], dst[3 * d - 1]);
        float[] t = new float[d * 4];
        java.util.Arrays.fill(t, 99f);
        Rows.gatherTransposed(DType.F32, seg, 0, 4L * d, d, 3, null, 0, 2, t, 4, new float[d]);
        assertEquals(rows[3 * d + 6], t[6 * 4]);
        assertEquals(rows[4 * d + 6], t[6 * 4 + 1]);
        assertEquals(0f, t[6 * 4 + 2]);
        assertEquals(0f, t[6 * 4 + 3]);
    }

    /** The scalar query conversion gives the vector conversion's values times the scale, bit for bit, per dtype. */
    @Test
    void scaledScalarConversionMatchesTheVectorConversionTimesTheScale() {
        int d = 37; // odd, so the vector conversion runs its body and its tail
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        float scale = (float) (1.0 / Math.sqrt(128));
        for (DType dtype : DType.values()) {
            MemorySegment seg = MemorySegment.ofArray(new byte[(3 + d) * dtype.byteSize()]);
            long offset = 3L * dtype.byteSize(); // not at the segment's start
            for (int c = 0; c < d; c++) {
                float x = (float) rnd.nextDouble(-40, 40);
                long at = offset + (long) c * dtype.byteSize();
                switch (dtype) {
                    case F32 -> seg.set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, at, x);
                    case BF16 -> seg.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, at, DType.floatToBf16(x));
                    case F16 -> seg.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, at,
                            Float.floatToFloat16(x));
                }
            }
            float[] vector = new float[d + 2];
            Rows.toFloat(dtype, seg, offset, d, vector, 2);
            float[] scalar = new float[d + 2];
            Rows.toFloatScaled(dtype, seg, offset, d, scale, scalar, 2);
            for (int c = 0; c < d; c++) {
                assertEquals(Float.floatToIntBits(vector[2 + c] * scale), Float.floatToIntBits(scalar[2 + c]),
                        dtype + " element " + c);
            }
            assertEquals(0f, scalar[0] + scalar[1], dtype + ": wrote before dstOff");
        }
    }
}
