package dev.kascade.kernel;

import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** bfloat16 elements (2 bytes each), read and written as f32. */
public final class BF16Buffer extends KernelBuffer {
    public BF16Buffer(MemorySegment segment) {
        super(segment, 2);
    }

    public static BF16Buffer allocate(Arena arena, long n) {
        return new BF16Buffer(arena.allocate(n * 2, 16));
    }

    @Override
    public int elementBytes() {
        return 2;
    }

    /** Element {@code i} widened to f32. GPU: {@code ld.global.b16} then {@code cvt.f32.bf16}. */
    public float get(long i) {
        short raw = segment.getAtIndex(ValueLayout.JAVA_SHORT, i);
        return DType.bf16ToFloat(raw);
    }

    /** Stores {@code v} rounded to nearest even. GPU: {@code cvt.rn.bf16.f32} then {@code st.global.b16}. */
    public void set(long i, float v) {
        segment.setAtIndex(ValueLayout.JAVA_SHORT, i, DType.floatToBf16(v));
    }

    /** The raw 16 bits of element {@code i}. GPU: {@code ld.global.b16}. */
    public short getRaw(long i) {
        return segment.getAtIndex(ValueLayout.JAVA_SHORT, i);
    }

    /** Stores raw bits. GPU: {@code st.global.b16}. */
    public void setRaw(long i, short bits) {
        segment.setAtIndex(ValueLayout.JAVA_SHORT, i, bits);
    }

    /**
     * Elements {@code i} (low half) and {@code i+1} (high half) as one 32-bit word; {@code i} even.
     * GPU: {@code ld.global.b32}.
     */
    public int getPair(long i) {
        checkAligned(i, 2, "getPair");
        return (getRaw(i) & 0xFFFF) | (getRaw(i + 1) << 16);
    }

    /**
     * 16-byte load of elements {@code i..i+7}, widened to f32 into {@code dst[0..7]}; {@code i} must be a
     * multiple of 8. GPU: one {@code ld.global.v4.b32} (with {@code .nc} when {@link ReadOnly}) and eight
     * conversions; {@code dst} must be a constant-size local array (kept in registers).
     */
    public void load8(long i, float[] dst) {
        checkAligned(i, 8, "load8");
        for (int k = 0; k < 8; k++) dst[k] = get(i + k);
    }

    /** 16-byte store of {@code src[0..7]} rounded to bfloat16; {@code i} multiple of 8. GPU: {@code st.global.v4.b32}. */
    public void store8(long i, float[] src) {
        checkAligned(i, 8, "store8");
        for (int k = 0; k < 8; k++) set(i + k, src[k]);
    }
}
