package dev.kascade.cli;

import dev.kascade.planning.traces.SyntheticTraces;
import dev.kascade.planning.traces.TraceHeader;
import dev.kascade.planning.traces.TraceReader;
import dev.kascade.tensor.DType;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** {@code kascade traces}: writes synthetic calibration traces ({@code synth}) or describes a trace file ({@code info}). */
public final class TracesCommand implements Command {
    static final int[] DEFAULT_PLANTED = {0, 2, 8, 13, 14};

    @Override
    public String name() {
        return "traces";
    }

    @Override
    public String summary() {
        return "calibration traces: synthesise planted ones (synth) or describe a file (info)";
    }

    @Override
    public String usage() {
        return """
                usage: kascade traces synth --out FILE [options]
                       kascade traces info FILE

                synth writes synthetic traces (Arrow IPC, docs/calibration.md) whose best anchors are known:
                each planted anchor starts a segment of layers sharing heavy keys through a head permutation,
                and the heavy keys change completely at every planted anchor.
                  --layers N            layers (default 32)
                  --q-heads N           query heads (default 32)
                  --kv-heads N          KV heads (default 8)
                  --head-dim N          head dimension (default 64)
                  --hidden N            residual width (default 128)
                  --prompts N           prompts (default 3)
                  --length N            tokens per prompt, decoded tokens included (default 320)
                  --decode N            decoded tokens at the end of each prompt (default 16)
                  --planted-anchors L   comma-separated anchor layers starting with 0 (default 0,2,8,13,14)
                  --seed N              random seed (default 1)
                  --dtype f16|f32       stored element type (default f16)
                  --out FILE            output file (required)
                info prints the shape metadata and prompt count of a trace file.""";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        if (args.isEmpty()) throw new UsageException("expected a subcommand: synth or info");
        String sub = args.get(0);
        List<String> rest = args.subList(1, args.size());
        return switch (sub) {
            case "synth" -> synth(rest, out);
            case "info" -> info(rest, out);
            default -> throw new UsageException("unknown subcommand '" + sub + "' (expected synth or info)");
        };
    }

    private int synth(List<String> args, PrintStream out) throws Exception {
        Options o = Options.parse(args, Set.of("--layers", "--q-heads", "--kv-heads", "--head-dim", "--hidden", "--prompts",
                "--length", "--decode", "--planted-anchors", "--seed", "--dtype", "--out"), Set.of());
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument " + o.positional().get(0));
        if (!o.has("--out")) throw new UsageException("--out: expected the output trace file");
        int layers = o.getInt("--layers", 32);
        int[] planted = o.getIntList("--planted-anchors", null);
        if (planted == null) {
            if (layers <= DEFAULT_PLANTED[DEFAULT_PLANTED.length - 1]) {
                throw new UsageException("--planted-anchors: the default 0,2,8,13,14 needs at least 15 layers; give anchors for "
                        + layers + " layers");
            }
            planted = DEFAULT_PLANTED;
        }
        DType storage;
        try {
            storage = DType.parse(o.get("--dtype", "f16"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--dtype: " + e.getMessage());
        }
        SyntheticTraces.Spec spec;
        try {
            spec = new SyntheticTraces.Spec(layers, o.getInt("--q-heads", 32), o.getInt("--kv-heads", 8), o.getInt("--head-dim", 64),
                    o.getInt("--hidden", 128), o.getInt("--prompts", 3), o.getInt("--length", 320), o.getInt("--decode", 16),
                    planted, o.getInt("--seed", 1), storage);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Path path = Path.of(o.get("--out", null));
        PlanningProgress progress = new PlanningProgress(System.err, "traces synth");
        new SyntheticTraces(spec).write(path, progress);
        progress.finish();
        out.printf("wrote %s: %d prompts x %d tokens (%d decoded), %d layers, %d/%d heads, d=%d, %s, planted anchors %s%n",
                path, spec.prompts(), spec.length(), spec.decode(), spec.layers(), spec.qHeads(), spec.kvHeads(), spec.headDim(),
                storage.label(), Arrays.toString(planted));
        return 0;
    }

    private int info(List<String> args, PrintStream out) throws Exception {
        Options o = Options.parse(args, Set.of(), Set.of());
        if (o.positional().size() != 1) throw new UsageException("info: expected one trace file");
        Path path = Path.of(o.positional().get(0));
        try (TraceReader r = TraceReader.open(path)) {
            TraceHeader h = r.header();
            int prompts = 0;
            long tokens = 0;
            while (r.next()) {
                if (r.current().layer() == 0) {
                    prompts++;
                    tokens += r.current().tokens();
                }
            }
            out.printf("%s: %d prompts, %d tokens in all, %d layers, %d query heads, %d KV heads, head dim %d, hidden %d, %s%n",
                    path, prompts, tokens, h.layers(), h.qHeads(), h.kvHeads(), h.headDim(), h.hidden(), h.storage().label());
            if (!h.source().isEmpty()) out.println("source: " + h.source());
        }
        return 0;
    }
}
