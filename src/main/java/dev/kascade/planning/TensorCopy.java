package dev.kascade.planning;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Bulk conversions between stored tensors and f32 arrays, used where element-by-element access would
 * dominate (loading a layer's queries and keys, writing trace batches).
 */
public final class TensorCopy {
    private TensorCopy() {
    }

    /** All elements of {@code t} as f32, in flat order. */
    public static float[] toFloats(Tensor t) {
        long size = t.size();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(t + ": " + size + " elements do not fit one Java array");
        }
        int n = (int) size;
        float[] out = new float[n];
        MemorySegment seg = t.segment();
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, out, 0, n);
            case F16 -> {
                short[] bits = shorts(seg, n);
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(bits[i]);
            }
            case BF16 -> {
                short[] bits = shorts(seg, n);
                for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((bits[i] & 0xFFFF) << 16);
            }
        }
        return out;
    }

    /** Stores {@code values} into {@code dst} (at least {@code values.length} elements of {@code dtype}), rounding to it. */
    public static void store(float[] values, MemorySegment dst, DType dtype) {
        int n = values.length;
        long bytes = (long) n * dtype.byteSize();
        if (dst.byteSize() < bytes) {
            throw new IllegalArgumentException("dst: " + dst.byteSize() + " bytes cannot hold " + n + " " + dtype.label() + " values");
        }
        switch (dtype) {
            case F32 -> MemorySegment.copy(values, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, n);
            case F16 -> {
                short[] bits = new short[n];
                for (int i = 0; i < n; i++) bits[i] = Float.floatToFloat16(values[i]);
                MemorySegment.copy(bits, 0, dst, ValueLayout.JAVA_SHORT_UNALIGNED, 0, n);
            }
            case BF16 -> {
                short[] bits = new short[n];
                for (int i = 0; i < n; i++) bits[i] = DType.floatToBf16(values[i]);
                MemorySegment.copy(bits, 0, dst, ValueLayout.JAVA_SHORT_UNALIGNED, 0, n);
            }
        }
    }

    private static short[] shorts(MemorySegment seg, int n) {
        short[] bits = new short[n];
        MemorySegment.copy(seg, ValueLayout.JAVA_SHORT_UNALIGNED, 0, bits, 0, n);
        return bits;
    }
}
