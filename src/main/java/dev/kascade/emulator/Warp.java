package dev.kascade.emulator;

/**
 * The 32 lanes of one warp meeting in lock step for a collective: every lane deposits its operand, the last
 * lane to arrive computes every lane's result exactly as the PTX instruction defines it, and all lanes leave
 * with their own result. A lane missing (exited, or at another collective) is a divergence failure.
 */
final class Warp {
    private static final int LANES = ThreadContext.WARP_SIZE;
    /** Butterfly distances of the float reductions: the same order as the GPU lowering (five shfl.sync.bfly). */
    private static final int[] BUTTERFLY = {16, 8, 4, 2, 1};

    enum Op {
        SHFL_XOR, SHFL_DOWN, SHFL_IDX, SUM_F32, MAX_F32, SUM_I32, MAX_I32, BALLOT, SYNC, MMA_BF16, MMA_F16
    }

    private final Block block;
    private final int index;
    private final int lanes;
    final SyncPoint sync;

    private Op op;
    private final int[] in = new int[LANES];
    private final int[] arg = new int[LANES];
    private final int[] out = new int[LANES];
    private final int[][] fragA = new int[LANES][4];
    private final int[][] fragB = new int[LANES][2];
    private final float[][] fragC = new float[LANES][4];
    private final float[][] fragD = new float[LANES][4];

    Warp(Block block, int index, int lanes, SyncPoint sync) {
        this.block = block;
        this.index = index;
        this.lanes = lanes;
        this.sync = sync;
    }

    /** A 32-bit collective: shuffles, reductions, ballot. Returns this lane's result bits. */
    int exchange(ThreadContext t, Op kind, String name, int bits, int argument) {
        CallSite site = CallSite.current();
        int gen;
        block.lock.lock();
        try {
            arrive(t, kind, name, site);
            in[t.lane] = bits;
            arg[t.lane] = argument;
            gen = meet(t, site, name);
        } catch (Fail f) {
            block.launch.fail(f.failure);
            throw Abort.INSTANCE;
        } finally {
            block.lock.unlock();
        }
        if (gen >= 0) {
            block.park(sync, gen);
        }
        // Written by the completing lane before it advanced the (volatile) generation; stable until this lane
        // arrives at the next collective.
        return out[t.lane];
    }

    /** {@code mma.sync.aligned.m16n8k16}: d = a * b + c on the fragments of all 32 lanes. */
    void mma(ThreadContext t, Op kind, String name, float[] d, int[] a, int[] b, float[] c) {
        if (d.length < 4 || a.length < 4 || b.length < 2 || c.length < 4) {
            throw new IllegalArgumentException(name + ": fragments need d[4], a[4], b[2], c[4] but got d[" + d.length
                    + "], a[" + a.length + "], b[" + b.length + "], c[" + c.length + "]");
        }
        CallSite site = CallSite.current();
        int gen;
        block.lock.lock();
        try {
            arrive(t, kind, name, site);
            System.arraycopy(a, 0, fragA[t.lane], 0, 4);
            System.arraycopy(b, 0, fragB[t.lane], 0, 2);
            System.arraycopy(c, 0, fragC[t.lane], 0, 4);
            gen = meet(t, site, name);
        } catch (Fail f) {
            block.launch.fail(f.failure);
            throw Abort.INSTANCE;
        } finally {
            block.lock.unlock();
        }
        if (gen >= 0) {
            block.park(sync, gen);
        }
        System.arraycopy(fragD[t.lane], 0, d, 0, 4);
    }

    /** Lock held: checks that this lane may join the current meeting and joins it. */
    private void arrive(ThreadContext t, Op kind, String name, CallSite site) {
        if (block.launch.failed()) {
            throw Abort.INSTANCE;
        }
        if (lanes < LANES) {
            throw block.fail(t, name + " at " + site.where() + " needs all 32 lanes of the warp, but warp " + index
                    + " has only " + lanes + " threads (block of " + block.threadCount
                    + " threads; use a multiple of 32)", null);
        }
        int gone = block.exitedLane(index);
        if (gone >= 0) {
            throw block.fail(t, "divergent warp collective: reached " + name + " at " + site.where() + " but lane "
                    + gone + " of warp " + index + " has already exited; warp collectives need all 32 lanes", null);
        }
        if (sync.arrived > 0 && !sync.site.equals(site)) {
            throw block.fail(t, "divergent warp collective: lane " + t.lane + " reached " + name + " at "
                    + site.where() + " while " + sync.arrived + " lane(s) of warp " + index + " wait at " + sync.op
                    + " at " + sync.site.where() + "; all 32 lanes must execute the same collective", null);
        }
        if (sync.arrived == 0) {
            sync.site = site;
            sync.op = name;
            op = kind;
        }
    }

    /** Lock held: counts this lane in; the last lane computes (returns -1), the others get the generation to wait out. */
    private int meet(ThreadContext t, CallSite site, String name) {
        sync.arrived++;
        if (sync.arrived == LANES) {
            compute();
            block.complete(t, sync, index * LANES, LANES);
            return -1;
        }
        return block.registerWait(t, sync, site, name);
    }

    private void compute() {
        switch (op) {
            case SHFL_XOR -> {
                for (int l = 0; l < LANES; l++) {
                    out[l] = in[l ^ (arg[l] & 31)];
                }
            }
            case SHFL_DOWN -> {
                // shfl.sync.down: source lane + (b & 31); past lane 31 the lane keeps its own value.
                for (int l = 0; l < LANES; l++) {
                    int j = l + (arg[l] & 31);
                    out[l] = j < LANES ? in[j] : in[l];
                }
            }
            case SHFL_IDX -> {
                for (int l = 0; l < LANES; l++) {
                    out[l] = in[arg[l] & 31];
                }
            }
            case SUM_F32, MAX_F32 -> butterfly(op == Op.SUM_F32);
            case SUM_I32 -> {
                int s = 0;
                for (int l = 0; l < LANES; l++) {
                    s += in[l];
                }
                java.util.Arrays.fill(out, s);
            }
            case MAX_I32 -> {
                int m = Integer.MIN_VALUE;
                for (int l = 0; l < LANES; l++) {
                    m = Math.max(m, in[l]);
                }
                java.util.Arrays.fill(out, m);
            }
            case BALLOT -> {
                int bits = 0;
                for (int l = 0; l < LANES; l++) {
                    bits |= (in[l] & 1) << l;
                }
                java.util.Arrays.fill(out, bits);
            }
            case SYNC -> java.util.Arrays.fill(out, 0); // a meeting only
            case MMA_BF16, MMA_F16 -> multiply(op == Op.MMA_BF16);
        }
    }

    /** Five butterfly steps, each lane combining its value with lane ^ distance (own operand first). */
    private void butterfly(boolean sum) {
        float[] v = new float[LANES];
        float[] next = new float[LANES];
        for (int l = 0; l < LANES; l++) {
            v[l] = Float.intBitsToFloat(in[l]);
        }
        for (int distance : BUTTERFLY) {
            for (int l = 0; l < LANES; l++) {
                float other = v[l ^ distance];
                next[l] = sum ? v[l] + other : Math.max(v[l], other);
            }
            float[] swap = v;
            v = next;
            next = swap;
        }
        for (int l = 0; l < LANES; l++) {
            out[l] = Float.floatToRawIntBits(v[l]);
        }
    }

    /**
     * Rebuilds A (16x16), B (16x8) and C (16x8) from the lanes' fragments with the PTX layout, computes
     * D = A B + C and scatters D back. Products of 16-bit floats are exact in f64 and summed there, then
     * rounded once to f32; the tensor core's internal accumulation order differs, so compare with a tolerance.
     */
    private void multiply(boolean bf16) {
        float[][] a = new float[MmaLayout.M][MmaLayout.K];
        float[][] b = new float[MmaLayout.K][MmaLayout.N];
        float[][] c = new float[MmaLayout.M][MmaLayout.N];
        for (int l = 0; l < LANES; l++) {
            for (int i = 0; i < 8; i++) {
                a[MmaLayout.aRow(l, i)][MmaLayout.aCol(l, i)] = half(fragA[l][i >> 1], i & 1, bf16);
            }
            for (int i = 0; i < 4; i++) {
                b[MmaLayout.bRow(l, i)][MmaLayout.bCol(l, i)] = half(fragB[l][i >> 1], i & 1, bf16);
                c[MmaLayout.cRow(l, i)][MmaLayout.cCol(l, i)] = fragC[l][i];
            }
        }
        for (int l = 0; l < LANES; l++) {
            for (int i = 0; i < 4; i++) {
                int r = MmaLayout.cRow(l, i);
                int col = MmaLayout.cCol(l, i);
                double s = c[r][col];
                for (int k = 0; k < MmaLayout.K; k++) {
                    s += (double) a[r][k] * b[k][col];
                }
                fragD[l][i] = (float) s;
            }
        }
    }

    private static float half(int word, int which, boolean bf16) {
        int bits = which == 0 ? word & 0xFFFF : word >>> 16;
        return bf16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat((short) bits);
    }
}
