package dev.kascade.cpu;

import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import jdk.incubator.vector.*;

/** Throwaway: Bf16Pairs.accumulate (one chunk, 8 chains) vs two chunks a pass (16 chains), in L2, one thread. */
public class AccBench {
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final int CHUNK = 2 * L;

    static void acc2(float[] p, int rows, MemorySegment seg, long base, long rowBytes, int first, int nb, int d, float[] acc, int accOff, int stride) {
        for (int h = 0; h + 4 <= rows; h += 4) {
            int o0 = accOff + h * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
            int p0 = h * stride, p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride;
            for (int c = 0; c < d; c += 2 * CHUNK) {
                int c2 = c + CHUNK;
                FloatVector e0 = FloatVector.fromArray(F, acc, o0 + c), d0 = FloatVector.fromArray(F, acc, o0 + c + L);
                FloatVector e1 = FloatVector.fromArray(F, acc, o1 + c), d1 = FloatVector.fromArray(F, acc, o1 + c + L);
                FloatVector e2 = FloatVector.fromArray(F, acc, o2 + c), d2 = FloatVector.fromArray(F, acc, o2 + c + L);
                FloatVector e3 = FloatVector.fromArray(F, acc, o3 + c), d3 = FloatVector.fromArray(F, acc, o3 + c + L);
                FloatVector f0 = FloatVector.fromArray(F, acc, o0 + c2), g0 = FloatVector.fromArray(F, acc, o0 + c2 + L);
                FloatVector f1 = FloatVector.fromArray(F, acc, o1 + c2), g1 = FloatVector.fromArray(F, acc, o1 + c2 + L);
                FloatVector f2 = FloatVector.fromArray(F, acc, o2 + c2), g2 = FloatVector.fromArray(F, acc, o2 + c2 + L);
                FloatVector f3 = FloatVector.fromArray(F, acc, o3 + c2), g3 = FloatVector.fromArray(F, acc, o3 + c2 + L);
                for (int j = 0; j < nb; j++) {
                    long row = base + (first + j) * rowBytes;
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
                    e0 = ve.fma(b0, e0); d0 = vo.fma(b0, d0); f0 = xe.fma(b0, f0); g0 = xo.fma(b0, g0);
                    e1 = ve.fma(b1, e1); d1 = vo.fma(b1, d1); f1 = xe.fma(b1, f1); g1 = xo.fma(b1, g1);
                    e2 = ve.fma(b2, e2); d2 = vo.fma(b2, d2); f2 = xe.fma(b2, f2); g2 = xo.fma(b2, g2);
                    e3 = ve.fma(b3, e3); d3 = vo.fma(b3, d3); f3 = xe.fma(b3, f3); g3 = xo.fma(b3, g3);
                }
                e0.intoArray(acc, o0 + c); d0.intoArray(acc, o0 + c + L);
                e1.intoArray(acc, o1 + c); d1.intoArray(acc, o1 + c + L);
                e2.intoArray(acc, o2 + c); d2.intoArray(acc, o2 + c + L);
                e3.intoArray(acc, o3 + c); d3.intoArray(acc, o3 + c + L);
                f0.intoArray(acc, o0 + c2); g0.intoArray(acc, o0 + c2 + L);
                f1.intoArray(acc, o1 + c2); g1.intoArray(acc, o1 + c2 + L);
                f2.intoArray(acc, o2 + c2); g2.intoArray(acc, o2 + c2 + L);
                f3.intoArray(acc, o3 + c2); g3.intoArray(acc, o3 + c2 + L);
            }
        }
    }

    public static void main(String[] a) throws Exception {
        int D = 128, G = 4, BK = 512;
        Arena arena = Arena.ofShared();
        MemorySegment vs = arena.allocate((long) BK * D * 2, 64);
        Random r = new Random(1);
        for (long i = 0; i < BK * D; i++) vs.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16));
        float[] s = new float[G * BK]; for (int i = 0; i < s.length; i++) s[i] = r.nextFloat();
        float[] acc1 = new float[G * D], acc2 = new float[G * D];
        int blocks = 64; double per = blocks * (double) BK;
        double b1 = 1e9, b2 = 1e9;
        for (int round = 0; round < 40; round++) {
            long t0 = System.nanoTime();
            for (int b = 0; b < blocks; b++) Bf16Pairs.accumulate(s, G, vs, 0, 2L * D, 0, null, 0, BK, D, acc1, 0, BK);
            long t1 = System.nanoTime();
            for (int b = 0; b < blocks; b++) acc2(s, G, vs, 0, 2L * D, 0, BK, D, acc2, 0, BK);
            long t2 = System.nanoTime();
            b1 = Math.min(b1, (t1 - t0) / per); b2 = Math.min(b2, (t2 - t1) / per);
        }
        double maxd = 0; for (int i = 0; i < acc1.length; i++) maxd = Math.max(maxd, Math.abs(acc1[i] - acc2[i]));
        System.out.printf("accumulate per key-head: one chunk %.2f ns, two chunks %.2f ns (max diff %.3g)%n", b1, b2, maxd);
    }
}
