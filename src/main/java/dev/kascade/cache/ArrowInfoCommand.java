package dev.kascade.cache;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.cli.Command;
import dev.kascade.cli.Options;
import dev.kascade.cli.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code kascade arrow-info FILE...}: what a Kascade Arrow file holds, after loading and checking it. */
public final class ArrowInfoCommand implements Command {
    @Override
    public String name() {
        return "arrow-info";
    }

    @Override
    public String summary() {
        return "show and check Kascade Arrow files (KV cache, index table, anchor plan)";
    }

    @Override
    public String usage() {
        return """
                usage: kascade arrow-info FILE...

                Loads each file (a KV cache, index table or anchor plan saved as an Arrow IPC file; see
                docs/arrow-formats.md), checks it (magic, footer, kind, version, schema against shape,
                checksum) and prints its kind, dtype, shape and contents in brief.
                Exit code 1 when any file fails to load.""";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        Options o = Options.parse(args, Set.of(), Set.of());
        List<String> files = o.positional();
        if (files.isEmpty()) throw new UsageException("expected at least one FILE");
        int failed = 0;
        for (String name : files) {
            Path file = Path.of(name);
            try {
                describe(file, out);
            } catch (IOException | IllegalArgumentException e) {
                out.println(e.getMessage().startsWith(name) ? e.getMessage() : file + ": " + e.getMessage());
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    private static void describe(Path file, PrintStream out) throws IOException {
        Map<String, String> meta = ArrowFiles.metadata(file);
        String kind = meta.get(FileMetadata.KIND);
        if (kind == null) throw new KascadeFileException(file, "an Arrow file but not a Kascade file (no '" + FileMetadata.KIND + "')");
        String size = String.format("%.1f KiB", Files.size(file) / 1024.0);
        String checksum = meta.containsKey(FileMetadata.CRC32C) ? "crc32c " + meta.get(FileMetadata.CRC32C) + " ok" : "no checksum";
        switch (kind) {
            case FileMetadata.KIND_KV_CACHE -> {
                try (KvCache c = ArrowFiles.loadKvCache(file)) {
                    out.printf("%s: kv_cache, %s, layers=%d batch=%d kv_heads=%d capacity=%d head_dim=%d, %s, %s%n", file,
                            c.dtype().label(), c.layers(), c.batch(), c.kvHeads(), c.capacity(), c.headDim(), size, checksum);
                    for (int l = 0; l < c.layers(); l++) {
                        out.printf("  layer %d lengths %s%n", l, Arrays.toString(c.lengths(l)));
                    }
                }
            }
            case FileMetadata.KIND_INDEX_TABLE -> {
                try (IndexTable t = ArrowFiles.loadIndexTable(file)) {
                    long stored = 0;
                    long total = 0;
                    for (int e = 0; e < t.entries(); e++) {
                        int n = t.countsSegment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, e);
                        if (n > 0) stored++;
                        total += n;
                    }
                    out.printf("%s: index_table, layers=%d batch=%d tiles=%d kv_heads=%d max_k=%d, %s, %s%n", file,
                            t.layers(), t.batch(), t.tiles(), t.kvHeads(), t.maxK(), size, checksum);
                    out.printf("  %d of %d entries stored, mean k %.1f%n", stored, t.entries(),
                            stored == 0 ? 0.0 : (double) total / stored);
                }
            }
            case FileMetadata.KIND_ANCHOR_PLAN -> {
                AnchorPlan p = ArrowFiles.loadAnchorPlan(file);
                out.printf("%s: anchor_plan, layers=%d kv_heads=%d, anchors %s, %s, %s%n", file, p.layers(), p.kvHeads(),
                        Arrays.toString(p.anchors()), size, checksum);
                int[][] map = p.headMap();
                for (int l = 0; l < p.layers(); l++) {
                    if (!p.isAnchor(l)) {
                        out.printf("  layer %d reuses anchor %d, head map %s%n", l, p.anchorOf(l), Arrays.toString(map[l]));
                    }
                }
            }
            default -> throw new KascadeFileException(file, "unknown Kascade kind '" + kind + "'");
        }
    }
}
