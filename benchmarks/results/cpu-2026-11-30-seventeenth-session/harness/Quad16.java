package dev.kascade.cpu;

import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;

import dev.kascade.tensor.*;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import jdk.incubator.vector.*;

/**
 * Throwaway (seventeenth session): on a 16-lane (AVX-512) CPU, does the four-key logits pass spill, and does storing
 * each query chunk once per key (so every load has one use) help, as Bf16TwoKeys did at 8 lanes? 256 gathered rows in
 * L2, four query rows, d 128, one thread; ns per key, minimum of reps calls, last rounds.
 */
public class Quad16 {
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final int CHUNK = 2 * L;
    static VectorMask<Float> odd(int h) { boolean[] o = new boolean[L]; for (int i = 0; i < L; i++) o[i] = ((i / h) & 1) == 1; return VectorMask.fromArray(F, o, 0); }
    static VectorShuffle<Float> swap(int h) { int[] f = new int[L]; for (int i = 0; i < L; i++) f[i] = i ^ h; return VectorShuffle.fromArray(F, f, 0); }
    static final VectorMask<Float> ODD8 = L == 16 ? odd(8) : null, ODD4 = L == 16 ? odd(4) : null, ODD2 = L == 16 ? odd(2) : null, ODD1 = L == 16 ? odd(1) : null;
    static final VectorShuffle<Float> SWAP8 = L == 16 ? swap(8) : null, SWAP4 = L == 16 ? swap(4) : null, SWAP2 = L == 16 ? swap(2) : null, SWAP1 = L == 16 ? swap(1) : null;
    static final VectorMask<Float> ROW0 = L == 16 ? VectorMask.fromLong(F, 0xFL) : null, ROW1 = L == 16 ? VectorMask.fromLong(F, 0xFL << 4) : null,
            ROW2 = L == 16 ? VectorMask.fromLong(F, 0xFL << 8) : null, ROW3 = L == 16 ? VectorMask.fromLong(F, 0xFL << 12) : null;

    /** Four rows, four copies: per chunk, row h, key k: [even L, odd L] at (chunk*16 + h*4 + k) * CHUNK. */
    static float[] copy4(float[] qp, int d) {
        float[] dst = new float[16 * d]; int o = 0;
        for (int c = 0; c < d; c += CHUNK) for (int h = 0; h < 4; h++) for (int k = 0; k < 4; k++) { System.arraycopy(qp, h * d + c, dst, o, CHUNK); o += CHUNK; }
        return dst;
    }

    /** logitQuads with the query stored once per key: every query load has one use. Same sums, same tree. */
    static int quadsCopy4(float[] qd, int d, MemorySegment seg, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        VectorMask<Float> odd8 = ODD8, odd4 = ODD4, odd2 = ODD2, odd1 = ODD1;
        VectorShuffle<Float> swap8 = SWAP8, swap4 = SWAP4, swap2 = SWAP2, swap1 = SWAP1;
        VectorMask<Float> row0 = ROW0, row1 = ROW1, row2 = ROW2, row3 = ROW3;
        int end = 16 * d;
        int j = 0;
        for (; j + 4 <= nb; j += 4) {
            long rowA = pos[j] * rowBytes, rowB = pos[j + 1] * rowBytes, rowC = pos[j + 2] * rowBytes, rowD = pos[j + 3] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int o = 0; o < end; o += 16 * CHUNK) {
                long kc = o / 8; // bytes: 2 x (o / 16)
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + kc, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + kc, LE);
                IntVector wc = IntVector.fromMemorySegment(I, seg, rowC + kc, LE);
                IntVector wd = IntVector.fromMemorySegment(I, seg, rowD + kc, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                a0 = kea.fma(FloatVector.fromArray(F, qd, o), a0); a0 = koa.fma(FloatVector.fromArray(F, qd, o + L), a0);
                b0 = keb.fma(FloatVector.fromArray(F, qd, o + 2 * L), b0); b0 = kob.fma(FloatVector.fromArray(F, qd, o + 3 * L), b0);
                c0 = kec.fma(FloatVector.fromArray(F, qd, o + 4 * L), c0); c0 = koc.fma(FloatVector.fromArray(F, qd, o + 5 * L), c0);
                d0 = ked.fma(FloatVector.fromArray(F, qd, o + 6 * L), d0); d0 = kod.fma(FloatVector.fromArray(F, qd, o + 7 * L), d0);
                a1 = kea.fma(FloatVector.fromArray(F, qd, o + 8 * L), a1); a1 = koa.fma(FloatVector.fromArray(F, qd, o + 9 * L), a1);
                b1 = keb.fma(FloatVector.fromArray(F, qd, o + 10 * L), b1); b1 = kob.fma(FloatVector.fromArray(F, qd, o + 11 * L), b1);
                c1 = kec.fma(FloatVector.fromArray(F, qd, o + 12 * L), c1); c1 = koc.fma(FloatVector.fromArray(F, qd, o + 13 * L), c1);
                d1 = ked.fma(FloatVector.fromArray(F, qd, o + 14 * L), d1); d1 = kod.fma(FloatVector.fromArray(F, qd, o + 15 * L), d1);
                a2 = kea.fma(FloatVector.fromArray(F, qd, o + 16 * L), a2); a2 = koa.fma(FloatVector.fromArray(F, qd, o + 17 * L), a2);
                b2 = keb.fma(FloatVector.fromArray(F, qd, o + 18 * L), b2); b2 = kob.fma(FloatVector.fromArray(F, qd, o + 19 * L), b2);
                c2 = kec.fma(FloatVector.fromArray(F, qd, o + 20 * L), c2); c2 = koc.fma(FloatVector.fromArray(F, qd, o + 21 * L), c2);
                d2 = ked.fma(FloatVector.fromArray(F, qd, o + 22 * L), d2); d2 = kod.fma(FloatVector.fromArray(F, qd, o + 23 * L), d2);
                a3 = kea.fma(FloatVector.fromArray(F, qd, o + 24 * L), a3); a3 = koa.fma(FloatVector.fromArray(F, qd, o + 25 * L), a3);
                b3 = keb.fma(FloatVector.fromArray(F, qd, o + 26 * L), b3); b3 = kob.fma(FloatVector.fromArray(F, qd, o + 27 * L), b3);
                c3 = kec.fma(FloatVector.fromArray(F, qd, o + 28 * L), c3); c3 = koc.fma(FloatVector.fromArray(F, qd, o + 29 * L), c3);
                d3 = ked.fma(FloatVector.fromArray(F, qd, o + 30 * L), d3); d3 = kod.fma(FloatVector.fromArray(F, qd, o + 31 * L), d3);
            }
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
            all.intoArray(s, j, row0);
            all.intoArray(s, j + stride - 4, row1);
            all.intoArray(s, j + 2 * stride - 8, row2);
            all.intoArray(s, j + 3 * stride - 12, row3);
        }
        return j;
    }

    public static void main(String[] a) {
        int region = 2560, reps = Integer.parseInt(a[0]);
        int D = 128, G = 4, NB = 256;
        System.out.println("species " + F + ", cpu " + Runtime.getRuntime().availableProcessors());
        Arena arena = Arena.ofShared();
        Tensor k = Tensor.allocate(arena, DType.BF16, 1, 1, region, D), v = Tensor.allocate(arena, DType.BF16, 1, 1, region, D);
        MemorySegment ks = k.segment(), vs = v.segment(); Random r = new Random(3);
        for (long i = 0; i < k.size(); i++) { ks.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); vs.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); }
        int[] all = new int[region]; for (int i = 0; i < region; i++) all[i] = i;
        for (int i = 0; i < NB; i++) { int j = i + r.nextInt(region - i); int t = all[i]; all[i] = all[j]; all[j] = t; }
        int[] pos = Arrays.copyOf(all, NB); Arrays.sort(pos);
        float[] q = new float[G * D]; for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian() * 0.088f;
        float[] qp = new float[G * D]; for (int h = 0; h < G; h++) Bf16Pairs.split(q, h * D, D, qp, h * D);
        float[] q4 = copy4(qp, D);
        float[] q2 = new float[Bf16TwoKeys.copiedFloats(D)]; Bf16TwoKeys.copy(qp, 0, D, q2, 0);
        float[] ref = new float[G * NB], s = new float[G * NB], acc = new float[G * D], pr = new float[G * NB];
        for (int i = 0; i < pr.length; i++) pr[i] = r.nextFloat();
        Bf16Pairs.logits(qp, 0, G, D, ks, 0, 256, 0, pos, 0, NB, ref, NB, false);
        String[] names = {"four-key lane tree (library)", "four-key, query x4 copies", "two-key (library)", "two-key, query x2 copies (Bf16TwoKeys)", "P.V (library)"};
        for (int round = 0; round < 8; round++) {
            StringBuilder sb = new StringBuilder();
            for (int var = 0; var < names.length; var++) {
                if (var == 1 && L != 16) continue;
                long best = Long.MAX_VALUE;
                for (int it = 0; it < reps; it++) {
                    long t0 = System.nanoTime();
                    switch (var) {
                        case 0 -> Bf16Pairs.logits(qp, 0, G, D, ks, 0, 256, 0, pos, 0, NB, s, NB, true);
                        case 1 -> quadsCopy4(q4, D, ks, 256, pos, NB, s, NB);
                        case 2 -> Bf16Pairs.logits(qp, 0, G, D, ks, 0, 256, 0, pos, 0, NB, s, NB, false);
                        case 3 -> Bf16TwoKeys.logits(q2, 0, D, ks, 0, 256, 0, pos, 0, NB, s, 0, NB);
                        case 4 -> Bf16Pairs.accumulate(pr, G, vs, 0, 256, 0, pos, 0, NB, D, acc, 0, NB);
                    }
                    best = Math.min(best, System.nanoTime() - t0);
                }
                double err = 0; if (var < 4) for (int i = 0; i < s.length; i++) err = Math.max(err, Math.abs(s[i] - ref[i]));
                if (round >= 5) sb.append(String.format("%s %.2f ns (err %.1e) | ", names[var], best / (double) NB, err));
            }
            if (round >= 5) System.out.println(sb);
        }
    }
}
