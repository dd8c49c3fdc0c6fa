import jdk.incubator.vector.*;
public class FmaClock256 {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static float dep(long n, float[] in) {
        FloatVector v = FloatVector.fromArray(F, in, 0), y = FloatVector.fromArray(F, in, 8), z = FloatVector.fromArray(F, in, 32);
        for (long i = 0; i < n; i++) v = v.fma(y, z);
        return v.reduceLanes(VectorOperators.ADD);
    }
    static float indep(long n, float[] in) {
        FloatVector x = FloatVector.fromArray(F, in, 0), y = FloatVector.fromArray(F, in, 8), z = FloatVector.fromArray(F, in, 32);
        FloatVector c0 = x, c1 = x, c2 = x, c3 = x, c4 = x, c5 = x, c6 = x, c7 = x, c8 = x, c9 = x, c10 = x, c11 = x;
        for (long i = 0; i < n; i++) { c0 = c0.fma(y, z); c1 = c1.fma(y, z); c2 = c2.fma(y, z); c3 = c3.fma(y, z); c4 = c4.fma(y, z); c5 = c5.fma(y, z); c6 = c6.fma(y, z); c7 = c7.fma(y, z); c8 = c8.fma(y, z); c9 = c9.fma(y, z); c10 = c10.fma(y, z); c11 = c11.fma(y, z); }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11).reduceLanes(VectorOperators.ADD);
    }
    public static void main(String[] a) {
        float[] in = new float[48]; for (int i = 0; i < 48; i++) in[i] = i < 16 ? 1f : i < 32 ? 0.999999f : 1e-7f;
        float s = 0;
        for (int r = 0; r < 30; r++) {
            long n = r < 20 ? 10_000 : 100_000_000L;
            long t0 = System.nanoTime(); s += dep(n, in); long t1 = System.nanoTime(); s += indep(n / 12, in); long t2 = System.nanoTime();
            if (r >= 26) System.out.printf("dependent FMA %.3f ns (4-cycle latency -> %.2f GHz); 12 chains %.3f ns per FMA (%.2f per ns)%n",
                (t1 - t0) / (double) n, 4.0 / ((t1 - t0) / (double) n), (t2 - t1) / (double) (n / 12 * 12), (n / 12 * 12) / (double) (t2 - t1));
        }
        System.out.println(s);
    }
}
