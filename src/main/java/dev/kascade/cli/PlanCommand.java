package dev.kascade.cli;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.Budget;
import dev.kascade.algorithm.LayerRole;
import dev.kascade.planning.AnchorPlanner;
import dev.kascade.planning.CalibrationSettings;
import dev.kascade.planning.CalibrationStats;
import dev.kascade.planning.JsonText;
import dev.kascade.planning.PlanFile;
import dev.kascade.planning.PlannedAnchors;
import dev.kascade.planning.Provenance;
import dev.kascade.planning.traces.TraceCalibration;
import dev.kascade.planning.traces.TraceReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code kascade plan}: calibration statistics from a trace file, then anchors and head mapping by the DP. */
public final class PlanCommand implements Command {
    @Override
    public String name() {
        return "plan";
    }

    @Override
    public String summary() {
        return "choose anchor layers and head mapping from calibration traces";
    }

    @Override
    public String usage() {
        return """
                usage: kascade plan --traces FILE [--anchors K] [--out plan.json] [--json] [options]
                       kascade plan --traces FILE --evaluate plan.json [--json]

                Computes the anchor-selection statistics of docs/calibration.md over the trace file (one
                pass, prompt by prompt), then the best K anchors by dynamic programming and the head mapping
                by argmax. Prints the anchor sets for K = 3..8 and the chosen plan.
                  --traces FILE         trace file (Arrow IPC, kascade.kind=traces)
                  --anchors K           anchors in the chosen plan, layer 0 included (default 5)
                  --out FILE            write the chosen plan as JSON (readable and editable)
                  --json                print one machine-readable JSON object instead of the table
                  --topk-fraction P     top-k fraction the plan will run with (default 0.1)
                  --topk-minimum N      top-k minimum (default 128)
                  --topk-round N        round k up to a multiple of N (default 1; kernels use 128)
                  --k N                 keys per index set in the statistics (default 64)
                  --tile N              prefill tile of the statistics (default 32)
                  --decode-steps N      decoded tokens per prompt used as steps, at most (default 32)
                  --evaluate FILE       score an existing (for instance hand-edited) plan file on the traces,
                                        with its own head mapping, next to the best plan with as many anchors""";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        Options o = Options.parse(args, Set.of("--traces", "--anchors", "--out", "--topk-fraction", "--topk-minimum",
                "--topk-round", "--k", "--tile", "--decode-steps", "--evaluate"), Set.of("--json"));
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument " + o.positional().get(0));
        if (!o.has("--traces")) throw new UsageException("--traces: expected a trace file");
        int count = o.getInt("--anchors", 5);
        if (count < 1) throw new UsageException("--anchors: expected K >= 1 (layer 0 is always an anchor) but got " + count);
        Budget budget;
        try {
            budget = new Budget(o.getDouble("--topk-fraction", Budget.PAPER.fraction()),
                    o.getInt("--topk-minimum", Budget.PAPER.minimum()), o.getInt("--topk-round", Budget.PAPER.roundUpTo()));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--topk-*: " + e.getMessage());
        }
        int k = o.getInt("--k", CalibrationSettings.DEFAULT_TOP_K);
        int tile = o.getInt("--tile", CalibrationSettings.DEFAULT_TILE);
        int decodeSteps = o.getInt("--decode-steps", CalibrationSettings.DEFAULT_DECODE_STEPS);
        if (k <= 0) throw new UsageException("--k: expected > 0 but got " + k);
        if (tile <= 0) throw new UsageException("--tile: expected > 0 but got " + tile);
        if (decodeSteps < 0) throw new UsageException("--decode-steps: expected >= 0 but got " + decodeSteps);
        Path traces = Path.of(o.get("--traces", null));

        String source;
        try (TraceReader reader = TraceReader.open(traces)) {
            source = reader.header().source();
        }
        PlanningProgress progress = new PlanningProgress(System.err, "plan: statistics");
        CalibrationStats stats = TraceCalibration.run(traces, k, tile, decodeSteps, progress);
        progress.finish();
        if (o.has("--evaluate")) {
            if (o.has("--out")) throw new UsageException("--evaluate: cannot be combined with --out");
            PlanFile given = PlanFile.read(Path.of(o.get("--evaluate", null)));
            PlannedAnchors evaluated = AnchorPlanner.evaluate(stats, given.plan());
            PlannedAnchors best = AnchorPlanner.plan(stats, evaluated.count());
            double[] importance = new double[stats.layers()];
            for (int b = 0; b < importance.length; b++) importance[b] = stats.importance(b);
            Provenance p = new Provenance(traces.toString(), source, stats.prompts(), k, tile, decodeSteps, "",
                    evaluated.objective(), evaluated.layerScores(), importance, evaluated.recovery());
            if (o.has("--json")) {
                out.println(json(evaluated, List.of(best), p, given.budget(), stats));
            } else {
                printTable(out, evaluated, List.of(best), stats, traces, "evaluated");
                out.printf(Locale.ROOT, "evaluated %s: objective %.5f; best plan with %d anchors: %.5f (%s)%n",
                        o.get("--evaluate", null), evaluated.objective(), best.count(), best.objective(),
                        Arrays.toString(best.plan().anchors()));
            }
            return 0;
        }
        if (count > stats.layers()) {
            throw new IllegalArgumentException("anchors: K = " + count + " exceeds the " + stats.layers() + " layers of " + traces);
        }
        PlannedAnchors chosen = AnchorPlanner.plan(stats, count);
        List<PlannedAnchors> alternatives = AnchorPlanner.plans(stats, AnchorPlanner.MIN_REPORTED, AnchorPlanner.MAX_REPORTED);
        double[] importance = new double[stats.layers()];
        for (int b = 0; b < importance.length; b++) importance[b] = stats.importance(b);
        Provenance provenance = new Provenance(traces.toString(), source, stats.prompts(), k, tile, decodeSteps,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), chosen.objective(), chosen.layerScores(), importance,
                chosen.recovery());
        if (o.has("--out")) {
            new PlanFile(chosen.plan(), budget, provenance).write(Path.of(o.get("--out", null)));
        }
        if (o.has("--json")) {
            out.println(json(chosen, alternatives, provenance, budget, stats));
        } else {
            printTable(out, chosen, alternatives, stats, traces, "chosen");
            if (o.has("--out")) out.println("wrote " + o.get("--out", null));
        }
        return 0;
    }

    private static void printTable(PrintStream out, PlannedAnchors chosen, List<PlannedAnchors> alternatives,
                                   CalibrationStats stats, Path traces, String label) {
        out.printf(Locale.ROOT, "statistics: %s, %d prompts (%d with steps), %d steps, k %d, tile %d, %d layers, %d KV heads%n",
                traces, stats.prompts(), stats.promptsWithSteps(), stats.steps(), stats.settings().topK(), stats.settings().tile(),
                stats.layers(), stats.kvHeads());
        out.println("anchor sets (objective = sum over layers of sim[anchor(j)][j]):");
        for (PlannedAnchors p : alternatives) {
            out.printf(Locale.ROOT, "  K=%d  objective %.5f  anchors %s%n", p.count(), p.objective(), Arrays.toString(p.plan().anchors()));
        }
        AnchorPlan plan = chosen.plan();
        out.printf(Locale.ROOT, "%s K=%d: anchors %s, objective %.5f%n", label, chosen.count(), Arrays.toString(plan.anchors()),
                chosen.objective());
        out.println("layer  role    anchor  importance  recovery  score     head map");
        double[] scores = chosen.layerScores();
        double[] recovery = chosen.recovery();
        int[][] map = plan.headMap();
        for (int j = 0; j < plan.layers(); j++) {
            LayerRole role = plan.role(j);
            StringBuilder heads = new StringBuilder();
            for (int g : map[j]) heads.append(g).append(' ');
            out.printf(Locale.ROOT, "%5d  %-6s  %6d  %10.4f  %8.4f  %8.5f  %s%n", j, role.name().toLowerCase(Locale.ROOT),
                    plan.anchorOf(j), stats.importance(j), recovery[j], scores[j], heads.toString().trim());
        }
    }

    /** One compact JSON object; {@code "anchors"} comes first. */
    static String json(PlannedAnchors chosen, List<PlannedAnchors> alternatives, Provenance p, Budget budget,
                       CalibrationStats stats) {
        StringBuilder sb = new StringBuilder(8192);
        sb.append("{\"anchors\":").append(compact(chosen.plan().anchors()));
        sb.append(",\"objective\":").append(num(chosen.objective()));
        sb.append(",\"layers\":").append(stats.layers()).append(",\"kvHeads\":").append(stats.kvHeads());
        sb.append(",\"headMap\":[");
        int[][] map = chosen.plan().headMap();
        for (int j = 0; j < map.length; j++) sb.append(j > 0 ? "," : "").append(compact(map[j]));
        sb.append("],\"layerScores\":").append(compact(chosen.layerScores()));
        sb.append(",\"recovery\":").append(compact(chosen.recovery()));
        sb.append(",\"importance\":").append(compact(p.importance()));
        sb.append(",\"topk\":{\"fraction\":").append(num(budget.fraction())).append(",\"minimum\":").append(budget.minimum())
                .append(",\"roundUpTo\":").append(budget.roundUpTo()).append('}');
        sb.append(",\"alternatives\":[");
        for (int i = 0; i < alternatives.size(); i++) {
            PlannedAnchors a = alternatives.get(i);
            sb.append(i > 0 ? "," : "").append("{\"k\":").append(a.count()).append(",\"anchors\":").append(compact(a.plan().anchors()))
                    .append(",\"objective\":").append(num(a.objective())).append('}');
        }
        sb.append("],\"traces\":").append(JsonText.quote(p.traces()));
        sb.append(",\"prompts\":").append(p.prompts()).append(",\"k\":").append(p.topK()).append(",\"tile\":").append(p.tile());
        sb.append(",\"steps\":").append(stats.steps()).append('}');
        return sb.toString();
    }

    private static String compact(int[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) sb.append(i > 0 ? "," : "").append(v[i]);
        return sb.append(']').toString();
    }

    private static String compact(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) sb.append(i > 0 ? "," : "").append(num(v[i]));
        return sb.append(']').toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }
}
