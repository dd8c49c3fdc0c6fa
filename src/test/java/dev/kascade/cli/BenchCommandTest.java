package dev.kascade.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kascade.bench.BenchResult;
import dev.kascade.bench.FixedBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FixedBackend backend = new FixedBackend();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private List<String> run(String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        BenchCommand c = new BenchCommand(device -> {
            if (!device.equals("cpu")) throw new UnsupportedOperationException("device " + device + ": no such backend");
            return backend;
        }, err);
        int rc = c.run(List.of(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals(0, rc);
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    // Small shapes: the fixed backend only generates layer 0 of the workload.
    private static final String[] SMALL = {"--context", "4096", "--q-heads", "8", "--kv-heads", "2", "--head-dim", "64",
        "--quiet"};

    private static String[] with(String... first) {
        List<String> a = new ArrayList<>(List.of(first));
        a.addAll(List.of(SMALL));
        return a.toArray(String[]::new);
    }

    @Test
    void jsonLineHasEveryKeyAndThePlansPerLayerAverage() throws Exception {
        List<String> lines = run(with("decode", "--json"));
        assertEquals(1, lines.size(), lines.toString());
        JsonNode o = JSON.readTree(lines.get(0));
        for (String key : BenchResult.KEYS) assertTrue(o.has(key), "missing key " + key + " in " + o);
        for (String key : List.of("dense_ms", "layer0_ms", "anchor_ms", "reuse_ms", "kascade_ms", "speedup", "rel_error",
                "mass_recall", "bandwidth_gbs", "dense_gbs", "dense_bw_share", "dense_median_ms", "layer0_median_ms",
                "anchor_median_ms", "reuse_median_ms", "kascade_median_ms", "speedup_median", "bandwidth_median_gbs",
                "dense_median_gbs", "dense_bw_share_median")) {
            assertTrue(o.get(key).isNumber(), key + " must be a number in decode rows: " + o.get(key));
        }
        // The 32-layer plan {0,2,8,13,14}: (T0 + 4 Ta + 27 Tr) / 32 of the best rounds (45 rounds: 15 at t, 15 at
        // t + 0.5, 15 far above, so best = t and median = t + 0.5).
        double kascade = (FixedBackend.LAYER0 + 4 * FixedBackend.ANCHOR + 27 * FixedBackend.REUSE) / 32;
        assertEquals(FixedBackend.DENSE, o.get("dense_ms").asDouble(), 1e-9);
        assertEquals(kascade, o.get("kascade_ms").asDouble(), 1e-4);
        assertEquals(FixedBackend.DENSE / kascade, o.get("speedup").asDouble(), 1e-4);
        // Fidelity: mean over all 32 layers (layer 0 exact, the others 0.1 error and 0.9 recall).
        assertEquals(0.1 * 31 / 32, o.get("rel_error").asDouble(), 1e-6);
        assertEquals((1 + 0.9 * 31) / 32, o.get("mass_recall").asDouble(), 1e-6);
        assertEquals(32, o.get("rel_error_layers").size());
        // Dense decode reads K and V once: 2 * 2 heads * 4096 * 64 * 2 bytes (bf16) in 10 ms.
        double gbs = 2.0 * 2 * 4096 * 64 * 2 / 10e-3 / 1e9;
        assertEquals(gbs, o.get("dense_gbs").asDouble(), 1e-4);
        assertEquals(gbs / 40.0, o.get("dense_bw_share").asDouble(), 1e-4);
        // The medians: every role + 0.5 ms, against the probe's median repetition (38 GB/s).
        double x = FixedBackend.MEDIAN_EXTRA;
        assertEquals(FixedBackend.DENSE + x, o.get("dense_median_ms").asDouble(), 1e-9);
        assertEquals(FixedBackend.LAYER0 + x, o.get("layer0_median_ms").asDouble(), 1e-9);
        assertEquals(FixedBackend.ANCHOR + x, o.get("anchor_median_ms").asDouble(), 1e-9);
        assertEquals(FixedBackend.REUSE + x, o.get("reuse_median_ms").asDouble(), 1e-9);
        double kascadeMedian = (FixedBackend.LAYER0 + x + 4 * (FixedBackend.ANCHOR + x) + 27 * (FixedBackend.REUSE + x)) / 32;
        assertEquals(kascadeMedian, o.get("kascade_median_ms").asDouble(), 1e-4);
        assertEquals((FixedBackend.DENSE + x) / kascadeMedian, o.get("speedup_median").asDouble(), 1e-4);
        assertEquals(38.0, o.get("bandwidth_median_gbs").asDouble(), 1e-9);
        double gbsMedian = 2.0 * 2 * 4096 * 64 * 2 / ((10 + x) * 1e-3) / 1e9;
        assertEquals(gbsMedian, o.get("dense_median_gbs").asDouble(), 1e-4);
        assertEquals(gbsMedian / 38.0, o.get("dense_bw_share_median").asDouble(), 1e-4);
        assertEquals("decode", o.get("mode").asText());
        assertEquals("bf16", o.get("dtype").asText());
        assertEquals("[0,2,8,13,14]", o.get("anchors").toString());
    }

    @Test
    void anotherPlanUsesItsOwnRoleCounts() throws Exception {
        JsonNode o = JSON.readTree(run(with("prefill", "--json", "--layers", "8", "--anchors", "0,4")).get(0));
        double kascade = (FixedBackend.LAYER0 + FixedBackend.ANCHOR + 6 * FixedBackend.REUSE) / 8;
        assertEquals(kascade, o.get("kascade_ms").asDouble(), 1e-4);
        assertTrue(o.get("dense_gbs").isNull(), "prefill rows carry no decode bandwidth");
        assertEquals("prefill", o.get("mode").asText());
    }

    @Test
    void tableWithoutJsonShowsEveryRole() throws Exception {
        String text = String.join("\n", run(with("decode")));
        for (String word : List.of("dense", "layer 0", "anchor", "reuse", "Kascade", "speedup", "rel_error", "mass_recall",
                "GB/s", "median ms", "transparent huge pages: ")) {
            assertTrue(text.contains(word), "missing '" + word + "' in\n" + text);
        }
    }

    @Test
    void sweepWritesOneLinePerGridPointToTheOutFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sweep.jsonl");
        List<String> lines = run(with("--sweep", "--contexts", "1024,2048,4096", "--topks", "0.05,0.1",
                "--out", out.toString(), "--layers", "4", "--anchors", "0,2", "--iters", "1", "--warmup", "0"));
        // Per mode: 3 contexts at 10%, plus 5% at the middle context.
        assertEquals(8, lines.size());
        assertEquals(lines, Files.readAllLines(out));
        assertEquals(8, backend.timersOpened);
    }

    @Test
    void cudaWithoutAGpuAndBadOptionsAreClearErrors() {
        // bench decode --device cuda runs the GPU harness: an f32 cache is refused before any GPU is touched,
        // and without a driver the error says so.
        var d = assertThrows(IllegalArgumentException.class,
                () -> run(with("decode", "--device", "cuda", "--dtype", "f32")));
        assertTrue(d.getMessage().startsWith("--dtype: the GPU decode stores bf16 or f16"), d.getMessage());
        if (dev.kascade.runtime.Devices.cudaDeviceCount() == 0) {
            var e = assertThrows(dev.kascade.cuda.CudaUnavailableException.class,
                    () -> run(with("decode", "--device", "cuda")));
            assertTrue(e.getMessage().contains("NVIDIA"), e.getMessage());
        }
        var u = assertThrows(UsageException.class, () -> run(with("decode", "--topk", "1.5")));
        assertTrue(u.getMessage().contains("fraction"), u.getMessage());
        u = assertThrows(UsageException.class, () -> run(with("decode", "--anchors", "2,5")));
        assertTrue(u.getMessage().contains("layer 0"), u.getMessage());
        u = assertThrows(UsageException.class, () -> run(with("sideways")));
        assertTrue(u.getMessage().contains("sideways"), u.getMessage());
        u = assertThrows(UsageException.class, () -> run(with("decode", "--dtype", "int8")));
        assertTrue(u.getMessage().startsWith("--dtype"), u.getMessage());
    }

    @Test
    void theRealCudaBackendSaysThereIsNone() {
        var e = assertThrows(UnsupportedOperationException.class, () -> dev.kascade.bench.DeviceBackend.forName("cuda"));
        assertTrue(e.getMessage().contains("--device cpu"), e.getMessage());
    }
}
