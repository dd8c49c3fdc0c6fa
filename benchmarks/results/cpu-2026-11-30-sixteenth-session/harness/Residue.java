package dev.kascade.bench;

import java.lang.foreign.*;
import java.util.*;

/** Throwaway: does the bench's reuse timing profit from the anchor call just before it (same K/V, same sets)? */
public class Residue {
    static long sink;
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        BenchSpec spec = BenchSpec.defaults(BenchMode.DECODE);
        SyntheticWorkload w = new SyntheticWorkload(spec.workload());
        MemorySegment flush = Arena.global().allocate(256L << 20, 64);
        try (CpuDecodeTimer t = new CpuDecodeTimer(spec, w); CpuDecodeTimer t2 = new CpuDecodeTimer(spec, w)) {
            t2.time(TimedRole.DENSE, 25, 1);
            for (TimedRole r : TimedRole.values()) t.time(r, 25, 1);
            // orders: 0 = after anchor (as the bench), 1 = after a 256 MB read, 2 = after dense, 3 = after layer 0
            double[][] s = new double[4][rounds];
            for (int i = 0; i < rounds; i++) {
                for (int o0 = 0; o0 < 4; o0++) {
                    int o = (o0 + i) % 4;
                    switch (o) {
                        case 0 -> t.time(TimedRole.ANCHOR, 0, 1);
                        case 1 -> { long x = 0; for (long p = 0; p < flush.byteSize(); p += 64) x += flush.get(ValueLayout.JAVA_LONG, p); sink += x; }
                        case 2 -> t.time(TimedRole.DENSE, 0, 1);
                        case 3 -> t2.time(TimedRole.DENSE, 0, 1);
                    }
                    s[o][i] = t.time(TimedRole.REUSE, 0, 1)[0];
                }
            }
            double[][] d = new double[2][rounds];
            for (int i = 0; i < rounds; i++) {
                for (int o0 = 0; o0 < 2; o0++) { int o = (o0 + i) % 2;
                    if (o == 0) t.time(TimedRole.REUSE, 0, 1); else t2.time(TimedRole.DENSE, 0, 1);
                    d[o][i] = t.time(TimedRole.DENSE, 0, 1)[0]; }
            }
            System.out.printf("dense after reuse min %.3f med %.3f; after other dense min %.3f med %.3f%n", BenchRunner.best(d[0]), BenchRunner.median(d[0]), BenchRunner.best(d[1]), BenchRunner.median(d[1]));
            String[] names = {"after anchor", "after 256MB read", "after dense", "after other dense"};
            for (int o = 0; o < 4; o++) System.out.printf("reuse %-17s min %.3f med %.3f ms%n", names[o], BenchRunner.best(s[o]), BenchRunner.median(s[o]));
        }
        System.out.println(sink);
    }
}
