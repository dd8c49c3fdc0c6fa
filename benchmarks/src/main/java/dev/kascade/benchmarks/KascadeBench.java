package dev.kascade.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Settings every Kascade benchmark shares: average time per call in milliseconds, one forked JVM with the
 * project's flags (tornado-config/jvm.args: the Vector API, native access, Arrow's java.nio opening), and a
 * moderate warm-up. The quick and full suites in README.md override iterations and params from the command line.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:+UseParallelGC",
    "-Xmx6g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class KascadeBench {
    /** "32x8" to {32, 8}: query heads and KV heads. */
    static int[] heads(String spec) {
        String[] p = spec.toLowerCase(java.util.Locale.ROOT).split("x");
        if (p.length != 2) throw new IllegalArgumentException("heads: expected QxKV such as 32x8 but got " + spec);
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }
}
