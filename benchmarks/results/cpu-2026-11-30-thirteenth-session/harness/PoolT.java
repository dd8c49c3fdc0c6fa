import dev.kascade.cpu.CpuPool;
public class PoolT {
    public static void main(String[] a) throws Exception {
        CpuPool pool = new CpuPool(2);
        long[] st = new long[2]; int[] cnt = new int[2]; double[] tot = new double[40]; int[] w1c = new int[40];
        long gap = Long.parseLong(a[0]);
        for (int it = 0; it < 40; it++) {
            long e = System.nanoTime() + gap * 1000; while (System.nanoTime() < e) {}
            st[0] = st[1] = 0; cnt[0] = cnt[1] = 0;
            long t0 = System.nanoTime();
            pool.run(16, (t, w) -> { cnt[w]++; if (st[w] == 0) st[w] = System.nanoTime(); long e2 = System.nanoTime() + 20000; while (System.nanoTime() < e2) {} });
            long t1 = System.nanoTime();
            tot[it] = (t1-t0)/1e3; w1c[it] = cnt[1];
        }
        double[] t = java.util.Arrays.copyOfRange(tot, 10, 40); java.util.Arrays.sort(t); int zero = 0; for (int i = 10; i < 40; i++) if (w1c[i] == 0) zero++;
        System.out.printf("gap %d us: total min %.0f median %.0f max %.0f us; helper absent in %d of 30 calls%n", gap, t[0], t[15], t[29], zero);
    }
}
