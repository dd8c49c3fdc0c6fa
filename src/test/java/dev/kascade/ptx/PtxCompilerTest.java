package dev.kascade.ptx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Each Java-semantics lowering rule, checked on the emitted PTX text. */
class PtxCompilerTest {
    private final PtxCompiler compiler = new PtxCompiler(PtxTarget.SM_90);

    static Method kernel(Class<?> owner, String name) {
        for (Method m : owner.getDeclaredMethods()) if (m.getName().equals(name)) return m;
        throw new AssertionError("no kernel " + name);
    }

    private String ptx(String name) {
        return compile(name, Map.of()).ptx();
    }

    private PtxModule compile(String name, Map<String, Object> constants) {
        return compiler.compile(kernel(LoweringKernels.class, name), constants);
    }

    /** Instruction lines (no comments or directives). */
    private static List<String> insns(String ptx) {
        List<String> out = new ArrayList<>();
        for (String l : ptx.split("\n")) {
            String t = l.strip();
            if (t.isEmpty() || t.startsWith("//") || t.startsWith(".")) continue;
            out.add(t.replaceAll(";$", ""));
        }
        return out;
    }

    private static String find(String ptx, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(ptx);
        assertTrue(m.find(), () -> "no match for /" + regex + "/ in:\n" + ptx);
        return m.group();
    }

    @Test
    void variableShiftsAreMaskedLikeJava() {
        String p = ptx("shifts");
        Matcher and = Pattern.compile("and\\.b32\\s+(%r\\d+), (%r\\d+), 31").matcher(p);
        assertTrue(and.find(), p);
        assertTrue(p.contains("shl.b32\t") && Pattern.compile("shl\\.b32\\s+%r\\d+, %r\\d+, " + Pattern.quote(and.group(1)))
                .matcher(p).find(), "int shift must use the masked amount:\n" + p);
        // a << 35 is a << 3 in Java: a constant amount is masked at compile time.
        assertTrue(Pattern.compile("shl\\.b32\\s+%r\\d+, %r\\d+, 3\\b").matcher(p).find(), p);
        assertTrue(Pattern.compile("and\\.b32\\s+%r\\d+, %r\\d+, 63").matcher(p).find(), "long shifts mask with 63:\n" + p);
        assertTrue(p.contains("shr.u64"), ">>> on long is a logical shift:\n" + p);
    }

    @Test
    void negativeAddressOffsetsAreWrittenAsPtxasParsesThem() {
        // "[%rd1-4]" is a syntax error for ptxas; "[%rd1+-4]" is the form it takes
        String p = ptx("negativeOffsets");
        find(p, "^\\s*ld\\.global\\.s32\\s+%r\\d+, \\[%rd\\d+\\+-4\\]");
        find(p, "^\\s*st\\.global\\.s32\\s+\\[%rd\\d+\\+-8\\]");
        find(p, "^\\s*atom\\.global\\.add\\.s32\\s+%r\\d+, \\[%rd\\d+\\+-12\\]");
        assertFalse(Pattern.compile("\\[%rd\\d+-").matcher(p).find(), p);
    }

    @Test
    void sourceLinesAreQuotedInAsciiOnly() {
        String p = ptx("nonAsciiSource");
        assertTrue(p.contains("out.set(ctx.globalIdx(), 1); // x ? y ?"), "the quoted line, its other characters as ?:\n" + p);
        for (int k = 0; k < p.length(); k++) {
            char ch = p.charAt(k);
            assertTrue(ch == '\n' || ch == '\t' || (ch >= 0x20 && ch < 0x7F), "character " + (int) ch + " at " + k);
        }
    }

    @Test
    void floatComparesBranchOnTheUnorderedNegation() {
        // javac branches to the else arm; NaN must take it exactly as on the JVM
        assertTrue(ptx("lessThan").contains("setp.geu.f32"), "a < b branches away on geu");
        assertTrue(ptx("greaterThan").contains("setp.leu.f32"), "a > b branches away on leu");
        assertTrue(ptx("notEqual").contains("setp.eq.f32"), "a != b branches away on ordered eq (NaN != NaN is true)");
        assertTrue(ptx("equal").contains("setp.neu.f32"), "a == b branches away on neu (NaN == NaN is false)");
    }

    @Test
    void floatToIntTruncatesSaturatesAndMapsNaNToZero() {
        String p = ptx("floatToInt");
        String num = find(p, "setp\\.num\\.f32\\s+(%p\\d+), (%f\\d+), \\2");
        String pred = num.replaceAll("setp\\.num\\.f32\\s+(%p\\d+),.*", "$1");
        assertTrue(p.contains("cvt.rzi.s32.f32"), p);
        assertTrue(p.contains("cvt.rzi.s64.f32"), p);
        assertTrue(Pattern.compile("selp\\.b32\\s+%r\\d+, %r\\d+, 0, " + Pattern.quote(pred)).matcher(p).find(), p);
        assertTrue(p.contains("selp.b64"), "long conversion is NaN-guarded too:\n" + p);
    }

    @Test
    void floatArithmeticIsRoundedPerOperationAndNeverContracted() {
        String p = ptx("noContraction");
        assertTrue(p.contains("mul.rn.f32") && p.contains("add.rn.f32"), p);
        assertTrue(p.contains("div.rn.f32"), "IEEE division:\n" + p);
        assertFalse(p.contains("div.approx") || p.contains("div.full"), p);
        assertEquals(1, insns(p).stream().filter(l -> l.startsWith("fma.")).count(), "only the explicit fma:\n" + p);
        assertTrue(p.contains("fma.rn.f32"), p);
        assertTrue(p.contains("max.NaN.f32"), "Math.max propagates NaN:\n" + p);
        assertTrue(p.contains("sqrt.rn.f32"), "(float) Math.sqrt(float) is the exact f32 square root:\n" + p);
        for (String l : insns(p)) {
            if (l.matches("(add|sub|mul)\\.f32.*")) throw new AssertionError("float op without rounding mode: " + l);
        }
    }

    @Test
    void integerDivisionTruncatesAndArithmeticWraps() {
        String p = ptx("intDivision");
        assertTrue(p.contains("div.s32") && p.contains("rem.s32"), p);
        assertTrue(p.contains("mul.lo.s32") && p.contains("add.s32"), p);
    }

    @Test
    void bf16x2PackingPutsTheFirstSourceInTheHighHalf() {
        String p = ptx("packOrder");
        String lo = find(p, "ld\\.global\\.f32\\s+%f\\d+, \\[%rd\\d+\\]").replaceAll(".*\\s(%f\\d+),.*", "$1");
        String hi = find(p, "ld\\.global\\.f32\\s+%f\\d+, \\[%rd\\d+\\+4\\]").replaceAll(".*\\s(%f\\d+),.*", "$1");
        assertTrue(Pattern.compile("cvt\\.rn\\.bf16x2\\.f32\\s+%r\\d+, " + Pattern.quote(hi) + ", " + Pattern.quote(lo))
                .matcher(p).find(), "expected cvt.rn.bf16x2.f32 d, hi(" + hi + "), lo(" + lo + "):\n" + p);
    }

    @Test
    void constantsAreFoldedAndParametersListed() {
        PtxModule m = compile("specialised", Map.of("width", 64));
        assertEquals("LoweringKernels_specialised_width64", m.entryName());
        assertEquals(List.of(new PtxParam(1, "out", PtxParam.Kind.POINTER), new PtxParam(2, "scale", PtxParam.Kind.F32),
                new PtxParam(4, "count", PtxParam.Kind.S64)), m.params());
        String p = m.ptx();
        assertTrue(p.contains(".param .u64 p_out") && p.contains(".param .f32 p_scale") && p.contains(".param .s64 p_count"), p);
        assertFalse(p.contains("p_width"), "a @Const parameter is not an entry parameter");
        assertTrue(p.contains("0f42800000"), "width (64.0f) is folded into the code:\n" + p);
        assertTrue(p.contains("rem.s32") && p.contains(", 64;"), p);
        assertTrue(p.contains(".shared .align 16 .b8 smem0[1024];"), p);
        assertEquals(1024, m.staticSharedBytes());
        assertTrue(p.contains("bar.sync\t0"), p);
        assertTrue(p.contains("ld.shared.f32") && p.contains("st.shared.f32"), p);
        assertTrue(p.contains("cvta.to.global.u64"), p);
        assertTrue(p.startsWith("//") && p.contains(".version 8.0") && p.contains(".target sm_90")
                && p.contains(".address_size 64"), p);
        PtxModule other = compile("specialised", Map.of("width", 128));
        assertEquals("LoweringKernels_specialised_width128", other.entryName(), "one entry per constant set");
    }

    @Test
    void unrolledLoopsKeepLocalArraysInRegisters() {
        String p = ptx("unrolled");
        assertFalse(p.contains("bra"), "the unroll loop leaves no branch:\n" + p);
        assertFalse(p.contains(".local"), p);
        assertTrue(p.contains("ld.global.nc.v4.b32"), "one 16-byte read-only load:\n" + p);
        assertEquals(8, insns(p).stream().filter(l -> l.startsWith("mul.rn.f32")).count(), p);
        assertTrue(p.contains("mul.wide.s32"), "int index scaled with mul.wide.s32:\n" + p);
    }

    @Test
    void constantExpressionsFoldWithJavaSemantics() {
        String p = ptx("constantFolding");
        int expected = (7 << 33) / 3 + 2 + 0 + 2;
        assertTrue(Pattern.compile("st\\.global\\.s32\\s+\\[%rd\\d+\\], " + expected + "\\b").matcher(p).find(),
                "expected the folded value " + expected + ":\n" + p);
    }

    @Test
    void outputMapsBackToJavaLines() {
        String p = ptx("intDivision");
        assertTrue(p.contains(".file\t1 \"dev/kascade/ptx/LoweringKernels.java\""), p);
        assertTrue(Pattern.compile("\\.loc\\t1 \\d+ 0").matcher(p).find(), p);
        assertTrue(p.contains("// LoweringKernels.java:") && p.contains("io.set(2, a / b);"), "source text as comments:\n" + p);
    }

    @Test
    void targetSm80IsHonoured() {
        PtxModule m = new PtxCompiler(PtxTarget.SM_80).compile(kernel(LoweringKernels.class, "shifts"), Map.of());
        assertTrue(m.ptx().contains(".target sm_80"));
        assertEquals(PtxTarget.SM_80, m.target());
    }
}
