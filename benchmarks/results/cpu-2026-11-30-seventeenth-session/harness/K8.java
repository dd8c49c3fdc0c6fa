package dev.kascade.cpu;

import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.*;

/** Throwaway AVX2 (8-lane) kernel variants. */
public final class K8 {
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final int CHUNK = 2 * L;

    // logits, one key a pass, 8 chains (4 rows x even/odd)
    static void logits1(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        int q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        for (int j = 0; j < nb; j++) {
            long row = base + pos[j] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                FloatVector ke = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector ko = w.and(0xFFFF0000).reinterpretAsFloats();
                a0 = FloatVector.fromArray(F, q, q0 + c).fma(ke, a0);
                a1 = FloatVector.fromArray(F, q, q1 + c).fma(ke, a1);
                a2 = FloatVector.fromArray(F, q, q2 + c).fma(ke, a2);
                a3 = FloatVector.fromArray(F, q, q3 + c).fma(ke, a3);
                e0 = FloatVector.fromArray(F, q, q0 + c + L).fma(ko, e0);
                e1 = FloatVector.fromArray(F, q, q1 + c + L).fma(ko, e1);
                e2 = FloatVector.fromArray(F, q, q2 + c + L).fma(ko, e2);
                e3 = FloatVector.fromArray(F, q, q3 + c + L).fma(ko, e3);
            }
            s[j] = a0.add(e0).reduceLanes(VectorOperators.ADD);
            s[stride + j] = a1.add(e1).reduceLanes(VectorOperators.ADD);
            s[2 * stride + j] = a2.add(e2).reduceLanes(VectorOperators.ADD);
            s[3 * stride + j] = a3.add(e3).reduceLanes(VectorOperators.ADD);
        }
    }

    static final VectorShuffle<Float> SW4 = VectorShuffle.fromArray(F, new int[]{4,5,6,7,0,1,2,3}, 0);
    static final VectorShuffle<Float> SW2 = VectorShuffle.fromArray(F, new int[]{2,3,0,1,6,7,4,5}, 0);
    static final VectorShuffle<Float> SW1 = VectorShuffle.fromArray(F, new int[]{1,0,3,2,5,4,7,6}, 0);
    static final VectorMask<Float> O4 = VectorMask.fromLong(F, 0xF0), O2 = VectorMask.fromLong(F, 0xCC), O1 = VectorMask.fromLong(F, 0xAA);

    // two keys a pass (library shape), sums folded by an 8-lane tree; lane 2h+k = row h key k? see below
    static void logits2t(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride, float[] tmp) {
        int q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorShuffle<Float> sw4 = SW4, sw2 = SW2, sw1 = SW1; VectorMask<Float> o4 = O4, o2 = O2, o1 = O1;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + pos[j] * rowBytes, rowB = base + pos[j + 1] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                a0 = x.fma(kea, a0); b0 = x.fma(keb, b0);
                x = FloatVector.fromArray(F, q, q1 + c);
                a1 = x.fma(kea, a1); b1 = x.fma(keb, b1);
                x = FloatVector.fromArray(F, q, q2 + c);
                a2 = x.fma(kea, a2); b2 = x.fma(keb, b2);
                x = FloatVector.fromArray(F, q, q3 + c);
                a3 = x.fma(kea, a3); b3 = x.fma(keb, b3);
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                x = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = x.fma(koa, a0); b0 = x.fma(kob, b0);
                x = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = x.fma(koa, a1); b1 = x.fma(kob, b1);
                x = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = x.fma(koa, a2); b2 = x.fma(kob, b2);
                x = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = x.fma(koa, a3); b3 = x.fma(kob, b3);
            }
            // level 4: (a0,a2) -> lanes 0-3 row0-partials of a0, 4-7 of a2 ...
            FloatVector t02 = a0.blend(a2, o4).add(a2.blend(a0, o4).rearrange(sw4));
            FloatVector t13 = a1.blend(a3, o4).add(a3.blend(a1, o4).rearrange(sw4));
            FloatVector u02 = b0.blend(b2, o4).add(b2.blend(b0, o4).rearrange(sw4));
            FloatVector u13 = b1.blend(b3, o4).add(b3.blend(b1, o4).rearrange(sw4));
            FloatVector t = t02.blend(t13, o2).add(t13.blend(t02, o2).rearrange(sw2));
            FloatVector u = u02.blend(u13, o2).add(u13.blend(u02, o2).rearrange(sw2));
            FloatVector all = t.blend(u, o1).add(u.blend(t, o1).rearrange(sw1));
            // lane layout: level4 puts row0 in blocks 0-3 and row2 in 4-7; level2: rows 0,1 (lanes 0-1,2-3) 2,3 (4-5,6-7);
            // level1: even lanes key a, odd key b. lane = 4*(h>>1) + 2*(h&1) + k
            all.intoArray(tmp, 0);
            s[j] = tmp[0]; s[j + 1] = tmp[1];
            s[stride + j] = tmp[2]; s[stride + j + 1] = tmp[3];
            s[2 * stride + j] = tmp[4]; s[2 * stride + j + 1] = tmp[5];
            s[3 * stride + j] = tmp[6]; s[3 * stride + j + 1] = tmp[7];
        }
    }

    // two keys, library shape but even half then odd half (fewer live registers), reduceLanes
    static void logits2r(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        int q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + pos[j] * rowBytes, rowB = base + pos[j + 1] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                a0 = x.fma(kea, a0); b0 = x.fma(keb, b0);
                x = FloatVector.fromArray(F, q, q1 + c);
                a1 = x.fma(kea, a1); b1 = x.fma(keb, b1);
                x = FloatVector.fromArray(F, q, q2 + c);
                a2 = x.fma(kea, a2); b2 = x.fma(keb, b2);
                x = FloatVector.fromArray(F, q, q3 + c);
                a3 = x.fma(kea, a3); b3 = x.fma(keb, b3);
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                x = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = x.fma(koa, a0); b0 = x.fma(kob, b0);
                x = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = x.fma(koa, a1); b1 = x.fma(kob, b1);
                x = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = x.fma(koa, a2); b2 = x.fma(kob, b2);
                x = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = x.fma(koa, a3); b3 = x.fma(kob, b3);
            }
            s[j] = a0.reduceLanes(VectorOperators.ADD); s[j + 1] = b0.reduceLanes(VectorOperators.ADD);
            s[stride + j] = a1.reduceLanes(VectorOperators.ADD); s[stride + j + 1] = b1.reduceLanes(VectorOperators.ADD);
            s[2 * stride + j] = a2.reduceLanes(VectorOperators.ADD); s[2 * stride + j + 1] = b2.reduceLanes(VectorOperators.ADD);
            s[3 * stride + j] = a3.reduceLanes(VectorOperators.ADD); s[3 * stride + j + 1] = b3.reduceLanes(VectorOperators.ADD);
        }
    }
    // logits, one key a pass, 8 chains (4 rows x even/odd)
    static void logits1s(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        int q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        for (int j = 0; j < nb; j++) {
            long row = base + pos[j] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                FloatVector ke = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector ko = w.and(0xFFFF0000).reinterpretAsFloats();
                a0 = ke.fma(FloatVector.fromArray(F, q, q0 + c), a0);
                a1 = ke.fma(FloatVector.fromArray(F, q, q1 + c), a1);
                a2 = ke.fma(FloatVector.fromArray(F, q, q2 + c), a2);
                a3 = ke.fma(FloatVector.fromArray(F, q, q3 + c), a3);
                e0 = ko.fma(FloatVector.fromArray(F, q, q0 + c + L), e0);
                e1 = ko.fma(FloatVector.fromArray(F, q, q1 + c + L), e1);
                e2 = ko.fma(FloatVector.fromArray(F, q, q2 + c + L), e2);
                e3 = ko.fma(FloatVector.fromArray(F, q, q3 + c + L), e3);
            }
            s[j] = a0.add(e0).reduceLanes(VectorOperators.ADD);
            s[stride + j] = a1.add(e1).reduceLanes(VectorOperators.ADD);
            s[2 * stride + j] = a2.add(e2).reduceLanes(VectorOperators.ADD);
            s[3 * stride + j] = a3.add(e3).reduceLanes(VectorOperators.ADD);
        }
    }
    // two keys, library shape but even half then odd half (fewer live registers), reduceLanes
    static void logits2s(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        int q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + pos[j] * rowBytes, rowB = base + pos[j + 1] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                a0 = kea.fma(x, a0); b0 = keb.fma(x, b0);
                x = FloatVector.fromArray(F, q, q1 + c);
                a1 = kea.fma(x, a1); b1 = keb.fma(x, b1);
                x = FloatVector.fromArray(F, q, q2 + c);
                a2 = kea.fma(x, a2); b2 = keb.fma(x, b2);
                x = FloatVector.fromArray(F, q, q3 + c);
                a3 = kea.fma(x, a3); b3 = keb.fma(x, b3);
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                x = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = koa.fma(x, a0); b0 = kob.fma(x, b0);
                x = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = koa.fma(x, a1); b1 = kob.fma(x, b1);
                x = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = koa.fma(x, a2); b2 = kob.fma(x, b2);
                x = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = koa.fma(x, a3); b3 = kob.fma(x, b3);
            }
            s[j] = a0.reduceLanes(VectorOperators.ADD); s[j + 1] = b0.reduceLanes(VectorOperators.ADD);
            s[stride + j] = a1.reduceLanes(VectorOperators.ADD); s[stride + j + 1] = b1.reduceLanes(VectorOperators.ADD);
            s[2 * stride + j] = a2.reduceLanes(VectorOperators.ADD); s[2 * stride + j + 1] = b2.reduceLanes(VectorOperators.ADD);
            s[3 * stride + j] = a3.reduceLanes(VectorOperators.ADD); s[3 * stride + j + 1] = b3.reduceLanes(VectorOperators.ADD);
        }
    }
    // two keys, library shape but even half then odd half (fewer live registers), reduceLanes
    static void logits2n(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        int q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + pos[j] * rowBytes, rowB = base + pos[j + 1] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                a0 = x.fma(kea, a0); b0 = x.fma(keb, b0);
                x = FloatVector.fromArray(F, q, q1 + c);
                a1 = x.fma(kea, a1); b1 = x.fma(keb, b1);
                x = FloatVector.fromArray(F, q, q2 + c);
                a2 = x.fma(kea, a2); b2 = x.fma(keb, b2);
                x = FloatVector.fromArray(F, q, q3 + c);
                a3 = x.fma(kea, a3); b3 = x.fma(keb, b3);
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                x = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = x.fma(koa, a0); b0 = x.fma(kob, b0);
                x = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = x.fma(koa, a1); b1 = x.fma(kob, b1);
                x = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = x.fma(koa, a2); b2 = x.fma(kob, b2);
                x = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = x.fma(koa, a3); b3 = x.fma(kob, b3);
            }
            s[j] = a0.lane(0); s[j + 1] = b0.lane(0);
            s[stride + j] = a1.lane(0); s[stride + j + 1] = b1.lane(0);
            s[2 * stride + j] = a2.lane(0); s[2 * stride + j + 1] = b2.lane(0);
            s[3 * stride + j] = a3.lane(0); s[3 * stride + j + 1] = b3.lane(0);
        }
    }
    // two keys a pass (library shape), sums folded by an 8-lane tree; lane 2h+k = row h key k? see below
    static void logits2u(float[] q, int q0, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride, float[] tmp) {
        int q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorShuffle<Float> sw4 = SW4, sw2 = SW2, sw1 = SW1; VectorMask<Float> o4 = O4, o2 = O2, o1 = O1;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + pos[j] * rowBytes, rowB = base + pos[j + 1] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                a0 = x.fma(kea, a0); b0 = x.fma(keb, b0);
                x = FloatVector.fromArray(F, q, q1 + c);
                a1 = x.fma(kea, a1); b1 = x.fma(keb, b1);
                x = FloatVector.fromArray(F, q, q2 + c);
                a2 = x.fma(kea, a2); b2 = x.fma(keb, b2);
                x = FloatVector.fromArray(F, q, q3 + c);
                a3 = x.fma(kea, a3); b3 = x.fma(keb, b3);
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                x = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = x.fma(koa, a0); b0 = x.fma(kob, b0);
                x = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = x.fma(koa, a1); b1 = x.fma(kob, b1);
                x = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = x.fma(koa, a2); b2 = x.fma(kob, b2);
                x = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = x.fma(koa, a3); b3 = x.fma(kob, b3);
            }
            // level 4: (a0,a2) -> lanes 0-3 row0-partials of a0, 4-7 of a2 ...
            FloatVector t02 = a0.blend(a2, o4).add(a2.blend(a0, o4).rearrange(sw4));
            FloatVector t13 = a1.blend(a3, o4).add(a3.blend(a1, o4).rearrange(sw4));
            FloatVector u02 = b0.blend(b2, o4).add(b2.blend(b0, o4).rearrange(sw4));
            FloatVector u13 = b1.blend(b3, o4).add(b3.blend(b1, o4).rearrange(sw4));
            FloatVector t = t02.blend(t13, o2).add(t13.blend(t02, o2).rearrange(sw2));
            FloatVector u = u02.blend(u13, o2).add(u13.blend(u02, o2).rearrange(sw2));
            FloatVector all = t.blend(u, o1).add(u.blend(t, o1).rearrange(sw1));
            // lane layout: level4 puts row0 in blocks 0-3 and row2 in 4-7; level2: rows 0,1 (lanes 0-1,2-3) 2,3 (4-5,6-7);
            // level1: even lanes key a, odd key b. lane = 4*(h>>1) + 2*(h&1) + k
            all.intoArray(s, 4 * j);
        }
    }

    // P.V one chunk a pass, four rows: 8 accumulators
    static void pv1(float[] p, int rows, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, int d, float[] acc, int stride) {
        int o0 = 0, o1 = d, o2 = 2 * d, o3 = 3 * d; int p0 = 0, p1 = stride, p2 = 2 * stride, p3 = 3 * stride;
        for (int c = 0; c < d; c += CHUNK) {
            FloatVector e0 = FloatVector.fromArray(F, acc, o0 + c), d0 = FloatVector.fromArray(F, acc, o0 + c + L);
            FloatVector e1 = FloatVector.fromArray(F, acc, o1 + c), d1 = FloatVector.fromArray(F, acc, o1 + c + L);
            FloatVector e2 = FloatVector.fromArray(F, acc, o2 + c), d2 = FloatVector.fromArray(F, acc, o2 + c + L);
            FloatVector e3 = FloatVector.fromArray(F, acc, o3 + c), d3 = FloatVector.fromArray(F, acc, o3 + c + L);
            for (int j = 0; j < nb; j++) {
                long row = base + pos[j] * rowBytes;
                IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                FloatVector ve = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector vo = w.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector b0 = FloatVector.broadcast(F, p[p0 + j]);
                e0 = ve.fma(b0, e0); d0 = vo.fma(b0, d0);
                FloatVector b1 = FloatVector.broadcast(F, p[p1 + j]);
                e1 = ve.fma(b1, e1); d1 = vo.fma(b1, d1);
                FloatVector b2 = FloatVector.broadcast(F, p[p2 + j]);
                e2 = ve.fma(b2, e2); d2 = vo.fma(b2, d2);
                FloatVector b3 = FloatVector.broadcast(F, p[p3 + j]);
                e3 = ve.fma(b3, e3); d3 = vo.fma(b3, d3);
            }
            e0.intoArray(acc, o0 + c); d0.intoArray(acc, o0 + c + L);
            e1.intoArray(acc, o1 + c); d1.intoArray(acc, o1 + c + L);
            e2.intoArray(acc, o2 + c); d2.intoArray(acc, o2 + c + L);
            e3.intoArray(acc, o3 + c); d3.intoArray(acc, o3 + c + L);
        }
    }

    // P.V two rows x two chunks a pass: 8 accumulators, each broadcast feeds 4 FMAs
    static void pv22(float[] p, int rows, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, int d, float[] acc, int stride) {
        for (int h = 0; h < rows; h += 2) {
            int o0 = h * d, o1 = o0 + d, p0 = h * stride, p1 = p0 + stride;
            for (int c = 0; c < d; c += 2 * CHUNK) {
                int c2 = c + CHUNK;
                FloatVector e0 = FloatVector.fromArray(F, acc, o0 + c), d0 = FloatVector.fromArray(F, acc, o0 + c + L);
                FloatVector f0 = FloatVector.fromArray(F, acc, o0 + c2), g0 = FloatVector.fromArray(F, acc, o0 + c2 + L);
                FloatVector e1 = FloatVector.fromArray(F, acc, o1 + c), d1 = FloatVector.fromArray(F, acc, o1 + c + L);
                FloatVector f1 = FloatVector.fromArray(F, acc, o1 + c2), g1 = FloatVector.fromArray(F, acc, o1 + c2 + L);
                for (int j = 0; j < nb; j++) {
                    long row = base + pos[j] * rowBytes;
                    IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                    IntVector x = IntVector.fromMemorySegment(I, seg, row + 2L * c2, LE);
                    FloatVector b0 = FloatVector.broadcast(F, p[p0 + j]);
                    FloatVector b1 = FloatVector.broadcast(F, p[p1 + j]);
                    FloatVector ve = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    e0 = ve.fma(b0, e0); e1 = ve.fma(b1, e1);
                    FloatVector vo = w.and(0xFFFF0000).reinterpretAsFloats();
                    d0 = vo.fma(b0, d0); d1 = vo.fma(b1, d1);
                    FloatVector xe = x.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    f0 = xe.fma(b0, f0); f1 = xe.fma(b1, f1);
                    FloatVector xo = x.and(0xFFFF0000).reinterpretAsFloats();
                    g0 = xo.fma(b0, g0); g1 = xo.fma(b1, g1);
                }
                e0.intoArray(acc, o0 + c); d0.intoArray(acc, o0 + c + L); f0.intoArray(acc, o0 + c2); g0.intoArray(acc, o0 + c2 + L);
                e1.intoArray(acc, o1 + c); d1.intoArray(acc, o1 + c + L); f1.intoArray(acc, o1 + c2); g1.intoArray(acc, o1 + c2 + L);
            }
        }
    }

    // P.V one row x four chunks a pass (8 accumulators, one broadcast feeds 8 FMAs)
    static void pv14(float[] p, int rows, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, int d, float[] acc, int stride) {
        for (int h = 0; h < rows; h++) {
            int o0 = h * d, p0 = h * stride;
            for (int c = 0; c < d; c += 4 * CHUNK) {
                FloatVector a0 = FloatVector.fromArray(F, acc, o0 + c), a1 = FloatVector.fromArray(F, acc, o0 + c + L);
                FloatVector a2 = FloatVector.fromArray(F, acc, o0 + c + 2 * L), a3 = FloatVector.fromArray(F, acc, o0 + c + 3 * L);
                FloatVector a4 = FloatVector.fromArray(F, acc, o0 + c + 4 * L), a5 = FloatVector.fromArray(F, acc, o0 + c + 5 * L);
                FloatVector a6 = FloatVector.fromArray(F, acc, o0 + c + 6 * L), a7 = FloatVector.fromArray(F, acc, o0 + c + 7 * L);
                for (int j = 0; j < nb; j++) {
                    long row = base + pos[j] * rowBytes + 2L * c;
                    FloatVector b = FloatVector.broadcast(F, p[p0 + j]);
                    IntVector w = IntVector.fromMemorySegment(I, seg, row, LE);
                    a0 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(b, a0);
                    a1 = w.and(0xFFFF0000).reinterpretAsFloats().fma(b, a1);
                    w = IntVector.fromMemorySegment(I, seg, row + 32, LE);
                    a2 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(b, a2);
                    a3 = w.and(0xFFFF0000).reinterpretAsFloats().fma(b, a3);
                    w = IntVector.fromMemorySegment(I, seg, row + 64, LE);
                    a4 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(b, a4);
                    a5 = w.and(0xFFFF0000).reinterpretAsFloats().fma(b, a5);
                    w = IntVector.fromMemorySegment(I, seg, row + 96, LE);
                    a6 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(b, a6);
                    a7 = w.and(0xFFFF0000).reinterpretAsFloats().fma(b, a7);
                }
                a0.intoArray(acc, o0 + c); a1.intoArray(acc, o0 + c + L); a2.intoArray(acc, o0 + c + 2 * L); a3.intoArray(acc, o0 + c + 3 * L);
                a4.intoArray(acc, o0 + c + 4 * L); a5.intoArray(acc, o0 + c + 5 * L); a6.intoArray(acc, o0 + c + 6 * L); a7.intoArray(acc, o0 + c + 7 * L);
            }
        }
    }

    /** q of four rows interleaved by chunk: [chunk][row][even L, odd L] (qi length 4 d). */
    static void interleave(float[] qp, int q0, int d, float[] qi) {
        for (int c = 0, o = 0; c < d; c += CHUNK) for (int h = 0; h < 4; h++) { System.arraycopy(qp, q0 + h * d + c, qi, o, CHUNK); o += CHUNK; }
    }
    static final jdk.incubator.vector.VectorSpecies<Float> FF = F;
    // one key a pass, q interleaved in a heap segment, long offsets
    static void logits1m(MemorySegment qs, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        long qb = 4L * L; // bytes per vector
        for (int j = 0; j < nb; j++) {
            long row = base + pos[j] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
            long qo = 0;
            for (long c = 0; c < 2L * d; c += 2L * CHUNK, qo += 8 * qb) {
                IntVector w = IntVector.fromMemorySegment(I, seg, row + c, LE);
                FloatVector ke = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector ko = w.and(0xFFFF0000).reinterpretAsFloats();
                a0 = ke.fma(FloatVector.fromMemorySegment(F, qs, qo, LE), a0);
                e0 = ko.fma(FloatVector.fromMemorySegment(F, qs, qo + qb, LE), e0);
                a1 = ke.fma(FloatVector.fromMemorySegment(F, qs, qo + 2 * qb, LE), a1);
                e1 = ko.fma(FloatVector.fromMemorySegment(F, qs, qo + 3 * qb, LE), e1);
                a2 = ke.fma(FloatVector.fromMemorySegment(F, qs, qo + 4 * qb, LE), a2);
                e2 = ko.fma(FloatVector.fromMemorySegment(F, qs, qo + 5 * qb, LE), e2);
                a3 = ke.fma(FloatVector.fromMemorySegment(F, qs, qo + 6 * qb, LE), a3);
                e3 = ko.fma(FloatVector.fromMemorySegment(F, qs, qo + 7 * qb, LE), e3);
            }
            s[j] = a0.add(e0).reduceLanes(VectorOperators.ADD);
            s[stride + j] = a1.add(e1).reduceLanes(VectorOperators.ADD);
            s[2 * stride + j] = a2.add(e2).reduceLanes(VectorOperators.ADD);
            s[3 * stride + j] = a3.add(e3).reduceLanes(VectorOperators.ADD);
        }
    }
    // same, int indices into the interleaved array
    static void logits1i(float[] qi, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        for (int j = 0; j < nb; j++) {
            long row = base + pos[j] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                FloatVector ke = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector ko = w.and(0xFFFF0000).reinterpretAsFloats();
                int o = 4 * c;
                a0 = ke.fma(FloatVector.fromArray(F, qi, o), a0);
                e0 = ko.fma(FloatVector.fromArray(F, qi, o + L), e0);
                a1 = ke.fma(FloatVector.fromArray(F, qi, o + 2 * L), a1);
                e1 = ko.fma(FloatVector.fromArray(F, qi, o + 3 * L), e1);
                a2 = ke.fma(FloatVector.fromArray(F, qi, o + 4 * L), a2);
                e2 = ko.fma(FloatVector.fromArray(F, qi, o + 5 * L), e2);
                a3 = ke.fma(FloatVector.fromArray(F, qi, o + 6 * L), a3);
                e3 = ko.fma(FloatVector.fromArray(F, qi, o + 7 * L), e3);
            }
            s[j] = a0.add(e0).reduceLanes(VectorOperators.ADD);
            s[stride + j] = a1.add(e1).reduceLanes(VectorOperators.ADD);
            s[2 * stride + j] = a2.add(e2).reduceLanes(VectorOperators.ADD);
            s[3 * stride + j] = a3.add(e3).reduceLanes(VectorOperators.ADD);
        }
    }

    /** four rows, interleaved and duplicated by chunk: [chunk][row][copy][even L, odd L]: 8 CHUNK floats a chunk. */
    static void interleave2(float[] qp, int q0, int d, float[] qd) {
        for (int c = 0, o = 0; c < d; c += CHUNK) for (int h = 0; h < 4; h++) for (int k = 0; k < 2; k++) { System.arraycopy(qp, q0 + h * d + c, qd, o, CHUNK); o += CHUNK; }
    }
    // two keys x four rows; every q load used once (two copies), so C2 folds it into the FMA
    static void logits2q(float[] qd, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        int end = 8 * d;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + pos[j] * rowBytes, rowB = base + pos[j + 1] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int o = 0; o < end; o += 8 * CHUNK) {
                long kc = o / 4; // bytes into the row: 2 * (o / 8)
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + kc, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + kc, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                a0 = kea.fma(FloatVector.fromArray(F, qd, o), a0);
                a0 = koa.fma(FloatVector.fromArray(F, qd, o + L), a0);
                b0 = keb.fma(FloatVector.fromArray(F, qd, o + 2 * L), b0);
                b0 = kob.fma(FloatVector.fromArray(F, qd, o + 3 * L), b0);
                a1 = kea.fma(FloatVector.fromArray(F, qd, o + 4 * L), a1);
                a1 = koa.fma(FloatVector.fromArray(F, qd, o + 5 * L), a1);
                b1 = keb.fma(FloatVector.fromArray(F, qd, o + 6 * L), b1);
                b1 = kob.fma(FloatVector.fromArray(F, qd, o + 7 * L), b1);
                a2 = kea.fma(FloatVector.fromArray(F, qd, o + 8 * L), a2);
                a2 = koa.fma(FloatVector.fromArray(F, qd, o + 9 * L), a2);
                b2 = keb.fma(FloatVector.fromArray(F, qd, o + 10 * L), b2);
                b2 = kob.fma(FloatVector.fromArray(F, qd, o + 11 * L), b2);
                a3 = kea.fma(FloatVector.fromArray(F, qd, o + 12 * L), a3);
                a3 = koa.fma(FloatVector.fromArray(F, qd, o + 13 * L), a3);
                b3 = keb.fma(FloatVector.fromArray(F, qd, o + 14 * L), b3);
                b3 = kob.fma(FloatVector.fromArray(F, qd, o + 15 * L), b3);
            }
            s[j] = a0.reduceLanes(VectorOperators.ADD); s[j + 1] = b0.reduceLanes(VectorOperators.ADD);
            s[stride + j] = a1.reduceLanes(VectorOperators.ADD); s[stride + j + 1] = b1.reduceLanes(VectorOperators.ADD);
            s[2 * stride + j] = a2.reduceLanes(VectorOperators.ADD); s[2 * stride + j + 1] = b2.reduceLanes(VectorOperators.ADD);
            s[3 * stride + j] = a3.reduceLanes(VectorOperators.ADD); s[3 * stride + j + 1] = b3.reduceLanes(VectorOperators.ADD);
        }
    }
    // same, no reductions (timing only)
    static void logits2qn(float[] qd, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        int end = 8 * d;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + pos[j] * rowBytes, rowB = base + pos[j + 1] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int o = 0; o < end; o += 8 * CHUNK) {
                long kc = o / 4;
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + kc, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + kc, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                a0 = kea.fma(FloatVector.fromArray(F, qd, o), a0);
                a0 = koa.fma(FloatVector.fromArray(F, qd, o + L), a0);
                b0 = keb.fma(FloatVector.fromArray(F, qd, o + 2 * L), b0);
                b0 = kob.fma(FloatVector.fromArray(F, qd, o + 3 * L), b0);
                a1 = kea.fma(FloatVector.fromArray(F, qd, o + 4 * L), a1);
                a1 = koa.fma(FloatVector.fromArray(F, qd, o + 5 * L), a1);
                b1 = keb.fma(FloatVector.fromArray(F, qd, o + 6 * L), b1);
                b1 = kob.fma(FloatVector.fromArray(F, qd, o + 7 * L), b1);
                a2 = kea.fma(FloatVector.fromArray(F, qd, o + 8 * L), a2);
                a2 = koa.fma(FloatVector.fromArray(F, qd, o + 9 * L), a2);
                b2 = keb.fma(FloatVector.fromArray(F, qd, o + 10 * L), b2);
                b2 = kob.fma(FloatVector.fromArray(F, qd, o + 11 * L), b2);
                a3 = kea.fma(FloatVector.fromArray(F, qd, o + 12 * L), a3);
                a3 = koa.fma(FloatVector.fromArray(F, qd, o + 13 * L), a3);
                b3 = keb.fma(FloatVector.fromArray(F, qd, o + 14 * L), b3);
                b3 = kob.fma(FloatVector.fromArray(F, qd, o + 15 * L), b3);
            }
            s[j] = a0.lane(0); s[j + 1] = b0.lane(0);
            s[stride + j] = a1.lane(0); s[stride + j + 1] = b1.lane(0);
            s[2 * stride + j] = a2.lane(0); s[2 * stride + j + 1] = b2.lane(0);
            s[3 * stride + j] = a3.lane(0); s[3 * stride + j + 1] = b3.lane(0);
        }
    }

    // P.V one chunk a pass, four rows, two keys an iteration (same 8 accumulators), row offsets precomputed
    static void pv1u(float[] p, int rows, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, int d, float[] acc, int stride, long[] off) {
        for (int j = 0; j < nb; j++) off[j] = base + pos[j] * rowBytes;
        int o0 = 0, o1 = d, o2 = 2 * d, o3 = 3 * d; int p1 = stride, p2 = 2 * stride, p3 = 3 * stride;
        for (int c = 0; c < d; c += CHUNK) {
            FloatVector e0 = FloatVector.fromArray(F, acc, o0 + c), d0 = FloatVector.fromArray(F, acc, o0 + c + L);
            FloatVector e1 = FloatVector.fromArray(F, acc, o1 + c), d1 = FloatVector.fromArray(F, acc, o1 + c + L);
            FloatVector e2 = FloatVector.fromArray(F, acc, o2 + c), d2 = FloatVector.fromArray(F, acc, o2 + c + L);
            FloatVector e3 = FloatVector.fromArray(F, acc, o3 + c), d3 = FloatVector.fromArray(F, acc, o3 + c + L);
            long cb = 2L * c;
            int j = 0;
            for (; j + 2 <= nb; j += 2) {
                IntVector w = IntVector.fromMemorySegment(I, seg, off[j] + cb, LE);
                IntVector x = IntVector.fromMemorySegment(I, seg, off[j + 1] + cb, LE);
                FloatVector ve = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector vo = w.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector b = FloatVector.broadcast(F, p[j]);
                e0 = ve.fma(b, e0); d0 = vo.fma(b, d0);
                b = FloatVector.broadcast(F, p[p1 + j]);
                e1 = ve.fma(b, e1); d1 = vo.fma(b, d1);
                b = FloatVector.broadcast(F, p[p2 + j]);
                e2 = ve.fma(b, e2); d2 = vo.fma(b, d2);
                b = FloatVector.broadcast(F, p[p3 + j]);
                e3 = ve.fma(b, e3); d3 = vo.fma(b, d3);
                ve = x.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                vo = x.and(0xFFFF0000).reinterpretAsFloats();
                b = FloatVector.broadcast(F, p[j + 1]);
                e0 = ve.fma(b, e0); d0 = vo.fma(b, d0);
                b = FloatVector.broadcast(F, p[p1 + j + 1]);
                e1 = ve.fma(b, e1); d1 = vo.fma(b, d1);
                b = FloatVector.broadcast(F, p[p2 + j + 1]);
                e2 = ve.fma(b, e2); d2 = vo.fma(b, d2);
                b = FloatVector.broadcast(F, p[p3 + j + 1]);
                e3 = ve.fma(b, e3); d3 = vo.fma(b, d3);
            }
            e0.intoArray(acc, o0 + c); d0.intoArray(acc, o0 + c + L);
            e1.intoArray(acc, o1 + c); d1.intoArray(acc, o1 + c + L);
            e2.intoArray(acc, o2 + c); d2.intoArray(acc, o2 + c + L);
            e3.intoArray(acc, o3 + c); d3.intoArray(acc, o3 + c + L);
        }
    }
    // P.V one chunk a pass, row offsets precomputed, one key an iteration
    static void pv1o(float[] p, int rows, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, int d, float[] acc, int stride, long[] off) {
        for (int j = 0; j < nb; j++) off[j] = base + pos[j] * rowBytes;
        int o0 = 0, o1 = d, o2 = 2 * d, o3 = 3 * d; int p1 = stride, p2 = 2 * stride, p3 = 3 * stride;
        for (int c = 0; c < d; c += CHUNK) {
            FloatVector e0 = FloatVector.fromArray(F, acc, o0 + c), d0 = FloatVector.fromArray(F, acc, o0 + c + L);
            FloatVector e1 = FloatVector.fromArray(F, acc, o1 + c), d1 = FloatVector.fromArray(F, acc, o1 + c + L);
            FloatVector e2 = FloatVector.fromArray(F, acc, o2 + c), d2 = FloatVector.fromArray(F, acc, o2 + c + L);
            FloatVector e3 = FloatVector.fromArray(F, acc, o3 + c), d3 = FloatVector.fromArray(F, acc, o3 + c + L);
            long cb = 2L * c;
            for (int j = 0; j < nb; j++) {
                IntVector w = IntVector.fromMemorySegment(I, seg, off[j] + cb, LE);
                FloatVector ve = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector vo = w.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector b = FloatVector.broadcast(F, p[j]);
                e0 = ve.fma(b, e0); d0 = vo.fma(b, d0);
                b = FloatVector.broadcast(F, p[p1 + j]);
                e1 = ve.fma(b, e1); d1 = vo.fma(b, d1);
                b = FloatVector.broadcast(F, p[p2 + j]);
                e2 = ve.fma(b, e2); d2 = vo.fma(b, d2);
                b = FloatVector.broadcast(F, p[p3 + j]);
                e3 = ve.fma(b, e3); d3 = vo.fma(b, d3);
            }
            e0.intoArray(acc, o0 + c); d0.intoArray(acc, o0 + c + L);
            e1.intoArray(acc, o1 + c); d1.intoArray(acc, o1 + c + L);
            e2.intoArray(acc, o2 + c); d2.intoArray(acc, o2 + c + L);
            e3.intoArray(acc, o3 + c); d3.intoArray(acc, o3 + c + L);
        }
    }
}
