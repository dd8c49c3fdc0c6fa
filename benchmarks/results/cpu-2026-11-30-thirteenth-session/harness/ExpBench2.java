package dev.kascade.cpu;
import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;
import jdk.incubator.vector.*;
public class ExpBench2 {
    static final float LOG2E = 1.44269504088896341f, MAGIC = 12582912f; // 1.5 * 2^23
    static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    // e^g on [-ln2/2, ln2/2]: Taylor-ish minimax coefficients (Cephes expf)
    static final float P0 = 1.9875691500E-4f, P1 = 1.3981999507E-3f, P2 = 8.3334519073E-3f, P3 = 4.1665795894E-2f, P4 = 1.6666665459E-1f, P5 = 5.0000001201E-1f;
    static FloatVector exp(FloatVector x) {
        FloatVector r = x.fma(LOG2E, MAGIC);                 // MAGIC + round(x log2 e)
        FloatVector n = r.sub(MAGIC);
        FloatVector g = n.mul(-LN2_HI).add(x);
        g = n.mul(-LN2_LO).add(g);
        FloatVector p = g.fma(P0, P1);
        p = p.fma(g, FloatVector.broadcast(F, P2));
        p = p.fma(g, FloatVector.broadcast(F, P3));
        p = p.fma(g, FloatVector.broadcast(F, P4));
        p = p.fma(g, FloatVector.broadcast(F, P5));
        FloatVector g2 = g.mul(g);
        p = p.fma(g2, g).add(1f);
        IntVector bits = p.reinterpretAsInts().add(r.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23));
        FloatVector e = bits.reinterpretAsFloats();
        return e.blend(0f, x.compare(VectorOperators.LT, -87.0f));
    }
    public static void main(String[] a) {
        // accuracy
        double worst = 0; float worstX = 0;
        for (int i = 0; i <= 2000000; i++) {
            float x = -100f * i / 2000000f;
            float[] in = new float[L]; java.util.Arrays.fill(in, x);
            float got = exp(FloatVector.fromArray(F, in, 0)).lane(0);
            double want = Math.exp(x);
            double err = want < 1e-37 ? Math.abs(got - want) / 1e-37 : Math.abs(got - want) / want;
            if (err > worst) { worst = err; worstX = x; }
        }
        float[] sp = new float[L]; java.util.Arrays.fill(sp, Float.NEGATIVE_INFINITY); sp[1] = Float.NaN; sp[2] = 0f; sp[3] = -0f; sp[4] = -87.5f; sp[5] = -86.9f;
        FloatVector ev = exp(FloatVector.fromArray(F, sp, 0));
        System.out.printf("max rel err %.3g at %g; exp(-inf)=%g exp(NaN)=%g exp(0)=%g exp(-0)=%g exp(-87.5)=%g exp(-86.9)=%g (%g)%n", worst, worstX, ev.lane(0), ev.lane(1), ev.lane(2), ev.lane(3), ev.lane(4), ev.lane(5), Math.exp(-86.9));
        float[] s2 = new float[2048]; java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < s2.length; i++) s2[i] = (float) (r.nextGaussian() * 2 - 4);
        double b1 = 1e9, b2 = 1e9; float sink = 0;
        for (int round = 0; round < 50; round++) {
            long t0 = System.nanoTime();
            FloatVector sum = FloatVector.zero(F), sum2 = sum;
            for (int it = 0; it < 200; it++) for (int j = 0; j < 2048; j += L) sum = sum.add(FloatVector.fromArray(F, s2, j).lanewise(VectorOperators.EXP));
            long t1 = System.nanoTime();
            for (int it = 0; it < 200; it++) for (int j = 0; j < 2048; j += L) sum2 = sum2.add(exp(FloatVector.fromArray(F, s2, j)));
            long t2 = System.nanoTime();
            sink += sum.reduceLanes(VectorOperators.ADD) - sum2.reduceLanes(VectorOperators.ADD);
            b1 = Math.min(b1, (t1 - t0) / (200.0 * 2048 / L)); b2 = Math.min(b2, (t2 - t1) / (200.0 * 2048 / L));
        }
        System.out.printf("per 16-lane vector: EXP %.2f ns, polynomial %.2f ns (sum diff %g)%n", b1, b2, sink);
    }
}
