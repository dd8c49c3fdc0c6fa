package dev.kascade.cli;

import java.io.PrintStream;
import java.util.List;

/** One {@code kascade} subcommand. */
public interface Command {
    /** The word after {@code kascade}. */
    String name();

    /** One line for the command list. */
    String summary();

    /** Full usage text printed for {@code --help}. */
    String usage();

    /**
     * Runs the command.
     *
     * @return the process exit code
     * @throws UsageException for bad options (printed with the usage, exit code 2)
     */
    int run(List<String> args, PrintStream out) throws Exception;
}
