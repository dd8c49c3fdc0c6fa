package dev.kascade.ptx;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs NVIDIA's {@code ptxas} on a module and reads its {@code -v} report (registers, spills, stack frame,
 * shared memory). Used by {@code kascade ptx --check} and the tests; the compiler itself never needs it.
 */
public final class Ptxas {
    /** What ptxas reported for one entry. */
    public record Report(int registers, int stackFrameBytes, int spillStoreBytes, int spillLoadBytes,
                         int sharedBytes, String log) {
        public boolean spills() {
            return spillStoreBytes > 0 || spillLoadBytes > 0;
        }
    }

    private final Path exe;

    private Ptxas(Path exe) {
        this.exe = exe;
    }

    /** ptxas from PATH, or /usr/local/cuda/bin, or /usr/local/bin; empty when none is installed. */
    public static Optional<Ptxas> find() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : (path + File.pathSeparator + "/usr/local/cuda/bin" + File.pathSeparator + "/usr/local/bin")
                .split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, "ptxas");
            if (Files.isExecutable(p)) return Optional.of(new Ptxas(p));
        }
        return Optional.empty();
    }

    public Path executable() {
        return exe;
    }

    /**
     * Assembles {@code module} for its target with {@code -v}.
     *
     * @throws PtxCompileException when ptxas rejects the module (its log is in the message)
     */
    public Report check(PtxModule module) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kascade-ptxas");
        Path in = dir.resolve(module.entryName() + ".ptx");
        Path out = dir.resolve(module.entryName() + ".cubin");
        try {
            Files.writeString(in, module.ptx());
            Process p = new ProcessBuilder(List.of(exe.toString(), "-arch=" + module.target().ptxName(), "-v",
                    in.toString(), "-o", out.toString())).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new PtxCompileException("ptxas timed out on " + module.entryName());
            }
            if (p.exitValue() != 0) {
                throw new PtxCompileException("ptxas rejected " + module.entryName() + ":\n" + log);
            }
            return parse(log);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(dir);
        }
    }

    private static final Pattern FRAME = Pattern.compile(
            "(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern REGS = Pattern.compile("Used (\\d+) registers");
    private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");

    static Report parse(String log) {
        Matcher f = FRAME.matcher(log);
        Matcher r = REGS.matcher(log);
        Matcher s = SMEM.matcher(log);
        if (!f.find() || !r.find()) throw new PtxCompileException("unexpected ptxas report:\n" + log);
        return new Report(Integer.parseInt(r.group(1)), Integer.parseInt(f.group(1)), Integer.parseInt(f.group(2)),
                Integer.parseInt(f.group(3)), s.find() ? Integer.parseInt(s.group(1)) : 0, log);
    }
}
