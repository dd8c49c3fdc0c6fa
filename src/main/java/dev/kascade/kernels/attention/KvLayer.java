package dev.kascade.kernels.attention;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.tensor.DType;

/**
 * One layer's K and V caches, both bf16 or both f16, {@code [batch][kvHeads][capacity][headDim]} row-major.
 * The kernels read them as 32-bit words (two elements per word, the lower address in the low half), so this
 * holds one {@link I32Buffer} view of each over the same bytes, made once.
 */
public final class KvLayer {
    private final KernelBuffer k;
    private final KernelBuffer v;
    private final DType dtype;
    private final I32Buffer kWords;
    private final I32Buffer vWords;

    /** @param k, v both {@link BF16Buffer} or both {@link F16Buffer}, of equal length */
    public KvLayer(KernelBuffer k, KernelBuffer v) {
        if (k == null || v == null) {
            throw new IllegalArgumentException("k, v: expected two cache buffers but got " + k + ", " + v);
        }
        this.dtype = dtypeOf(k, "k");
        if (dtypeOf(v, "v") != dtype) {
            throw new IllegalArgumentException("v: expected " + dtype.label() + " like k but got " + dtypeOf(v, "v").label());
        }
        if (k.length() != v.length()) {
            throw new IllegalArgumentException("v: expected " + k.length() + " elements like k but got " + v.length());
        }
        this.k = k;
        this.v = v;
        this.kWords = new I32Buffer(k.segment());
        this.vWords = new I32Buffer(v.segment());
    }

    private static DType dtypeOf(KernelBuffer buffer, String name) {
        return switch (buffer) {
            case BF16Buffer ignored -> DType.BF16;
            case F16Buffer ignored -> DType.F16;
            default -> throw new IllegalArgumentException(name + ": expected a bf16 or f16 cache buffer but got "
                    + buffer.getClass().getSimpleName());
        };
    }

    public KernelBuffer k() {
        return k;
    }

    public KernelBuffer v() {
        return v;
    }

    /** bf16 or f16. */
    public DType dtype() {
        return dtype;
    }

    /** K as packed 32-bit words (what the kernels read). */
    public I32Buffer kWords() {
        return kWords;
    }

    /** V as packed 32-bit words. */
    public I32Buffer vWords() {
        return vWords;
    }

    /** Elements per cache. */
    public long length() {
        return k.length();
    }
}
