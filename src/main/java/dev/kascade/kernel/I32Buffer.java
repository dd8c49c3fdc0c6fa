package dev.kascade.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/** i32 elements. GPU: {@code .s32} global memory accesses. */
public final class I32Buffer extends KernelBuffer {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    public I32Buffer(MemorySegment segment) {
        super(segment, 4);
    }

    public static I32Buffer allocate(Arena arena, long n) {
        return new I32Buffer(arena.allocate(n * 4, 16));
    }

    public static I32Buffer of(int[] data) {
        return new I32Buffer(MemorySegment.ofArray(data));
    }

    @Override
    public int elementBytes() {
        return 4;
    }

    /** GPU: {@code ld.global.s32}. */
    public int get(long i) {
        return segment.getAtIndex(ValueLayout.JAVA_INT, i);
    }

    /** GPU: {@code st.global.s32}. */
    public void set(long i, int v) {
        segment.setAtIndex(ValueLayout.JAVA_INT, i, v);
    }

    /** 16-byte load of elements {@code i..i+3}; {@code i} multiple of 4. GPU: {@code ld.global.v4.s32}. */
    public void load4(long i, int[] dst) {
        checkAligned(i, 4, "load4");
        for (int k = 0; k < 4; k++) dst[k] = get(i + k);
    }

    /** Atomic add returning the old value. GPU: {@code atom.global.add.s32}. */
    public int atomicAdd(long i, int v) {
        checkNative();
        return (int) INT.getAndAdd(segment, i * 4, v);
    }

    /** Atomic max returning the old value. GPU: {@code atom.global.max.s32}. */
    public int atomicMax(long i, int v) {
        checkNative();
        long off = i * 4;
        while (true) {
            int old = (int) INT.getVolatile(segment, off);
            if (old >= v || INT.compareAndSet(segment, off, old, v)) return old;
        }
    }

    private void checkNative() {
        if (!segment.isNative()) {
            throw new UnsupportedOperationException("atomics need a native (off-heap) segment; allocate with I32Buffer.allocate");
        }
    }
}
