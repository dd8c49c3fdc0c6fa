package dev.kascade.cpu;

import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.*;

final class LQ {
    static final float[] TMP = new float[16];
    static final MemorySegment ALLSEG = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final int CHUNK = 2 * L;
    private static final VectorMask<Float> ODD8 = oddBlocks(8), ODD4 = oddBlocks(4), ODD2 = oddBlocks(2), ODD1 = oddBlocks(1);
    private static final VectorShuffle<Float> SWAP8 = swap(8), SWAP4 = swap(4), SWAP2 = swap(2), SWAP1 = swap(1);
    private static final VectorMask<Float> ROW0 = rowLanes(0), ROW1 = rowLanes(1), ROW2 = rowLanes(2), ROW3 = rowLanes(3);
    private static VectorMask<Float> oddBlocks(int h) { boolean[] odd = new boolean[L]; for (int i = 0; i < L; i++) odd[i] = ((i / h) & 1) == 1; return VectorMask.fromArray(F, odd, 0); }
    private static VectorShuffle<Float> swap(int h) { int[] from = new int[L]; for (int i = 0; i < L; i++) from[i] = i ^ h; return VectorShuffle.fromArray(F, from, 0); }
    private static VectorMask<Float> rowLanes(int h) { return VectorMask.fromLong(F, 0xFL << (4 * h)); }
    static int logitQuads(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int first,
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
    static int v1(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int first,
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
            float[] t = TMP; all.intoArray(t, 0);
            s[o] = t[0]; s[o + 1] = t[1]; s[o + 2] = t[2]; s[o + 3] = t[3];
            s[o + stride] = t[4]; s[o + stride + 1] = t[5]; s[o + stride + 2] = t[6]; s[o + stride + 3] = t[7];
            s[o + 2 * stride] = t[8]; s[o + 2 * stride + 1] = t[9]; s[o + 2 * stride + 2] = t[10]; s[o + 2 * stride + 3] = t[11];
            s[o + 3 * stride] = t[12]; s[o + 3 * stride + 1] = t[13]; s[o + 3 * stride + 2] = t[14]; s[o + 3 * stride + 3] = t[15];
        }
        return j;
    }
    static int v2(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int first,
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
            int o = sOff + j;
            s[o] = a0.reduceLanes(VectorOperators.ADD); s[o + 1] = b0.reduceLanes(VectorOperators.ADD); s[o + 2] = c0.reduceLanes(VectorOperators.ADD); s[o + 3] = d0.reduceLanes(VectorOperators.ADD);
            s[o + stride] = a1.reduceLanes(VectorOperators.ADD); s[o + stride + 1] = b1.reduceLanes(VectorOperators.ADD); s[o + stride + 2] = c1.reduceLanes(VectorOperators.ADD); s[o + stride + 3] = d1.reduceLanes(VectorOperators.ADD);
            s[o + 2 * stride] = a2.reduceLanes(VectorOperators.ADD); s[o + 2 * stride + 1] = b2.reduceLanes(VectorOperators.ADD); s[o + 2 * stride + 2] = c2.reduceLanes(VectorOperators.ADD); s[o + 2 * stride + 3] = d2.reduceLanes(VectorOperators.ADD);
            s[o + 3 * stride] = a3.reduceLanes(VectorOperators.ADD); s[o + 3 * stride + 1] = b3.reduceLanes(VectorOperators.ADD); s[o + 3 * stride + 2] = c3.reduceLanes(VectorOperators.ADD); s[o + 3 * stride + 3] = d3.reduceLanes(VectorOperators.ADD);
        }
        return j;
    }
    static int v3(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int first,
                                  int[] positions, int posOff, int nb, float[] s, int sOff, int stride) {
        int q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorMask<Float> odd8 = ODD8, odd4 = ODD4, odd2 = ODD2, odd1 = ODD1;
        VectorShuffle<Float> swap8 = SWAP8, swap4 = SWAP4, swap2 = SWAP2, swap1 = SWAP1;
        VectorMask<Float> row0 = ROW0, row1 = ROW1, row2 = ROW2, row3 = ROW3;
        int j = 0; FloatVector sink = FloatVector.zero(F);
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
            sink = sink.add(all);
        }
        sink.intoArray(s, 0); return j;
    }
    static int v4(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int first,
                                  int[] positions, int posOff, int nb, float[] s, int sOff, int stride) {
        int q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorMask<Float> odd8 = ODD8, odd4 = ODD4, odd2 = ODD2, odd1 = ODD1;
        VectorShuffle<Float> swap8 = SWAP8, swap4 = SWAP4, swap2 = SWAP2, swap1 = SWAP1;
        VectorMask<Float> row0 = ROW0, row1 = ROW1, row2 = ROW2, row3 = ROW3;
        int j = 0; long addr = seg.address(); if (base < 0 || (long) nb * 0 + base > seg.byteSize()) throw new IllegalArgumentException();
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
                IntVector wa = IntVector.fromMemorySegment(I, ALLSEG, addr + rowA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, ALLSEG, addr + rowB + 2L * c, LE);
                IntVector wc = IntVector.fromMemorySegment(I, ALLSEG, addr + rowC + 2L * c, LE);
                IntVector wd = IntVector.fromMemorySegment(I, ALLSEG, addr + rowD + 2L * c, LE);
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
    static int v5(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int first,
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
            int o = sOff + j;
            FloatVector all = a0.add(a1).add(a2.add(a3)).add(b0.add(b1).add(b2.add(b3))).add(c0.add(c1).add(c2.add(c3)).add(d0.add(d1).add(d2.add(d3))));
            all.intoArray(s, o, row0);
        }
        return j;
    }

    private static final VectorShuffle<Float> PACK = packShuffle();
    private static final VectorMask<Float> P0 = VectorMask.fromLong(F, 0x3L), P1 = VectorMask.fromLong(F, 0xCL), P2 = VectorMask.fromLong(F, 0x30L), P3 = VectorMask.fromLong(F, 0xC0L);
    private static VectorShuffle<Float> packShuffle() { int[] f = new int[L]; for (int i = 0; i < L; i++) f[i] = i < 8 ? 4 * (i / 2) + 2 * (i % 2) : 0; return VectorShuffle.fromArray(F, f, 0); }

    /** Two keys x four rows a pass, even and odd halves in separate accumulators (chains of 4 FMAs a pass). */
    static int v6(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int first,
                  int[] positions, int posOff, int nb, float[] s, int sOff, int stride) {
        int q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorMask<Float> odd8 = ODD8, odd4 = ODD4, odd2 = ODD2;
        VectorShuffle<Float> swap8 = SWAP8, swap4 = SWAP4, swap2 = SWAP2, swap1 = SWAP1, pack = PACK;
        VectorMask<Float> p0 = P0, p1 = P1, p2 = P2, p3 = P3;
        int j = 0;
        for (; j + 2 <= nb; j += 2) {
            long rowA = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
            long rowB = base + (positions == null ? first + j + 1 : positions[posOff + j + 1]) * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, f0 = a0, f1 = a0, f2 = a0, f3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c), y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = x.fma(kea, a0); e0 = y.fma(koa, e0); b0 = x.fma(keb, b0); f0 = y.fma(kob, f0);
                x = FloatVector.fromArray(F, q, q1 + c); y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = x.fma(kea, a1); e1 = y.fma(koa, e1); b1 = x.fma(keb, b1); f1 = y.fma(kob, f1);
                x = FloatVector.fromArray(F, q, q2 + c); y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = x.fma(kea, a2); e2 = y.fma(koa, e2); b2 = x.fma(keb, b2); f2 = y.fma(kob, f2);
                x = FloatVector.fromArray(F, q, q3 + c); y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = x.fma(kea, a3); e3 = y.fma(koa, e3); b3 = x.fma(keb, b3); f3 = y.fma(kob, f3);
            }
            a0 = a0.add(e0); a1 = a1.add(e1); a2 = a2.add(e2); a3 = a3.add(e3);
            b0 = b0.add(f0); b1 = b1.add(f1); b2 = b2.add(f2); b3 = b3.add(f3);
            FloatVector ta02 = a0.blend(a2, odd8).add(a2.blend(a0, odd8).rearrange(swap8));
            FloatVector ta13 = a1.blend(a3, odd8).add(a3.blend(a1, odd8).rearrange(swap8));
            FloatVector tb02 = b0.blend(b2, odd8).add(b2.blend(b0, odd8).rearrange(swap8));
            FloatVector tb13 = b1.blend(b3, odd8).add(b3.blend(b1, odd8).rearrange(swap8));
            FloatVector ta = ta02.blend(ta13, odd4).add(ta13.blend(ta02, odd4).rearrange(swap4));
            FloatVector tb = tb02.blend(tb13, odd4).add(tb13.blend(tb02, odd4).rearrange(swap4));
            FloatVector all = ta.blend(tb, odd2).add(tb.blend(ta, odd2).rearrange(swap2));
            all = all.add(all.rearrange(swap1)).rearrange(pack); // lane 2h + k: row h, key k
            int o = sOff + j;
            all.intoArray(s, o, p0);
            all.intoArray(s, o + stride - 2, p1);
            all.intoArray(s, o + 2 * stride - 4, p2);
            all.intoArray(s, o + 3 * stride - 6, p3);
        }
        return j;
    }
    static int v14(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int first,
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
            IntVector wa, wb, wc, wd; FloatVector kea, koa, keb, kob, kec, koc, ked, kod, x, y;
            {
                wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * 0 * CHUNK, LE);
                wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * 0 * CHUNK, LE);
                wc = IntVector.fromMemorySegment(I, seg, rowC + 2L * 0 * CHUNK, LE);
                wd = IntVector.fromMemorySegment(I, seg, rowD + 2L * 0 * CHUNK, LE);
                kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                x = FloatVector.fromArray(F, q, q0 + 0 * CHUNK); y = FloatVector.fromArray(F, q, q0 + 0 * CHUNK + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + 0 * CHUNK);
                y = FloatVector.fromArray(F, q, q1 + 0 * CHUNK + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + 0 * CHUNK);
                y = FloatVector.fromArray(F, q, q2 + 0 * CHUNK + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + 0 * CHUNK);
                y = FloatVector.fromArray(F, q, q3 + 0 * CHUNK + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            {
                wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * 1 * CHUNK, LE);
                wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * 1 * CHUNK, LE);
                wc = IntVector.fromMemorySegment(I, seg, rowC + 2L * 1 * CHUNK, LE);
                wd = IntVector.fromMemorySegment(I, seg, rowD + 2L * 1 * CHUNK, LE);
                kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                x = FloatVector.fromArray(F, q, q0 + 1 * CHUNK); y = FloatVector.fromArray(F, q, q0 + 1 * CHUNK + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + 1 * CHUNK);
                y = FloatVector.fromArray(F, q, q1 + 1 * CHUNK + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + 1 * CHUNK);
                y = FloatVector.fromArray(F, q, q2 + 1 * CHUNK + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + 1 * CHUNK);
                y = FloatVector.fromArray(F, q, q3 + 1 * CHUNK + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            {
                wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * 2 * CHUNK, LE);
                wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * 2 * CHUNK, LE);
                wc = IntVector.fromMemorySegment(I, seg, rowC + 2L * 2 * CHUNK, LE);
                wd = IntVector.fromMemorySegment(I, seg, rowD + 2L * 2 * CHUNK, LE);
                kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                x = FloatVector.fromArray(F, q, q0 + 2 * CHUNK); y = FloatVector.fromArray(F, q, q0 + 2 * CHUNK + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + 2 * CHUNK);
                y = FloatVector.fromArray(F, q, q1 + 2 * CHUNK + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + 2 * CHUNK);
                y = FloatVector.fromArray(F, q, q2 + 2 * CHUNK + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + 2 * CHUNK);
                y = FloatVector.fromArray(F, q, q3 + 2 * CHUNK + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            {
                wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * 3 * CHUNK, LE);
                wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * 3 * CHUNK, LE);
                wc = IntVector.fromMemorySegment(I, seg, rowC + 2L * 3 * CHUNK, LE);
                wd = IntVector.fromMemorySegment(I, seg, rowD + 2L * 3 * CHUNK, LE);
                kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                x = FloatVector.fromArray(F, q, q0 + 3 * CHUNK); y = FloatVector.fromArray(F, q, q0 + 3 * CHUNK + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + 3 * CHUNK);
                y = FloatVector.fromArray(F, q, q1 + 3 * CHUNK + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + 3 * CHUNK);
                y = FloatVector.fromArray(F, q, q2 + 3 * CHUNK + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + 3 * CHUNK);
                y = FloatVector.fromArray(F, q, q3 + 3 * CHUNK + L);
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
}
