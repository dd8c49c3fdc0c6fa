package dev.kascade.bench;

/**
 * A counter-based random source: every stream is a pure function of a key built from coordinates
 * (layer, sequence, head, position), so a row of the synthetic workload is the same whichever thread makes
 * it and in whichever order. SplitMix64 (Steele, Lea, Flood 2014) steps and finalises the state.
 */
final class SplitMix {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    /** sqrt(3): a uniform on [-sqrt 3, sqrt 3] has variance 1. */
    private static final float SQRT3 = (float) Math.sqrt(3.0);

    private long state;

    SplitMix(long key) {
        this.state = key;
    }

    /** The SplitMix64 output function. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A stream key from a seed, a tag naming what is generated and up to four coordinates. */
    static long key(long seed, int tag, long a, long b, long c, long d) {
        long h = mix(seed + GOLDEN * (tag + 1));
        h = mix(h + GOLDEN * (a + 1));
        h = mix(h + GOLDEN * (b + 1));
        h = mix(h + GOLDEN * (c + 1));
        return mix(h + GOLDEN * (d + 1));
    }

    long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, bound), bound > 0 (the modulo bias is below 2^-31 for the bounds used here). */
    int nextInt(int bound) {
        return (int) ((nextLong() >>> 1) % bound);
    }

    /**
     * Adds {@code scale * noise} to {@code out[0, len)}: zero-mean, unit-variance uniform noise, four 16-bit
     * draws per 64-bit step. A draw is never exactly zero ((u + 0.5) / 65536 never equals one half).
     */
    void addNoise(float[] out, int len, float scale) {
        int i = 0;
        while (i < len) {
            long bits = nextLong();
            for (int lane = 0; lane < 4 && i < len; lane++, i++) {
                int u = (int) (bits >>> (16 * lane)) & 0xFFFF;
                float unit = (u + 0.5f) * (1f / 65536f);
                out[i] += scale * (unit * 2f * SQRT3 - SQRT3);
            }
        }
    }
}
