package dev.kascade.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BandwidthProbeTest {
    @Test
    void smallProbeReportsPositiveRatesWithBestAtLeastMedian() {
        BandwidthProbe.Result r = BandwidthProbe.measure(4L << 20, 2, 3);
        assertTrue(r.bestGbs() > 0 && Double.isFinite(r.bestGbs()), "best " + r.bestGbs());
        assertTrue(r.bestGbs() >= r.medianGbs(), r.toString());
        assertEquals(2, r.threads());
        assertTrue(r.bytes() <= 4L << 20 && r.bytes() > 3L << 20, "bytes read per repetition " + r.bytes());
        // Every pattern is tried and reported; the result is the one with the fastest repetition.
        assertEquals(BandwidthProbe.STREAMS.length, r.patterns().size());
        double fastest = 0;
        for (int i = 0; i < BandwidthProbe.STREAMS.length; i++) {
            BandwidthProbe.Pattern p = r.patterns().get(i);
            assertEquals(BandwidthProbe.STREAMS[i], p.streams());
            assertTrue(p.bestGbs() >= p.medianGbs() && p.medianGbs() > 0, p.toString());
            fastest = Math.max(fastest, p.bestGbs());
        }
        assertEquals(fastest, r.bestGbs(), 0.0);
        assertTrue(r.patterns().stream().anyMatch(p -> p.streams() == r.streams() && p.bestGbs() == r.bestGbs()
                && p.medianGbs() == r.medianGbs()), "streams " + r.streams() + " must name the fastest pattern: " + r);
    }

    @Test
    void everyPatternReadsEachFloatOnce() {
        // Distinct values per float (small integers, exact in f32 sums of this size): any float skipped or read
        // twice changes the sum.
        int floats = 24 * 4 * jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() * 8;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate((long) floats * Float.BYTES, 64);
            double expected = 0;
            for (int i = 0; i < floats; i++) {
                float x = 1 + i % 61;
                s.setAtIndex(ValueLayout.JAVA_FLOAT, i, x);
                expected += x;
            }
            for (int streams : BandwidthProbe.STREAMS) {
                assertEquals(expected, BandwidthProbe.sum(s, streams), 0.0, streams + " streams");
            }
        }
    }

    @Test
    void badSettingsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.measure(1000, 1, 1));
        assertTrue(e.getMessage().startsWith("bytes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.measure(1 << 20, 0, 1));
        assertTrue(e.getMessage().startsWith("threads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.measure(1 << 20, 1, 0));
        assertTrue(e.getMessage().startsWith("reps"), e.getMessage());
    }

    @Test
    void progressLineRewritesItselfAndStaysSilentWhenOff() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        p.prefix("[1/2] ");
        p.update("long message");
        p.update("short");
        p.done();
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("\r[1/2] long message\r[1/2] short"), s);
        assertTrue(s.endsWith("\r"), "the line is cleared at the end");
        ByteArrayOutputStream quiet = new ByteArrayOutputStream();
        Progress off = new Progress(new PrintStream(quiet, true, StandardCharsets.UTF_8), false);
        off.update("x");
        off.done();
        assertEquals(0, quiet.size());
    }
}
