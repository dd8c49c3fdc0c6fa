package dev.kascade.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/** f32 elements. GPU: {@code .f32} global memory accesses. */
public final class F32Buffer extends KernelBuffer {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    public F32Buffer(MemorySegment segment) {
        super(segment, 4);
    }

    public static F32Buffer allocate(Arena arena, long n) {
        return new F32Buffer(arena.allocate(n * 4, 16));
    }

    /** A view over a heap array (copied to the device by the runtime when used there). */
    public static F32Buffer of(float[] data) {
        return new F32Buffer(MemorySegment.ofArray(data));
    }

    @Override
    public int elementBytes() {
        return 4;
    }

    /** GPU: {@code ld.global.f32} ({@code .nc} when the parameter is {@link ReadOnly}). */
    public float get(long i) {
        return segment.getAtIndex(ValueLayout.JAVA_FLOAT, i);
    }

    /**
     * Reads element {@code i} as other blocks of the same launch wrote it, not from a copy in this SM's L1 (which is
     * not kept coherent across SMs): for data another block published with {@link KernelContext#threadFence()} (see
     * there). GPU: {@code ld.relaxed.gpu.global.f32}.
     */
    public float getCoherent(long i) {
        checkNative("getCoherent");
        return Float.intBitsToFloat((int) INT.getVolatile(segment, i * 4));
    }

    /** GPU: {@code st.global.f32}. */
    public void set(long i, float v) {
        segment.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
    }

    /**
     * 16-byte load of elements {@code i..i+3} into {@code dst[0..3]}; {@code i} must be a multiple of 4.
     * GPU: {@code ld.global.v4.f32}; {@code dst} must be a constant-size local array (kept in registers).
     */
    public void load4(long i, float[] dst) {
        checkAligned(i, 4, "load4");
        for (int k = 0; k < 4; k++) dst[k] = get(i + k);
    }

    /** 16-byte store of {@code src[0..3]} to elements {@code i..i+3}. GPU: {@code st.global.v4.f32}. */
    public void store4(long i, float[] src) {
        checkAligned(i, 4, "store4");
        for (int k = 0; k < 4; k++) set(i + k, src[k]);
    }

    /** Atomic add returning the old value. GPU: {@code atom.global.add.f32}. CPU: a CAS loop on the bits. */
    public float atomicAdd(long i, float v) {
        checkNative("atomicAdd");
        long off = i * 4;
        while (true) {
            int old = (int) INT.getVolatile(segment, off);
            int upd = Float.floatToRawIntBits(Float.intBitsToFloat(old) + v);
            if (INT.compareAndSet(segment, off, old, upd)) return Float.intBitsToFloat(old);
        }
    }

    /**
     * Atomic max returning the old value, with {@link Math#max(float, float)} semantics (NaN wins).
     * GPU: a compare-and-swap loop ({@code atom.global.cas.b32}). CPU: a CAS loop on the bits.
     */
    public float atomicMax(long i, float v) {
        checkNative("atomicMax");
        long off = i * 4;
        while (true) {
            int old = (int) INT.getVolatile(segment, off);
            float m = Math.max(Float.intBitsToFloat(old), v);
            if (Float.floatToRawIntBits(m) == old || INT.compareAndSet(segment, off, old, Float.floatToRawIntBits(m))) {
                return Float.intBitsToFloat(old);
            }
        }
    }

    private void checkNative(String op) {
        if (!segment.isNative()) {
            throw new UnsupportedOperationException(op + ": atomics need a native (off-heap) segment; allocate with F32Buffer.allocate");
        }
    }
}
