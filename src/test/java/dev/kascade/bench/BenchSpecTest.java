package dev.kascade.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kascade.tensor.DType;
import org.junit.jupiter.api.Test;

/** {@link BenchSpec#warmupCalls}: decode warms up by keys read, within bounds; prefill and an explicit 0 do not. */
class BenchSpecTest {
    private static BenchSpec spec(BenchMode mode, int context, int batch, int warmup) {
        return new BenchSpec(mode, "cpu", context, batch, 32, 32, 8, 128, DType.BF16, 0.10,
                new int[] {0, 2, 8, 13, 14}, warmup, 45, 42);
    }

    @Test
    void decodeWarmsUpUntilEnoughKeysWereRead() {
        assertEquals(196, spec(BenchMode.DECODE, 4100, 1, 3).warmupCalls(), "ceil(800000 / 4100)");
        assertEquals(25, spec(BenchMode.DECODE, 32768, 1, 3).warmupCalls(), "ceil(800000 / 32768)");
        assertEquals(13, spec(BenchMode.DECODE, 32768, 2, 3).warmupCalls(), "batch counts: ceil(800000 / 65536)");
        assertEquals(3, spec(BenchMode.DECODE, 1 << 20, 1, 3).warmupCalls(), "the configured count is a floor");
        assertEquals(50, spec(BenchMode.DECODE, 32768, 1, 50).warmupCalls(), "a larger count is kept");
        assertEquals(BenchSpec.MAX_WARMUP_CALLS, spec(BenchMode.DECODE, 64, 1, 3).warmupCalls(), "capped");
    }

    @Test
    void prefillAndAnExplicitZeroKeepTheConfiguredCount() {
        assertEquals(1, spec(BenchMode.PREFILL, 1024, 1, 1).warmupCalls());
        assertEquals(0, spec(BenchMode.DECODE, 4100, 1, 0).warmupCalls());
    }
}
