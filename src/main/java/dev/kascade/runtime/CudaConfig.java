package dev.kascade.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Settings of the CUDA runtime, read once from {@code tornado-config/cuda.properties} (see
 * {@code tornado-config/README.md}). The file is looked for at {@code -Dkascade.cuda.config=FILE}, then
 * {@code <kascade.home>/tornado-config/cuda.properties} ({@code -Dkascade.home}, which the launchers set),
 * then {@code ./tornado-config/cuda.properties}; without one the defaults below apply. A system property
 * {@code kascade.<key>} overrides the file's {@code <key>}.
 *
 * @param ptxCacheDir where compiled PTX is kept between runs; null disables the disk cache
 * @param jitLogBytes size of each of the driver JIT's info and error log buffers
 * @param device      the GPU ordinal {@link Devices#best()} and {@link CudaKernelLauncher#create()} use
 * @param source      the file the settings came from, or "defaults"
 */
public record CudaConfig(Path ptxCacheDir, int jitLogBytes, int device, String source) {
    public static final String DEFAULT_CACHE_DIR = "${user.home}/.cache/kascade/ptx";

    private static volatile CudaConfig loaded;

    /** The process-wide settings (read on first use). */
    public static CudaConfig get() {
        CudaConfig c = loaded;
        if (c == null) {
            synchronized (CudaConfig.class) {
                if (loaded == null) loaded = load();
                c = loaded;
            }
        }
        return c;
    }

    /** Reads the settings file (see the class comment) now. */
    public static CudaConfig load() {
        Path file = locate();
        Properties p = new Properties();
        if (file == null) return parse(p, "defaults");
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(p, file.toString());
    }

    private static Path locate() {
        String explicit = System.getProperty("kascade.cuda.config");
        if (explicit != null) {
            Path p = Path.of(explicit);
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("-Dkascade.cuda.config=" + explicit + ": no such file");
            }
            return p;
        }
        String home = System.getProperty("kascade.home");
        if (home != null) {
            Path p = Path.of(home, "tornado-config", "cuda.properties");
            if (Files.isRegularFile(p)) return p;
        }
        Path local = Path.of("tornado-config", "cuda.properties");
        return Files.isRegularFile(local) ? local : null;
    }

    /** Settings from properties (missing keys take defaults; {@code kascade.<key>} system properties win). */
    public static CudaConfig parse(Properties p, String source) {
        String dir = value(p, "ptx.cache.dir", DEFAULT_CACHE_DIR).trim();
        Path cacheDir = dir.isEmpty() || dir.equals("off") ? null : Path.of(expand(dir));
        int logBytes = intValue(p, "jit.log.bytes", 16384, 256, source);
        int device = intValue(p, "cuda.device", 0, 0, source);
        return new CudaConfig(cacheDir, logBytes, device, source);
    }

    private static String value(Properties p, String key, String def) {
        String sys = System.getProperty("kascade." + key);
        return sys != null ? sys : p.getProperty(key, def);
    }

    private static int intValue(Properties p, String key, int def, int min, String source) {
        String v = value(p, key, Integer.toString(def)).trim();
        try {
            int x = Integer.parseInt(v);
            if (x < min) throw new NumberFormatException();
            return x;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " in " + source + ": expected an integer >= " + min + " but got '" + v + "'");
        }
    }

    /** Replaces {@code ${user.home}} and a leading {@code ~}. */
    static String expand(String path) {
        String home = System.getProperty("user.home");
        String s = path.replace("${user.home}", home);
        if (s.equals("~") || s.startsWith("~/")) s = home + s.substring(1);
        return s;
    }
}
