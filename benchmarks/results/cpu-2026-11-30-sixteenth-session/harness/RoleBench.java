package dev.kascade.bench;

/** Throwaway: time the given roles (rounds of one call each, layer copies rotated) and print min / median. */
public class RoleBench {
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        BenchSpec spec = BenchSpec.defaults(BenchMode.DECODE);
        SyntheticWorkload w = new SyntheticWorkload(spec.workload());
        TimedRole[] roles = new TimedRole[a.length - 1];
        for (int i = 1; i < a.length; i++) roles[i - 1] = TimedRole.valueOf(a[i]);
        try (CpuDecodeTimer t = new CpuDecodeTimer(spec, w)) {
            for (TimedRole r : roles) t.time(r, 25, 1);
            double[][] s = new double[roles.length][rounds];
            for (int i = 0; i < rounds; i++) for (int r = 0; r < roles.length; r++) s[r][i] = t.time(roles[r], 0, 1)[0];
            StringBuilder b = new StringBuilder(System.getProperty("tag", "") + " copies " + t.layerCopies());
            for (int r = 0; r < roles.length; r++) b.append(String.format(" | %s %.3f / %.3f", roles[r], BenchRunner.best(s[r]), BenchRunner.median(s[r])));
            System.out.println(b);
            try { for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/smaps_rollup"))) if (l.startsWith("AnonHuge") || l.startsWith("Rss")) System.out.println(l); } catch (Exception e) { }
        }
    }
}
