package dev.kascade.ptx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Constructs outside the kernel subset are compile errors that name the file, the line and the construct. */
class PtxNegativeTest {
    private final PtxCompiler compiler = new PtxCompiler(PtxTarget.SM_90);

    private static Method kernel(String name) {
        for (Method m : NegativeKernels.class.getDeclaredMethods()) if (m.getName().equals(name)) return m;
        throw new AssertionError("no kernel " + name);
    }

    /** The line of the {@code // ERR:tag} marker in NegativeKernels.java. */
    private static int markerLine(String tag) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/java/dev/kascade/ptx/NegativeKernels.java"));
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains("// ERR:" + tag)) return i + 1;
        throw new AssertionError("no marker " + tag);
    }

    private void rejects(String kernel, String tag, String... fragments) throws IOException {
        PtxCompileException e = assertThrows(PtxCompileException.class, () -> compiler.compile(kernel(kernel), Map.of()));
        String msg = e.getMessage();
        String where = "NegativeKernels.java:" + markerLine(tag) + " in kernel " + kernel + ": ";
        assertTrue(msg.startsWith(where), () -> "expected '" + where + "...' but got: " + msg);
        for (String f : fragments) assertTrue(msg.contains(f), () -> "expected '" + f + "' in: " + msg);
    }

    @Test
    void objectsAreRejectedWithFileAndLine() throws IOException {
        rejects("objects", "objects", "'new StringBuilder' is not supported in kernels (objects)");
    }

    @Test
    void barrierUnderThreadDependentBranchIsRejected() throws IOException {
        rejects("divergentBarrier", "barrier", "barrier()", "thread-dependent branch");
    }

    @Test
    void barrierAfterThreadDependentEarlyReturnIsRejected() throws IOException {
        rejects("barrierAfterEarlyReturn", "early", "barrier()", "thread-dependent");
    }

    @Test
    void warpCollectiveUnderLaneDependentBranchIsRejected() throws IOException {
        rejects("divergentShuffle", "shuffle", "warp collective", "lane-dependent");
    }

    @Test
    void asyncWaitCountMustBeConstant() throws IOException {
        rejects("asyncWaitNotConstant", "asyncwait", "cpAsyncWait needs a compile-time constant");
    }

    @Test
    void syncWarpUnderLaneDependentBranchIsRejected() throws IOException {
        rejects("divergentSyncWarp", "syncwarp", "warp collective (warp_sync)", "lane-dependent");
    }

    @Test
    void minBlocksPerSmNeedsMaxThreads() {
        PtxCompileException e = assertThrows(PtxCompileException.class,
                () -> compiler.compile(kernel("blocksPerSmWithoutMaxThreads"), Map.of()));
        assertTrue(e.getMessage().contains("blocksPerSmWithoutMaxThreads") && e.getMessage().contains("minBlocksPerSm = 2")
                && e.getMessage().contains("maxThreads stated"), e::getMessage);
    }

    @Test
    void recursionIsRejected() throws IOException {
        rejects("recursion", "recursion", "recursion is not supported", "fib");
    }

    @Test
    void runtimeIndexIntoLocalArrayIsRejected() throws IOException {
        rejects("dynamicIndex", "index", "local array 'acc'", "not a compile-time constant", "KernelContext.unroll");
    }

    @Test
    void inexactMathIsRejectedWithAHint() throws IOException {
        rejects("mathExp", "exp", "Math.exp", "KernelContext.exp2");
    }

    @Test
    void writingAReadOnlyBufferIsRejected() throws IOException {
        rejects("writeReadOnly", "readonly", "@ReadOnly");
    }

    @Test
    void mutableStaticsAreRejected() throws IOException {
        rejects("mutableStatic", "static", "mutable");
    }

    @Test
    void exceptionsAreRejected() throws IOException {
        rejects("exceptions", "throw", "'new IllegalArgumentException' is not supported");
    }

    @Test
    void bufferLengthIsRejected() throws IOException {
        rejects("bufferLength", "length", "pass lengths");
    }

    @Test
    void floatRemainderIsRejected() throws IOException {
        rejects("floatRemainder", "frem", "floating-point '%'");
    }

    @Test
    void sharedSizeMustBeConstant() throws IOException {
        rejects("sharedNotConstant", "shared", "compile-time constant");
    }

    @Test
    void missingAndUnknownConstantsAreNamed() {
        PtxCompileException missing = assertThrows(PtxCompileException.class,
                () -> compiler.compile(kernel("constKernel"), Map.of()));
        assertTrue(missing.getMessage().contains("@Const parameter 'size' has no value"), missing::getMessage);
        PtxCompileException unknown = assertThrows(PtxCompileException.class,
                () -> compiler.compile(kernel("constKernel"), Map.of("size", 4, "sise", 5)));
        assertTrue(unknown.getMessage().contains("constant 'sise' is not a @Const parameter"), unknown::getMessage);
        PtxCompileException wrongType = assertThrows(PtxCompileException.class,
                () -> compiler.compile(kernel("constKernel"), Map.of("size", "four")));
        assertTrue(wrongType.getMessage().contains("'size' is int but its value is String"), wrongType::getMessage);
    }

    @Test
    void nonKernelMethodsAreRejected() throws Exception {
        Method m = PtxNegativeTest.class.getDeclaredMethod("markerLine", String.class);
        PtxCompileException e = assertThrows(PtxCompileException.class, () -> compiler.compile(m, Map.of()));
        assertTrue(e.getMessage().contains("first parameter must be a KernelContext"), e::getMessage);
        assertThrows(IllegalArgumentException.class, () -> compiler.compile(null, Map.of()));
    }
}
