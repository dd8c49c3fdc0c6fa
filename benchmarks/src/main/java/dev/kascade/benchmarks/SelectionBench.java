package dev.kascade.benchmarks;

import dev.kascade.algorithm.TopK;
import dev.kascade.cpu.ScorePooling;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The two steps an anchor layer adds on top of its score pass, for one (sequence, KV head): post-softmax
 * pooling of the r query heads' logits ({@code exp(logit - lse)} summed), and exact top-k of the pooled scores
 * (k = 10% of n). Single-threaded, as each runs inside one task of the decoder.
 */
public class SelectionBench extends KascadeBench {
    @Param({"32768", "131072"})
    public int context;

    /** GQA group size r (query heads pooled per KV head). */
    @Param({"4"})
    public int group;

    private float[] logits;
    private float[] lse;
    private float[] pooled;
    private int[] selected;
    private TopK topK;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(5);
        logits = new float[group * context];
        lse = new float[group];
        for (int h = 0; h < group; h++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < context; j++) {
                // A few heavy keys over unit noise, as in the synthetic workload.
                float x = (float) (rnd.nextDouble() * 2 - 1) + (rnd.nextInt(50) == 0 ? 7f : 0f);
                logits[h * context + j] = x;
                max = Math.max(max, x);
            }
            double sum = 0;
            for (int j = 0; j < context; j++) sum += Math.exp(logits[h * context + j] - max);
            lse[h] = (float) (max + Math.log(sum));
        }
        pooled = new float[context];
        selected = new int[context / 10];
        topK = new TopK();
        poolScores();
    }

    @Benchmark
    public float[] poolScores() {
        java.util.Arrays.fill(pooled, 0f);
        for (int h = 0; h < group; h++) ScorePooling.addProbabilities(logits, h * context, lse[h], context, pooled, 0);
        return pooled;
    }

    @Benchmark
    public int[] topKSelect() {
        topK.select(pooled, 0, context, selected.length, selected, 0);
        return selected;
    }
}
