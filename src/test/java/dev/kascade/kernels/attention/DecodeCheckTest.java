package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.cli.Main;
import dev.kascade.emulator.Emulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** The acceptance check can fail, and passes on the emulator. */
class DecodeCheckTest {
    @Test
    void aLauncherThatComputesNothingFails() {
        for (DecodeCheck.Case c : DecodeCheck.emulatorCases()) {
            DecodeCheck.Result r = DecodeCheck.run(c, (kernel, config, args) -> { }, 3, 1, 64);
            assertFalse(r.passed(), c.label());
            assertTrue(r.maxError() > 1, r.detail());
        }
    }

    @Test
    void reuseCasePassesOnTheEmulator() {
        DecodeCheck.Case reuse = DecodeCheck.emulatorCases().stream()
                .filter(c -> c.role() == DecodeCheck.Role.REUSE).findFirst().orElseThrow();
        DecodeCheck.Result r = DecodeCheck.run(reuse, Emulator.launcher(), 5, 1, 64);
        assertTrue(r.passed(), r.detail());
    }

    @Test
    void unknownDeviceIsAUsageError() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"decode-check", "--device", "tpu"}, new PrintStream(out), new PrintStream(err));
        assertEquals(2, code);
        assertTrue(err.toString().contains("--device"), err.toString());
    }
}
