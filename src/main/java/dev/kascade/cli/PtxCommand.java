package dev.kascade.cli;

import dev.kascade.kernels.BuiltinKernels;
import dev.kascade.kernels.KernelSpec;
import dev.kascade.ptx.PtxCompileException;
import dev.kascade.ptx.PtxCompiler;
import dev.kascade.ptx.PtxModule;
import dev.kascade.ptx.PtxTarget;
import dev.kascade.ptx.Ptxas;
import dev.kascade.ptx.UnsupportedTargetException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code kascade ptx}: compiles the built-in kernels to PTX with the Java-to-PTX compiler, one {@code .ptx}
 * file per kernel, optionally assembling each with {@code ptxas -v} to report registers and spills.
 */
public final class PtxCommand implements Command {
    @Override
    public String name() {
        return "ptx";
    }

    @Override
    public String summary() {
        return "compile the built-in Java kernels to PTX (one .ptx per kernel)";
    }

    @Override
    public String usage() {
        return """
                usage: kascade ptx [--kernel NAME] [--out DIR] [--target sm_90|sm_80] [--check] [--list]
                  --kernel NAME   compile only this built-in kernel (printed to stdout unless --out is given)
                  --out DIR       write NAME.ptx for every selected kernel into DIR (created if missing)
                  --target T      sm_90 (default, H100/H200) or sm_80 (A100)
                  --check         assemble each module with ptxas -arch=T -v and print registers, spills, stack
                  --list          list the built-in kernels and exit
                The PTX carries .loc lines and the Java source line as comments; see docs/compiler.md.""";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        Options o = Options.parse(args, Set.of("--kernel", "--out", "--target"), Set.of("--check", "--list"));
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().getFirst() + "'");
        List<KernelSpec> all = BuiltinKernels.all();
        if (o.has("--list")) {
            for (KernelSpec s : all) out.printf("%-22s %s%n", s.name(), s.description());
            return 0;
        }
        PtxTarget target = switch (o.get("--target", "sm_90")) {
            case "sm_90" -> PtxTarget.SM_90;
            case "sm_80" -> PtxTarget.SM_80;
            default -> throw new UsageException("--target: expected sm_90 or sm_80 but got '" + o.get("--target", "") + "'");
        };
        List<KernelSpec> selected;
        if (o.has("--kernel")) {
            try {
                selected = List.of(BuiltinKernels.named(o.get("--kernel", "")));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--kernel: " + e.getMessage());
            }
        } else if (o.has("--out")) {
            selected = all;
        } else {
            throw new UsageException("give --out DIR (all kernels) or --kernel NAME");
        }
        if (selected.isEmpty()) {
            out.println("kascade ptx: no built-in kernels are registered (BuiltinKernels.all() is empty)");
            return 1;
        }
        Path dir = o.has("--out") ? Path.of(o.get("--out", ".")) : null;
        if (dir != null) Files.createDirectories(dir);
        Optional<Ptxas> ptxas = Optional.empty();
        if (o.has("--check")) {
            ptxas = Ptxas.find();
            if (ptxas.isEmpty()) {
                System.err.println("kascade ptx: --check needs ptxas (CUDA toolkit) on PATH, /usr/local/cuda/bin or /usr/local/bin");
                return 1;
            }
        }
        PtxCompiler compiler = new PtxCompiler(target);
        int failures = 0;
        int flagged = 0;
        int skipped = 0;
        for (int i = 0; i < selected.size(); i++) {
            KernelSpec spec = selected.get(i);
            PtxModule m;
            try {
                m = compiler.compile(spec.method(), spec.constants());
            } catch (UnsupportedTargetException e) {
                skipped++;
                System.err.println("kascade ptx: " + spec.name() + ": skipped: " + e.getMessage());
                continue;
            } catch (PtxCompileException e) {
                failures++;
                System.err.println("kascade ptx: " + spec.name() + ": " + e.getMessage());
                continue;
            }
            String line = "";
            if (dir != null) {
                Path f = dir.resolve(spec.name() + ".ptx");
                Files.writeString(f, m.ptx());
                line = String.format("%-22s -> %s (entry %s, %d params, %d B static shared)", spec.name(), f,
                        m.entryName(), m.params().size(), m.staticSharedBytes());
            } else {
                out.print(m.ptx());
            }
            if (ptxas.isPresent()) {
                try {
                    Ptxas.Report r = ptxas.get().check(m);
                    line += String.format("%s%s: %d registers, %d B spill stores, %d B spill loads, %d B stack",
                            line.isEmpty() ? "" : "\n    ", "ptxas", r.registers(), r.spillStoreBytes(),
                            r.spillLoadBytes(), r.stackFrameBytes());
                    if (r.spills() || r.stackFrameBytes() > 0) {
                        flagged++;
                        line += "  <- spills or stack frame";
                    }
                } catch (PtxCompileException e) {
                    flagged++;
                    line += "\n    " + e.getMessage();
                }
            }
            if (!line.isEmpty()) (dir != null ? out : System.err).println(line);
        }
        if (dir != null) {
            out.printf("kascade ptx: %d of %d kernels compiled for %s into %s%s%s%s%n",
                    selected.size() - failures - skipped, selected.size(), target.ptxName(), dir,
                    failures > 0 ? " (" + failures + " failed)" : "",
                    skipped > 0 ? " (" + skipped + " skipped: they need a newer target)" : "",
                    ptxas.isPresent() ? "; ptxas: " + (flagged == 0 ? "all assembled with 0 spills, 0 stack"
                            : flagged + " rejected or spilling") : "");
        }
        return failures == 0 && flagged == 0 ? 0 : 1;
    }
}
