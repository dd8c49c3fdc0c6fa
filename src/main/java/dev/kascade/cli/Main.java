package dev.kascade.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Entry point of the {@code kascade} command line: dispatches to one {@link Command} per subcommand. */
public final class Main {
    private Main() {
    }

    /** Every subcommand, in the order {@code kascade --help} lists them. */
    static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        for (Command c : List.<Command>of(
                new BenchCommand(),
                new ReportCommand(),
                new dev.kascade.cache.ArrowInfoCommand(),
                new InfoCommand(),
                new SelftestCommand(),
                new PtxCommand(),
                new TracesCommand(),
                new PlanCommand(),
                new CudaSmokeCommand(),
                new DecodeCheckCommand()
        )) {
            m.put(c.name(), c);
        }
        return m;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command line and returns the exit code (0 ok, 1 failure, 2 usage error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, Command> cmds = commands();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            printHelp(cmds, out);
            return args.length == 0 ? 2 : 0;
        }
        Command c = cmds.get(args[0]);
        if (c == null) {
            err.println("kascade: unknown command '" + args[0] + "'");
            printHelp(cmds, err);
            return 2;
        }
        List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
        if (rest.contains("--help") || rest.contains("-h")) {
            out.println(c.usage());
            return 0;
        }
        try {
            return c.run(rest, out);
        } catch (UsageException e) {
            err.println("kascade " + c.name() + ": " + e.getMessage());
            err.println(c.usage());
            return 2;
        } catch (Exception e) {
            err.println("kascade " + c.name() + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
            if (System.getenv("KASCADE_DEBUG") != null) e.printStackTrace(err);
            return 1;
        } catch (OutOfMemoryError e) {
            err.println("kascade " + c.name() + ": out of memory (" + e.getMessage() + "): use smaller shapes (--batch, "
                    + "--context), or give the JVM a larger heap, e.g. KASCADE_JAVA_OPTS=-Xmx16g");
            if (System.getenv("KASCADE_DEBUG") != null) e.printStackTrace(err);
            return 1;
        }
    }

    private static void printHelp(Map<String, Command> cmds, PrintStream out) {
        out.println("usage: kascade <command> [options]   (kascade <command> --help for details)");
        out.println();
        for (Command c : cmds.values()) {
            out.printf("  %-13s %s%n", c.name(), c.summary());
        }
    }
}
