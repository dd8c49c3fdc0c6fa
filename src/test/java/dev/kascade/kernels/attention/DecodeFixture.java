package dev.kascade.kernels.attention;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.util.Random;

/**
 * Random decode inputs (never zeros) in kernel buffers, with float64 copies of exactly the stored values
 * for the references. q ~ N(0, qStd^2) so that softmax is peaked enough for top-k to matter.
 */
final class DecodeFixture {
    final DecodeShape shape;
    final DType dtype;
    final F32Buffer q;
    final KvLayer kv;
    final I32Buffer lengths;
    final F32Buffer out;
    final double[] qd;
    final double[] kd;
    final double[] vd;
    final int[] len;

    DecodeFixture(Arena arena, DecodeShape shape, DType dtype, int[] lengths, long seed) {
        this.shape = shape;
        this.dtype = dtype;
        this.len = lengths.clone();
        Random rnd = new Random(seed);
        long nq = shape.queryElements();
        long nc = shape.cacheElements();
        q = F32Buffer.allocate(arena, nq);
        qd = new double[(int) nq];
        for (int i = 0; i < nq; i++) {
            float x = (float) (rnd.nextGaussian() * 2.5);
            q.set(i, x);
            qd[i] = x;
        }
        KernelBuffer k = DecodeCheck.cache(arena, dtype, nc);
        KernelBuffer v = DecodeCheck.cache(arena, dtype, nc);
        kd = new double[(int) nc];
        vd = new double[(int) nc];
        for (int i = 0; i < nc; i++) {
            kd[i] = DecodeCheck.store(k, i, (float) rnd.nextGaussian());
            vd[i] = DecodeCheck.store(v, i, (float) (rnd.nextDouble() * 2 - 1));
        }
        kv = new KvLayer(k, v);
        this.lengths = I32Buffer.allocate(arena, shape.batch());
        for (int b = 0; b < shape.batch(); b++) this.lengths.set(b, lengths[b]);
        out = F32Buffer.allocate(arena, nq);
        for (int i = 0; i < nq; i++) out.set(i, Float.NaN); // poison: every output must be written
    }

    /** The float64 reference over exactly these stored values. */
    DecodeReference reference() {
        return new DecodeReference(shape, qd, kd, vd, len);
    }

    double[] logits(int b, int h) {
        return reference().logits(b, h);
    }

    double lse(int b, int h, int[] keys) {
        return reference().lse(b, h, keys);
    }

    double[] attend(int b, int h, int[] keys) {
        return reference().attend(b, h, keys);
    }

    double[] pooled(int b, int g) {
        return reference().pooled(b, g);
    }

    static int[] topK(float[] scores, int n, int k) {
        return DecodeReference.topK(scores, n, k);
    }
}
