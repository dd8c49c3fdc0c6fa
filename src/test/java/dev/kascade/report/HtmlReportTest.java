package dev.kascade.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.bench.FixedBackend;
import dev.kascade.cli.BenchCommand;
import dev.kascade.cli.ReportCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class HtmlReportTest {
    private static final String JMH = """
            [ {"jmhVersion":"1.37","benchmark":"dev.kascade.benchmarks.DecodeBench.kascadeReuse","mode":"avgt",
               "threads":1,"forks":1,"params":{"context":"32768","dtype":"bf16"},
               "primaryMetric":{"score":1.25,"scoreError":0.05,"scoreUnit":"ms/op"}},
              {"jmhVersion":"1.37","benchmark":"dev.kascade.benchmarks.TopKBench.select","mode":"avgt",
               "threads":1,"forks":1,"params":{"n":"<script>alert(1)</script>"},
               "primaryMetric":{"score":0.5,"scoreError":"NaN","scoreUnit":"ms/op"}} ]
            """;

    /** A quick sweep from the fixed backend (device name with markup characters) plus a JMH file. */
    private static Path[] inputs(Path dir) throws Exception {
        FixedBackend backend = new FixedBackend();
        backend.deviceName = "cpu <b>\"bold\"</b> & co";
        Path rows = dir.resolve("sweep.jsonl");
        new BenchCommand(d -> backend, new PrintStream(new ByteArrayOutputStream())).run(List.of("--sweep", "--quiet",
                "--contexts", "1024,2048,4096", "--topks", "0.05,0.1,0.2", "--layers", "4", "--anchors", "0,2",
                "--q-heads", "4", "--kv-heads", "2", "--head-dim", "32", "--iters", "1", "--warmup", "0",
                "--out", rows.toString()), new PrintStream(new ByteArrayOutputStream()));
        Path jmh = dir.resolve("jmh.json");
        Files.writeString(jmh, JMH);
        return new Path[] {rows, jmh};
    }

    private static Document parse(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        f.setExpandEntityReferences(false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void reportCommandWritesWellFormedSelfContainedPageWithCharts(@TempDir Path dir) throws Exception {
        Path[] in = inputs(dir);
        Path out = dir.resolve("report.html");
        ByteArrayOutputStream msg = new ByteArrayOutputStream();
        int rc = new ReportCommand().run(List.of("--out", out.toString(), in[0].toString(), in[1].toString()),
                new PrintStream(msg, true, StandardCharsets.UTF_8));
        assertEquals(0, rc);
        String html = Files.readString(out);
        Document doc = parse(html); // throws unless well-formed
        NodeList svgs = doc.getElementsByTagName("svg");
        // decode + prefill speedup, 2 role charts, 2 fidelity charts, CPU bandwidth, JMH.
        assertTrue(svgs.getLength() >= 8, "svg charts: " + svgs.getLength());
        for (int i = 0; i < svgs.getLength(); i++) {
            Element svg = (Element) svgs.item(i);
            assertFalse(svg.getAttribute("viewBox").isEmpty(), "every chart has a viewBox");
            assertTrue(svg.getElementsByTagName("title").getLength() >= 1, "every chart has a title");
        }
        List<String> axisLabels = new ArrayList<>();
        NodeList texts = doc.getElementsByTagName("text");
        for (int i = 0; i < texts.getLength(); i++) {
            Element t = (Element) texts.item(i);
            if (t.getAttribute("class").equals("axis-label")) axisLabels.add(t.getTextContent());
        }
        for (String label : List.of("context (tokens, log scale)", "speedup (dense / Kascade per-layer avg)",
                "top-k fraction p", "relative L2 error (mean over layers)", "mass recall (mean over layers)", "GB/s",
                "time / dense time")) {
            assertTrue(axisLabels.contains(label), "axis label '" + label + "' missing from " + axisLabels);
        }
        // Self-contained: nothing fetched, nothing executed.
        String lower = html.toLowerCase(java.util.Locale.ROOT);
        for (String bad : List.of("http:", "https:", "<script", "src=", "@import", "url(", "<link")) {
            assertFalse(lower.contains(bad), "found '" + bad + "'");
        }
        // Input text is escaped, not interpreted.
        assertTrue(html.contains("cpu &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; co"));
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assertEquals(0, doc.getElementsByTagName("b").getLength());
        assertTrue(msg.toString(StandardCharsets.UTF_8).contains("wrote"));
    }

    @Test
    void chartsCarryTheNumbersOfTheRows(@TempDir Path dir) throws Exception {
        Path[] in = inputs(dir);
        ReportInputs inputs = new ReportInputs().load(in[0]).load(in[1]);
        assertEquals(2 * 5, inputs.rows().size());
        assertEquals(2, inputs.jmh().size());
        assertEquals(0.10, HtmlReport.primaryTopk(inputs.rows()), 1e-12);
        String html = HtmlReport.render(inputs, "t", java.time.Instant.EPOCH);
        // Speedup of the fixed backend on the 4-layer plan {0,2}: dense / ((T0 + Ta + 2 Tr) / 4).
        double speedup = FixedBackend.DENSE / ((FixedBackend.LAYER0 + FixedBackend.ANCHOR + 2 * FixedBackend.REUSE) / 4);
        assertTrue(html.contains("→ " + Xml.num(speedup) + "</title>"), "speedup point " + Xml.num(speedup));
        assertTrue(html.contains("1.25"), "JMH score shown");
        assertTrue(html.contains("DecodeBench.kascadeReuse [context=32768 dtype=bf16]"));
    }

    @Test
    void badInputsNameTheFileAndLine(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("junk.jsonl");
        Files.writeString(junk, "{\"mode\":\"decode\",\"context\":1,\"dense_ms\":1}\n{not json\n");
        var e = assertThrows(IllegalArgumentException.class, () -> new ReportInputs().load(junk));
        assertTrue(e.getMessage().contains("junk.jsonl:2"), e.getMessage());
        Path other = dir.resolve("other.jsonl");
        Files.writeString(other, "{\"hello\":1}\n");
        e = assertThrows(IllegalArgumentException.class, () -> new ReportInputs().load(other));
        assertTrue(e.getMessage().contains("not a kascade bench row"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ReportInputs().load(dir.resolve("missing.json")));
        assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
    }

    @Test
    void axisTicksAreNiceAndLogTicksArePowersOfTwo() {
        Axis lin = new Axis(0, 9.3, false, 0, 100);
        assertEquals(List.of(0.0, 2.0, 4.0, 6.0, 8.0), lin.ticks());
        Axis log = new Axis(1024, 32768, true, 0, 100);
        assertEquals(List.of(1024.0, 2048.0, 4096.0, 8192.0, 16384.0, 32768.0), log.ticks());
        assertEquals(0, log.px(1024), 1e-9);
        assertEquals(100, log.px(32768), 1e-9);
        assertEquals("32K", Xml.tokens(32768));
        assertEquals("1M", Xml.tokens(1 << 20));
        assertEquals("&lt;a href=&quot;x&quot;&gt;&amp;", Xml.escape("<a href=\"x\">&"));
    }
}
