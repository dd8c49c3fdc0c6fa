package dev.kascade.kernels.attention;

/**
 * How the keys of each (sequence, KV head) are cut over blocks: {@code splits} blocks of
 * {@code keysPerSplit} consecutive keys (a multiple of the kernel's step), chosen on the host from the
 * shape and the SM count so that the grid holds several waves of blocks without splits so short that the
 * per-block overhead (loading q, merging warps, writing r partial rows) shows.
 *
 * @param splits       blocks per (sequence, KV head): the grid's x size
 * @param keysPerSplit keys each block covers (the last split of a sequence may hold fewer)
 */
public record SplitPlan(int splits, int keysPerSplit) {
    /** H200 (and H100 SXM) streaming multiprocessors. */
    public static final int H200_SM_COUNT = 132;
    /**
     * Target blocks per SM over the whole grid: with 4 to 8 blocks resident per SM (128 threads, about
     * 128 registers each) this is 2 to 4 waves, so the last wave's tail costs little. Tune on the device.
     */
    public static final int DEFAULT_BLOCKS_PER_SM = 16;
    /** Fewest keys worth a block: 256 keys of d=128 bf16 are 128 KB of K and V for 2 KB of partials. */
    public static final int DEFAULT_MIN_KEYS_PER_SPLIT = 256;

    public SplitPlan {
        if (splits <= 0 || keysPerSplit <= 0) {
            throw new IllegalArgumentException("splits, keysPerSplit: expected > 0 but got " + splits + ", " + keysPerSplit);
        }
    }

    /**
     * @param rows        sequences times KV heads (blocks per split)
     * @param maxKeys     the most keys any row visits (longest length, or largest k)
     * @param headDim     selects the kernel's keys per step
     * @param smCount     SMs on the device (132 on the H200)
     * @param blocksPerSm target grid size per SM
     * @param minKeys     fewest keys per split (unless a row has fewer)
     */
    public static SplitPlan choose(int rows, int maxKeys, int headDim, int smCount, int blocksPerSm, int minKeys) {
        if (rows <= 0) throw new IllegalArgumentException("rows: expected > 0 but got " + rows);
        if (maxKeys <= 0) throw new IllegalArgumentException("maxKeys: expected > 0 but got " + maxKeys);
        if (smCount <= 0) throw new IllegalArgumentException("smCount: expected > 0 but got " + smCount);
        if (blocksPerSm <= 0) throw new IllegalArgumentException("blocksPerSm: expected > 0 but got " + blocksPerSm);
        if (minKeys <= 0) throw new IllegalArgumentException("minKeys: expected > 0 but got " + minKeys);
        int step = SplitDecodeKernel.keysPerStep(headDim);
        long wanted = ceilDiv((long) smCount * blocksPerSm, rows);
        long useful = ceilDiv(maxKeys, minKeys);
        int splits = (int) Math.max(1, Math.min(wanted, useful));
        int keysPerSplit = (int) (ceilDiv(ceilDiv(maxKeys, splits), step) * step);
        return new SplitPlan((int) ceilDiv(maxKeys, keysPerSplit), keysPerSplit);
    }

    /** The most splits {@link #choose} returns for {@code rows}, whatever the key count: sizes the partial buffers. */
    public static int maxSplits(int rows, int smCount, int blocksPerSm) {
        return (int) Math.max(1, ceilDiv((long) smCount * blocksPerSm, rows));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
