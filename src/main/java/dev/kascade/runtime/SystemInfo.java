package dev.kascade.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the host machine for listings. */
public final class SystemInfo {
    private SystemInfo() {
    }

    /** The CPU model from {@code /proc/cpuinfo}, or {@code os.arch} where that file does not exist. */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    int colon = line.indexOf(':');
                    if (colon > 0) return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("os.arch") + " CPU";
    }
}
