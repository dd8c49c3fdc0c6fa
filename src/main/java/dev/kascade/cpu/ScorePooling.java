package dev.kascade.cpu;

import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;

import jdk.incubator.vector.FloatVector;

/**
 * GQA pooling of one query row's scores into a shared score row (spec, "GQA pooling").
 * Streams {@code n} logits once (vectorised, L lanes at a time) and adds into {@code dst}.
 */
public final class ScorePooling {
    private ScorePooling() {
    }

    /** Post-softmax: {@code dst[j] += exp(logits[off + j] - lse)} for {@code j < n}. */
    public static void addProbabilities(float[] logits, int off, float lse, int n, float[] dst, int dstOff) {
        FloatVector m = FloatVector.broadcast(F, lse);
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector p = VectorExp.exp(FloatVector.fromArray(F, logits, off + j).sub(m));
            FloatVector.fromArray(F, dst, dstOff + j).add(p).intoArray(dst, dstOff + j);
        }
        for (; j < n; j++) {
            dst[dstOff + j] += (float) Math.exp(logits[off + j] - lse);
        }
    }

    /** Pre-softmax (ablation): {@code dst[j] += logits[off + j]}. */
    public static void addLogits(float[] logits, int off, int n, float[] dst, int dstOff) {
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector.fromArray(F, logits, off + j).add(FloatVector.fromArray(F, dst, dstOff + j)).intoArray(dst, dstOff + j);
        }
        for (; j < n; j++) {
            dst[dstOff + j] += logits[off + j];
        }
    }
}
