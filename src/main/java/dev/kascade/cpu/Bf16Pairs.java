package dev.kascade.cpu;

import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused bf16 kernels for decode that read K and V straight from the cache, without an f32 copy.
 *
 * <p>The trick: loading {@code L} ints from a bf16 row yields {@code 2L} elements at once; each int
 * holds element {@code 2i} in its low half and {@code 2i+1} in its high half, so {@code w << 16} is the
 * f32 vector of the even elements and {@code w & 0xFFFF0000} that of the odd ones. Dot products do not
 * care about element order, so the query is kept in the matching "pair-split" order (per chunk of
 * {@code 2L} elements: the L even ones, then the L odd ones), and so are the P.V accumulators; only the
 * final output is put back in natural order ({@link #unsplit}). Per {@code 2L} stored elements: one
 * load, one shift, one and. Requires {@code d % (2L) == 0} ({@link #supports}).
 */
public final class Bf16Pairs {
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Elements covered by one int-vector load. */
    public static final int CHUNK = 2 * L;

    /**
     * Whether {@link #logits} sums its dot products with the lane tree of {@link #logitQuads}: 16 float lanes
     * (AVX-512), where 16 accumulators of 16 lanes fold into one vector.
     */
    static final boolean LANE_TREE = L == 16;
    /** The lane tree's level h (8, 4, 2, 1): lanes whose h-block is odd, and lane i taking lane i ^ h. */
    private static final VectorMask<Float> ODD8 = oddBlocks(8), ODD4 = oddBlocks(4), ODD2 = oddBlocks(2),
            ODD1 = oddBlocks(1);
    private static final VectorShuffle<Float> SWAP8 = swap(8), SWAP4 = swap(4), SWAP2 = swap(2), SWAP1 = swap(1);
    /** Lanes 4h .. 4h + 3 of the lane tree's result: query row h's four logits. */
    private static final VectorMask<Float> ROW0 = rowLanes(0), ROW1 = rowLanes(1), ROW2 = rowLanes(2),
            ROW3 = rowLanes(3);

    private static VectorMask<Float> oddBlocks(int h) {
        if (!LANE_TREE) return null;
        boolean[] odd = new boolean[L];
        for (int i = 0; i < L; i++) odd[i] = ((i / h) & 1) == 1;
        return VectorMask.fromArray(F, odd, 0);
    }

    private static VectorShuffle<Float> swap(int h) {
        if (!LANE_TREE) return null;
        int[] from = new int[L];
        for (int i = 0; i < L; i++) from[i] = i ^ h;
        return VectorShuffle.fromArray(F, from, 0);
    }

    private static VectorMask<Float> rowLanes(int h) {
        return LANE_TREE ? VectorMask.fromLong(F, 0xFL << (4 * h)) : null;
    }

    private Bf16Pairs() {
    }

    /** True when head dim {@code d} is a whole number of chunks. */
    public static boolean supports(int d) {
        return d % CHUNK == 0;
    }

    /** Copies {@code x[off..off+d)} into {@code dst} in pair-split order. */
    public static void split(float[] x, int off, int d, float[] dst, int dstOff) {
        for (int c0 = 0; c0 < d; c0 += CHUNK) {
            for (int i = 0; i < L; i++) {
                dst[dstOff + c0 + i] = x[off + c0 + 2 * i];
                dst[dstOff + c0 + L + i] = x[off + c0 + 2 * i + 1];
            }
        }
    }

    /** Inverse of {@link #split}: pair-split {@code x} back into natural order in {@code dst}. */
    public static void unsplit(float[] x, int off, int d, float[] dst, int dstOff) {
        for (int c0 = 0; c0 < d; c0 += CHUNK) {
            for (int i = 0; i < L; i++) {
                dst[dstOff + c0 + 2 * i] = x[off + c0 + i];
                dst[dstOff + c0 + 2 * i + 1] = x[off + c0 + L + i];
            }
        }
    }

    /**
     * Logits of {@code nb} keys against {@code rows} pair-split query rows: {@code s[h*stride + j]}, padded
     * with {@code -inf} up to {@code stride} (a multiple of two vectors, at least {@code nb}). Key j's row starts at
     * byte {@code base + pos_j * rowBytes}, {@code pos_j = first + j} or {@code positions[posOff + j]}. Four query
     * rows per pass share each loaded key chunk.
     *
     * <p>{@code fourKeys}: true when the rows were touched first and sit in L1/L2 ({@link RowTouch}) or come as two
     * interleaved streams ({@link TwoStreams}, which the prefetchers fetch ahead), so four keys a pass
     * ({@link #logitQuads}) pay; rows read as one stream from memory keep two keys a pass, which reads them faster:
     * the anchor scores pass (K only, one stream, not touched) took 3.31 ms with four keys against 2.66 with two
     * (minima of 15, LLC flushed before each call, 32K, bf16, 2026-11-30), and touching its rows first was slower with
     * either (3.19, 3.46).
     */
    public static void logits(float[] q, int qOff, int rows, int d, MemorySegment seg, long base, long rowBytes,
                              int first, int[] positions, int posOff, int nb, float[] s, int stride, boolean fourKeys) {
        logits(q, qOff, rows, d, seg, base, rowBytes, first, positions, posOff, nb, s, stride, fourKeys, null);
    }

    /**
     * {@link #logits} with {@code copied}: null, or on 8-lane CPUs ({@link Bf16TwoKeys#ACTIVE}) the query rows laid out
     * by {@link Bf16TwoKeys#copy} four at a time, the block of the rows starting at {@code q[r]} at {@code copied[2 r]};
     * their two-key pass then runs in {@link Bf16TwoKeys}, which C2 compiles without spilling accumulators.
     */
    public static void logits(float[] q, int qOff, int rows, int d, MemorySegment seg, long base, long rowBytes,
                              int first, int[] positions, int posOff, int nb, float[] s, int stride, boolean fourKeys,
                              float[] copied) {
        int h = 0;
        for (; h + 4 <= rows; h += 4) {
            int q0 = qOff + h * d, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
            int j = LANE_TREE && fourKeys
                    ? logitQuads(q, q0, d, seg, base, rowBytes, first, positions, posOff, nb, s, h * stride, stride)
                    : copied != null
                    ? Bf16TwoKeys.logits(copied, 2 * q0, d, seg, base, rowBytes, first, positions, posOff, nb, s,
                            h * stride, stride)
                    : 0;
            {
                // Two keys per pass: every query chunk loaded feeds four FMAs, and eight independent
                // accumulator chains keep both FMA pipes busy (measured 15-20% faster than one key per
                // pass for dense decode and anchor scores at d = 128, in cache). Each sum is reduced on its
                // own here; the four-key pass above sums its 16 with a lane tree (logitQuads).
                for (; j + 2 <= nb; j += 2) {
                    long rowA = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
                    long rowB = base + (positions == null ? first + j + 1 : positions[posOff + j + 1]) * rowBytes;
                    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                    for (int c = 0; c < d; c += CHUNK) {
                        IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * c, LE);
                        IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * c, LE);
                        FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                        FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                        FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                        FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                        FloatVector x = FloatVector.fromArray(F, q, q0 + c), y = FloatVector.fromArray(F, q, q0 + c + L);
                        a0 = y.fma(koa, x.fma(kea, a0));
                        b0 = y.fma(kob, x.fma(keb, b0));
                        x = FloatVector.fromArray(F, q, q1 + c);
                        y = FloatVector.fromArray(F, q, q1 + c + L);
                        a1 = y.fma(koa, x.fma(kea, a1));
                        b1 = y.fma(kob, x.fma(keb, b1));
                        x = FloatVector.fromArray(F, q, q2 + c);
                        y = FloatVector.fromArray(F, q, q2 + c + L);
                        a2 = y.fma(koa, x.fma(kea, a2));
                        b2 = y.fma(kob, x.fma(keb, b2));
                        x = FloatVector.fromArray(F, q, q3 + c);
                        y = FloatVector.fromArray(F, q, q3 + c + L);
                        a3 = y.fma(koa, x.fma(kea, a3));
                        b3 = y.fma(kob, x.fma(keb, b3));
                    }
                    int o = h * stride + j;
                    s[o] = a0.reduceLanes(VectorOperators.ADD);
                    s[o + 1] = b0.reduceLanes(VectorOperators.ADD);
                    s[o + stride] = a1.reduceLanes(VectorOperators.ADD);
                    s[o + stride + 1] = b1.reduceLanes(VectorOperators.ADD);
                    s[o + 2 * stride] = a2.reduceLanes(VectorOperators.ADD);
                    s[o + 2 * stride + 1] = b2.reduceLanes(VectorOperators.ADD);
                    s[o + 3 * stride] = a3.reduceLanes(VectorOperators.ADD);
                    s[o + 3 * stride + 1] = b3.reduceLanes(VectorOperators.ADD);
                }
            }
            for (; j < nb; j++) {
                long row = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int c = 0; c < d; c += CHUNK) {
                    IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                    FloatVector ke = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    FloatVector ko = w.and(0xFFFF0000).reinterpretAsFloats();
                    a0 = FloatVector.fromArray(F, q, q0 + c).fma(ke, a0);
                    a1 = FloatVector.fromArray(F, q, q1 + c).fma(ke, a1);
                    a2 = FloatVector.fromArray(F, q, q2 + c).fma(ke, a2);
                    a3 = FloatVector.fromArray(F, q, q3 + c).fma(ke, a3);
                    a0 = FloatVector.fromArray(F, q, q0 + c + L).fma(ko, a0);
                    a1 = FloatVector.fromArray(F, q, q1 + c + L).fma(ko, a1);
                    a2 = FloatVector.fromArray(F, q, q2 + c + L).fma(ko, a2);
                    a3 = FloatVector.fromArray(F, q, q3 + c + L).fma(ko, a3);
                }
                s[h * stride + j] = a0.reduceLanes(VectorOperators.ADD);
                s[(h + 1) * stride + j] = a1.reduceLanes(VectorOperators.ADD);
                s[(h + 2) * stride + j] = a2.reduceLanes(VectorOperators.ADD);
                s[(h + 3) * stride + j] = a3.reduceLanes(VectorOperators.ADD);
            }
        }
        for (; h < rows; h++) {
            int q0 = qOff + h * d;
            for (int j = 0; j < nb; j++) {
                long row = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
                FloatVector a0 = FloatVector.zero(F);
                for (int c = 0; c < d; c += CHUNK) {
                    IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                    a0 = FloatVector.fromArray(F, q, q0 + c).fma(w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a0);
                    a0 = FloatVector.fromArray(F, q, q0 + c + L).fma(w.and(0xFFFF0000).reinterpretAsFloats(), a0);
                }
                s[h * stride + j] = a0.reduceLanes(VectorOperators.ADD);
            }
        }
        if (nb < stride) {
            for (int r = 0; r < rows; r++) {
                java.util.Arrays.fill(s, r * stride + nb, (r + 1) * stride, Float.NEGATIVE_INFINITY);
            }
        }
    }

    /**
     * {@link #logits}' four query rows {@code q0, q0 + d, ...} against keys {@code 0 .. 4 floor(nb / 4) - 1}, four keys
     * a pass (16 lanes only, {@link #LANE_TREE}); returns the keys done. Each query chunk loaded feeds 8 FMAs (twice
     * the two-key pass's reuse), and the 16 accumulators (key a..d x row 0..3) are summed by a tree instead of 16
     * {@code reduceLanes}: level h (8, 4, 2, 1) folds two vectors x, y into one whose even h-blocks hold
     * {@code x[i] + x[i ^ h]} and odd h-blocks {@code y[i] + y[i ^ h]} ({@code x.blend(y, odd) + y.blend(x, odd)
     * rearranged by i ^ h}): one permute and two blends per fold, 15 folds for 16 sums, and the leaves are ordered so
     * that lane 4h + k ends up holding row h's logit of key k; four masked stores write them. The pairs it adds are
     * those of C2's {@code reduceLanes(ADD)} tree (i + 8, then + 4, + 2, + 1), so compiled, the logits are bit for
     * bit the two-key pass's (checked in the microbenchmark; the interpreter's {@code reduceLanes} adds in another
     * order). Measured in L2 (1024 keys, d 128, 2-vCPU Zen 5, JDK 25, 30 interleaved rounds, 2026-11-30): 0.74-0.85x
     * the two-key pass's time per key; four keys with 16 {@code reduceLanes}, 0.77-0.86x
     * (benchmarks/results/cpu-2026-11-30-twelfth-session/lane-tree-microbench/). The tree must stay in this method's
     * body: as a helper method C2 did not inline it (node-count cutoff) and it ran about 10x slower.
     */
    private static int logitQuads(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int first,
                                  int[] positions, int posOff, int nb, float[] s, int sOff, int stride) {
        int q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorMask<Float> odd8 = ODD8, odd4 = ODD4, odd2 = ODD2, odd1 = ODD1;
        VectorShuffle<Float> swap8 = SWAP8, swap4 = SWAP4, swap2 = SWAP2, swap1 = SWAP1;
        VectorMask<Float> row0 = ROW0, row1 = ROW1, row2 = ROW2, row3 = ROW3;
        int j = 0;
        for (; j + 4 <= nb; j += 4) {
            long rowA = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
            long rowB = base + (positions == null ? first + j + 1 : positions[posOff + j + 1]) * rowBytes;
            long rowC = base + (positions == null ? first + j + 2 : positions[posOff + j + 2]) * rowBytes;
            long rowD = base + (positions == null ? first + j + 3 : positions[posOff + j + 3]) * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * c, LE);
                IntVector wc = IntVector.fromMemorySegment(I, seg, rowC + 2L * c, LE);
                IntVector wd = IntVector.fromMemorySegment(I, seg, rowD + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c), y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + c);
                y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + c);
                y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + c);
                y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            // level 8: rows 0 and 2 (1 and 3) of one key share a vector; level 4: then all four rows of a key;
            // level 2: keys a and c (b and d); level 1: all four keys. Lane 4h + k: row h, key k.
            FloatVector ta02 = a0.blend(a2, odd8).add(a2.blend(a0, odd8).rearrange(swap8));
            FloatVector ta13 = a1.blend(a3, odd8).add(a3.blend(a1, odd8).rearrange(swap8));
            FloatVector tc02 = c0.blend(c2, odd8).add(c2.blend(c0, odd8).rearrange(swap8));
            FloatVector tc13 = c1.blend(c3, odd8).add(c3.blend(c1, odd8).rearrange(swap8));
            FloatVector tb02 = b0.blend(b2, odd8).add(b2.blend(b0, odd8).rearrange(swap8));
            FloatVector tb13 = b1.blend(b3, odd8).add(b3.blend(b1, odd8).rearrange(swap8));
            FloatVector td02 = d0.blend(d2, odd8).add(d2.blend(d0, odd8).rearrange(swap8));
            FloatVector td13 = d1.blend(d3, odd8).add(d3.blend(d1, odd8).rearrange(swap8));
            FloatVector ta = ta02.blend(ta13, odd4).add(ta13.blend(ta02, odd4).rearrange(swap4));
            FloatVector tc = tc02.blend(tc13, odd4).add(tc13.blend(tc02, odd4).rearrange(swap4));
            FloatVector tb = tb02.blend(tb13, odd4).add(tb13.blend(tb02, odd4).rearrange(swap4));
            FloatVector td = td02.blend(td13, odd4).add(td13.blend(td02, odd4).rearrange(swap4));
            FloatVector tac = ta.blend(tc, odd2).add(tc.blend(ta, odd2).rearrange(swap2));
            FloatVector tbd = tb.blend(td, odd2).add(td.blend(tb, odd2).rearrange(swap2));
            FloatVector all = tac.blend(tbd, odd1).add(tbd.blend(tac, odd1).rearrange(swap1));
            int o = sOff + j;
            all.intoArray(s, o, row0);
            all.intoArray(s, o + stride - 4, row1);
            all.intoArray(s, o + 2 * stride - 8, row2);
            all.intoArray(s, o + 3 * stride - 12, row3);
        }
        return j;
    }

    /**
     * Whether {@link #accumulate} takes one chunk a pass (eight accumulators) instead of two: on 8-lane CPUs, whose 16
     * vector registers cannot hold the two-chunk pass's 16 accumulators with its operands. Measured on 256 gathered rows
     * in L2 (d 128, four query rows, one thread, 2-vCPU AMD EPYC (Zen 3, AVX2) VM, JDK 25, 2026-11-30): 16.8-18.3 ns per
     * key against 20.9-23.6 for two chunks a pass.
     */
    static final boolean ONE_CHUNK = L == 8;

    /**
     * {@code acc[h] += sum_j p[h*stride + j] * v_j} with pair-split accumulators (probability rows {@code stride}
     * floats apart, a multiple of two vectors, at least {@code nb}); value rows addressed like the keys in
     * {@link #logits}. The outer loop takes two chunks of the head dim at a time and keeps 4 heads x 2 chunks x (even,
     * odd) = 16 accumulators in registers while the block's rows stream past (from L1/L2 once touched); each
     * probability broadcast feeds four FMAs. Sixteen independent FMA chains cover the FMA latency on both pipes: with
     * one chunk a pass (eight chains) the loop ran at 7.7 ns per key and KV head, with two at 4.6 ns (d 128, four query
     * rows, 512 rows in L2, one thread, 2-vCPU Zen 5 VM, 2026-11-30), the same sums in the same order. A head dim of an
     * odd number of chunks does its last chunk alone ({@link #accumulateChunk}), and so does every chunk where
     * {@link #ONE_CHUNK}.
     */
    public static void accumulate(float[] p, int rows, MemorySegment seg, long base, long rowBytes,
                                  int first, int[] positions, int posOff, int nb, int d, float[] acc, int accOff, int stride) {
        int h = 0;
        for (; h + 4 <= rows; h += 4) {
            int o0 = accOff + h * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
            int p0 = h * stride, p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride;
            int c = 0;
            for (; c + 2 * CHUNK <= d && !ONE_CHUNK; c += 2 * CHUNK) {
                int c2 = c + CHUNK;
                FloatVector e0 = FloatVector.fromArray(F, acc, o0 + c), d0 = FloatVector.fromArray(F, acc, o0 + c + L);
                FloatVector e1 = FloatVector.fromArray(F, acc, o1 + c), d1 = FloatVector.fromArray(F, acc, o1 + c + L);
                FloatVector e2 = FloatVector.fromArray(F, acc, o2 + c), d2 = FloatVector.fromArray(F, acc, o2 + c + L);
                FloatVector e3 = FloatVector.fromArray(F, acc, o3 + c), d3 = FloatVector.fromArray(F, acc, o3 + c + L);
                FloatVector f0 = FloatVector.fromArray(F, acc, o0 + c2);
                FloatVector f1 = FloatVector.fromArray(F, acc, o1 + c2);
                FloatVector f2 = FloatVector.fromArray(F, acc, o2 + c2);
                FloatVector f3 = FloatVector.fromArray(F, acc, o3 + c2);
                FloatVector g0 = FloatVector.fromArray(F, acc, o0 + c2 + L);
                FloatVector g1 = FloatVector.fromArray(F, acc, o1 + c2 + L);
                FloatVector g2 = FloatVector.fromArray(F, acc, o2 + c2 + L);
                FloatVector g3 = FloatVector.fromArray(F, acc, o3 + c2 + L);
                for (int j = 0; j < nb; j++) {
                    long row = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
                    IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                    IntVector x = IntVector.fromMemorySegment(I, seg, row + 2L * c2, LE);
                    FloatVector ve = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    FloatVector vo = w.and(0xFFFF0000).reinterpretAsFloats();
                    FloatVector xe = x.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    FloatVector xo = x.and(0xFFFF0000).reinterpretAsFloats();
                    FloatVector b0 = FloatVector.broadcast(F, p[p0 + j]);
                    FloatVector b1 = FloatVector.broadcast(F, p[p1 + j]);
                    FloatVector b2 = FloatVector.broadcast(F, p[p2 + j]);
                    FloatVector b3 = FloatVector.broadcast(F, p[p3 + j]);
                    e0 = ve.fma(b0, e0);
                    d0 = vo.fma(b0, d0);
                    f0 = xe.fma(b0, f0);
                    g0 = xo.fma(b0, g0);
                    e1 = ve.fma(b1, e1);
                    d1 = vo.fma(b1, d1);
                    f1 = xe.fma(b1, f1);
                    g1 = xo.fma(b1, g1);
                    e2 = ve.fma(b2, e2);
                    d2 = vo.fma(b2, d2);
                    f2 = xe.fma(b2, f2);
                    g2 = xo.fma(b2, g2);
                    e3 = ve.fma(b3, e3);
                    d3 = vo.fma(b3, d3);
                    f3 = xe.fma(b3, f3);
                    g3 = xo.fma(b3, g3);
                }
                e0.intoArray(acc, o0 + c);
                d0.intoArray(acc, o0 + c + L);
                e1.intoArray(acc, o1 + c);
                d1.intoArray(acc, o1 + c + L);
                e2.intoArray(acc, o2 + c);
                d2.intoArray(acc, o2 + c + L);
                e3.intoArray(acc, o3 + c);
                d3.intoArray(acc, o3 + c + L);
                f0.intoArray(acc, o0 + c2);
                g0.intoArray(acc, o0 + c2 + L);
                f1.intoArray(acc, o1 + c2);
                g1.intoArray(acc, o1 + c2 + L);
                f2.intoArray(acc, o2 + c2);
                g2.intoArray(acc, o2 + c2 + L);
                f3.intoArray(acc, o3 + c2);
                g3.intoArray(acc, o3 + c2 + L);
            }
            for (; c < d; c += CHUNK) {
                accumulateChunk(p, p0, p1, p2, p3, seg, base, rowBytes, first, positions, posOff, nb, c, acc,
                        o0, o1, o2, o3);
            }
        }
        for (; h < rows; h++) {
            int o0 = accOff + h * d;
            int p0 = h * stride;
            for (int c = 0; c < d; c += CHUNK) {
                FloatVector e0 = FloatVector.fromArray(F, acc, o0 + c), d0 = FloatVector.fromArray(F, acc, o0 + c + L);
                for (int j = 0; j < nb; j++) {
                    long row = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
                    IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                    FloatVector b0 = FloatVector.broadcast(F, p[p0 + j]);
                    e0 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(b0, e0);
                    d0 = w.and(0xFFFF0000).reinterpretAsFloats().fma(b0, d0);
                }
                e0.intoArray(acc, o0 + c);
                d0.intoArray(acc, o0 + c + L);
            }
        }
    }

    /** One chunk ({@code c .. c + CHUNK}) of {@link #accumulate}'s four query rows: eight FMA chains. */
    private static void accumulateChunk(float[] p, int p0, int p1, int p2, int p3, MemorySegment seg, long base,
                                        long rowBytes, int first, int[] positions, int posOff, int nb, int c,
                                        float[] acc, int o0, int o1, int o2, int o3) {
        FloatVector e0 = FloatVector.fromArray(F, acc, o0 + c), d0 = FloatVector.fromArray(F, acc, o0 + c + L);
        FloatVector e1 = FloatVector.fromArray(F, acc, o1 + c), d1 = FloatVector.fromArray(F, acc, o1 + c + L);
        FloatVector e2 = FloatVector.fromArray(F, acc, o2 + c), d2 = FloatVector.fromArray(F, acc, o2 + c + L);
        FloatVector e3 = FloatVector.fromArray(F, acc, o3 + c), d3 = FloatVector.fromArray(F, acc, o3 + c + L);
        for (int j = 0; j < nb; j++) {
            long row = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
            IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
            FloatVector ve = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector vo = w.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector b0 = FloatVector.broadcast(F, p[p0 + j]);
            FloatVector b1 = FloatVector.broadcast(F, p[p1 + j]);
            FloatVector b2 = FloatVector.broadcast(F, p[p2 + j]);
            FloatVector b3 = FloatVector.broadcast(F, p[p3 + j]);
            e0 = ve.fma(b0, e0);
            d0 = vo.fma(b0, d0);
            e1 = ve.fma(b1, e1);
            d1 = vo.fma(b1, d1);
            e2 = ve.fma(b2, e2);
            d2 = vo.fma(b2, d2);
            e3 = ve.fma(b3, e3);
            d3 = vo.fma(b3, d3);
        }
        e0.intoArray(acc, o0 + c);
        d0.intoArray(acc, o0 + c + L);
        e1.intoArray(acc, o1 + c);
        d1.intoArray(acc, o1 + c + L);
        e2.intoArray(acc, o2 + c);
        d2.intoArray(acc, o2 + c + L);
        e3.intoArray(acc, o3 + c);
        d3.intoArray(acc, o3 + c + L);
    }
}
