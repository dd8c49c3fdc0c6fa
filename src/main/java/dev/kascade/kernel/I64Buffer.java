package dev.kascade.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** i64 elements. GPU: {@code .s64} global memory accesses. */
public final class I64Buffer extends KernelBuffer {
    public I64Buffer(MemorySegment segment) {
        super(segment, 8);
    }

    public static I64Buffer allocate(Arena arena, long n) {
        return new I64Buffer(arena.allocate(n * 8, 16));
    }

    public static I64Buffer of(long[] data) {
        return new I64Buffer(MemorySegment.ofArray(data));
    }

    @Override
    public int elementBytes() {
        return 8;
    }

    /** GPU: {@code ld.global.s64}. */
    public long get(long i) {
        return segment.getAtIndex(ValueLayout.JAVA_LONG, i);
    }

    /** GPU: {@code st.global.s64}. */
    public void set(long i, long v) {
        segment.setAtIndex(ValueLayout.JAVA_LONG, i, v);
    }
}
