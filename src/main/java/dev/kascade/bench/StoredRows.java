package dev.kascade.bench;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads one stored row of a tensor into f32 for the reference computations (independent of the kernels'
 * own conversion code): a bulk copy out of the segment, then a scalar widening per element.
 */
final class StoredRows {
    private final Tensor t;
    private final int d;
    private final short[] half;

    StoredRows(Tensor t, int d) {
        this.t = t;
        this.d = d;
        this.half = new short[d];
    }

    /** Row {@code row} (flat row index: element offset {@code row * d}) into {@code dst[0, d)}. */
    void read(long row, float[] dst) {
        MemorySegment seg = t.segment();
        long at = row * d;
        if (t.dtype() == DType.F32) {
            MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT_UNALIGNED, at * 4, dst, 0, d);
            return;
        }
        MemorySegment.copy(seg, ValueLayout.JAVA_SHORT_UNALIGNED, at * 2, half, 0, d);
        if (t.dtype() == DType.BF16) {
            for (int i = 0; i < d; i++) dst[i] = DType.bf16ToFloat(half[i]);
        } else {
            for (int i = 0; i < d; i++) dst[i] = Float.float16ToFloat(half[i]);
        }
    }
}
