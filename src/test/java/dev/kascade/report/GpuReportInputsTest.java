package dev.kascade.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report reads the GPU host run's JSON lines: decode rows chart, copy reads are the ceiling, baselines are skipped. */
class GpuReportInputsTest {
    private static final String DECODE = "{\"bench\":\"decode\",\"device\":\"cuda\",\"gpu\":\"NVIDIA H200\",\"date\":\"2026-11-29\","
            + "\"batch\":64,\"context\":32768,\"dtype\":\"bf16\",\"q_heads\":32,\"kv_heads\":8,\"head_dim\":128,\"topk\":0.1,"
            + "\"layers\":32,\"anchors\":\"[0,2,8,13,14]\",\"dense_ms\":2.141,\"dense_tbs\":4.012,\"layer0_ms\":3.264,"
            + "\"anchor_ms\":1.9666,\"reuse_ms\":0.271,\"kascade_ms\":0.5764,\"speedup\":3.714}";

    @Test
    void gpuDecodeRowsUseTheCopyReadCeilingOfTheSameFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("results.jsonl");
        Files.write(f, List.of(
                "{\"kernel\":\"vecadd_nvcc\",\"n\":268435456,\"median_ms\":0.798,\"tbs\":4.037}",
                DECODE,
                "{\"bench\":\"sdpa_decode\",\"batch\":64,\"context\":32768,\"median_ms\":1.9011,\"tb_per_s\":4.519}",
                "{\"bench\":\"copy_bw\",\"kind\":\"read\",\"tb_per_s\":4.208}",
                "{\"bench\":\"copy_bw\",\"kind\":\"read\",\"tb_per_s\":4.314}",
                "{\"bench\":\"copy_bw\",\"kind\":\"copy\",\"tb_per_s\":4.9}"));
        List<BenchRow> rows = new ReportInputs().load(f).rows();
        assertEquals(1, rows.size(), "only the decode row charts; baselines and ceilings do not");
        BenchRow r = rows.get(0);
        assertEquals("cuda", r.device());
        assertEquals("NVIDIA H200", r.deviceName());
        assertEquals(32768, r.context());
        assertEquals(3.714, r.speedup(), 1e-12);
        assertEquals(4314.0, r.bandwidthGbs(), 1e-9);  // the best copy *read*, not the copy row
        assertEquals(4012.0, r.denseGbs(), 1e-9);
        assertEquals(4012.0 / 4314.0, r.denseBwShare(), 1e-12);
        assertTrue(Double.isNaN(r.relError()), "the GPU harness measures no fidelity");
        String html = HtmlReport.render(new ReportInputs().load(f), "t", java.time.Instant.EPOCH);
        assertTrue(html.contains("GPU bandwidth"), "the bandwidth chart has a GPU panel");
    }

    @Test
    void foreignRowsAreStillAClearError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("other.jsonl");
        Files.write(f, List.of(DECODE, "{\"bench\":\"something-else\",\"x\":1}"));
        var e = assertThrows(IllegalArgumentException.class, () -> new ReportInputs().load(f));
        assertTrue(e.getMessage().contains("other.jsonl:2") && e.getMessage().contains("not a kascade bench row"), e.getMessage());
    }
}
