package dev.kascade.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Parsing of {@code tornado-config/cuda.properties}. */
class CudaConfigTest {
    @Test
    void defaultsPutTheCacheUnderTheHomeDirectory() {
        CudaConfig c = CudaConfig.parse(new Properties(), "defaults");
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "kascade", "ptx"), c.ptxCacheDir());
        assertEquals(16384, c.jitLogBytes());
        assertEquals(0, c.device());
    }

    @Test
    void valuesAndTheOffSwitch() {
        Properties p = new Properties();
        p.setProperty("ptx.cache.dir", "off");
        p.setProperty("jit.log.bytes", "4096");
        p.setProperty("cuda.device", "1");
        CudaConfig c = CudaConfig.parse(p, "test");
        assertNull(c.ptxCacheDir());
        assertEquals(4096, c.jitLogBytes());
        assertEquals(1, c.device());
        p.setProperty("ptx.cache.dir", "~/ptx");
        assertEquals(Path.of(System.getProperty("user.home"), "ptx"), CudaConfig.parse(p, "test").ptxCacheDir());
    }

    @Test
    void badNumbersNameTheKeyAndFile() {
        Properties p = new Properties();
        p.setProperty("cuda.device", "-1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaConfig.parse(p, "my.properties"));
        assertTrue(e.getMessage().contains("cuda.device in my.properties"), e.getMessage());
    }

    @Test
    void theShippedFileParses() throws IOException {
        Path shipped = Path.of("tornado-config", "cuda.properties");
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(shipped)) {
            p.load(r);
        }
        CudaConfig c = CudaConfig.parse(p, shipped.toString());
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "kascade", "ptx"), c.ptxCacheDir());
    }
}
