package dev.kascade.cli;

import dev.kascade.report.HtmlReport;
import dev.kascade.report.ReportInputs;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/** {@code kascade report}: benchmark JSON lines and JMH JSON files to one self-contained HTML page. */
public final class ReportCommand implements Command {
    @Override
    public String name() {
        return "report";
    }

    @Override
    public String summary() {
        return "HTML report with SVG charts from kascade bench --json and JMH JSON files";
    }

    @Override
    public String usage() {
        return """
                usage: kascade report [--out FILE] [--title TEXT] INPUT...
                  INPUT          kascade bench --json output (JSON lines) or JMH results (-rf json); any mix
                  --out FILE     where to write the page (default kascade-report.html)
                  --title TEXT   page title (default "Kascade benchmark report")
                The page is self-contained: inline SVG charts and styles, no scripts, nothing fetched.""";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        Options o = Options.parse(args, Set.of("--out", "--title"), Set.of());
        List<String> files = o.positional();
        if (files.isEmpty()) throw new UsageException("expected at least one INPUT file");
        ReportInputs in = new ReportInputs();
        for (String f : files) in.load(Path.of(f));
        if (in.rows().isEmpty() && in.jmh().isEmpty()) {
            throw new IllegalArgumentException("input: no benchmark rows or JMH results in " + files);
        }
        Path target = Path.of(o.get("--out", "kascade-report.html"));
        String html = HtmlReport.render(in, o.get("--title", "Kascade benchmark report"), Instant.now());
        Files.writeString(target, html, StandardCharsets.UTF_8);
        out.println("kascade report: wrote " + target + " (" + in.rows().size() + " benchmark rows, "
                + in.jmh().size() + " JMH results)");
        return 0;
    }
}
