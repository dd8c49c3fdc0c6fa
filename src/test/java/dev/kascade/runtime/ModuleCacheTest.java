package dev.kascade.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.KernelContext;
import dev.kascade.ptx.PtxModule;
import dev.kascade.ptx.PtxParam;
import dev.kascade.ptx.PtxParam.Kind;
import dev.kascade.ptx.PtxTarget;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache keys and the memory and disk caches of compiled modules. */
class ModuleCacheTest {
    @TempDir
    Path dir;

    private final AtomicInteger compiles = new AtomicInteger();

    private PtxModule fakeCompile(Method m, Map<String, Object> constants, PtxTarget target) {
        compiles.incrementAndGet();
        return new PtxModule(m.getName() + "_" + constants.values(), "//\n.version 8.0\n.target " + target.ptxName() + "\n// "
                + constants + "\n", target, List.of(new PtxParam(1, "x", Kind.POINTER), new PtxParam(3, "n", Kind.S32)), 128);
    }

    private static Method scale() throws NoSuchMethodException {
        return TestKernels.class.getDeclaredMethod("scale", KernelContext.class, F32Buffer.class, int.class, int.class);
    }

    private static Method add() throws NoSuchMethodException {
        return TestKernels.class.getDeclaredMethod("add", KernelContext.class, F32Buffer.class, F32Buffer.class, F32Buffer.class, int.class);
    }

    @Test
    void diskKeysCoverTheProjectClassesAKernelCallsInto() {
        // PersistentDecodeKernel inlines MmaDecodeKernel's step: editing that helper alone must miss the cache
        java.util.SortedMap<String, byte[]> classes = ModuleCache.referencedProjectClasses(
                dev.kascade.kernels.attention.PersistentDecodeKernel.class);
        assertTrue(classes.containsKey("dev/kascade/kernels/attention/PersistentDecodeKernel"), classes.keySet().toString());
        assertTrue(classes.containsKey("dev/kascade/kernels/attention/MmaDecodeKernel"), classes.keySet().toString());
        assertTrue(classes.containsKey("dev/kascade/kernel/KernelContext"), classes.keySet().toString());
        assertTrue(classes.keySet().stream().allMatch(n -> n.startsWith("dev/kascade/")), "no JDK classes");
        assertTrue(classes.size() < 200, classes.size() + " classes hashed for one kernel");
    }

    @Test
    void diskKeysSeparateKernelsConstantsAndTargets() throws Exception {
        String k = ModuleCache.diskKey(scale(), Map.of("factor", 2), PtxTarget.SM_90);
        assertEquals(64, k.length());
        assertEquals(k, ModuleCache.diskKey(scale(), Map.of("factor", 2), PtxTarget.SM_90), "stable");
        assertNotEquals(k, ModuleCache.diskKey(scale(), Map.of("factor", 3), PtxTarget.SM_90));
        assertNotEquals(k, ModuleCache.diskKey(scale(), Map.of("factor", 2L), PtxTarget.SM_90), "the constant's type counts");
        assertNotEquals(k, ModuleCache.diskKey(scale(), Map.of("factor", 2), PtxTarget.SM_80));
        assertNotEquals(ModuleCache.diskKey(add(), Map.of(), PtxTarget.SM_90), ModuleCache.diskKey(scale(), Map.of(), PtxTarget.SM_90));
        Map<String, Object> ab = new LinkedHashMap<>();
        ab.put("a", 1);
        ab.put("b", 2);
        Map<String, Object> ba = new LinkedHashMap<>();
        ba.put("b", 2);
        ba.put("a", 1);
        assertEquals(ModuleCache.diskKey(add(), ab, PtxTarget.SM_90), ModuleCache.diskKey(add(), ba, PtxTarget.SM_90), "order-free");
    }

    @Test
    void memoryCacheCompilesOncePerKey() throws Exception {
        ModuleCache c = new ModuleCache(this::fakeCompile, null);
        PtxModule m = c.get(scale(), Map.of("factor", 2), PtxTarget.SM_90);
        assertSame(m, c.get(scale(), Map.of("factor", 2), PtxTarget.SM_90));
        c.get(scale(), Map.of("factor", 4), PtxTarget.SM_90);
        assertEquals(2, compiles.get());
        assertEquals(2, c.compilations());
    }

    @Test
    void diskCacheSurvivesANewProcessAndIsPlainPtx() throws Exception {
        PtxModule first = new ModuleCache(this::fakeCompile, dir).get(scale(), Map.of("factor", 2), PtxTarget.SM_90);
        Path file = dir.resolve(ModuleCache.diskKey(scale(), Map.of("factor", 2), PtxTarget.SM_90) + ".ptx");
        assertTrue(Files.isRegularFile(file));
        assertTrue(Files.readString(file).contains(".target sm_90"));
        ModuleCache fresh = new ModuleCache(this::fakeCompile, dir);
        PtxModule again = fresh.get(scale(), Map.of("factor", 2), PtxTarget.SM_90);
        assertEquals(first, again);
        assertEquals(1, compiles.get(), "the second cache read the disk");
        assertEquals(1, fresh.diskHits());
    }

    @Test
    void corruptEntriesAreRecompiled() throws Exception {
        Path file = dir.resolve(ModuleCache.diskKey(add(), Map.of(), PtxTarget.SM_90) + ".ptx");
        Files.writeString(file, "// kascade-module v1\n// kascade.entry x\n// garbage\n");
        PtxModule m = new ModuleCache(this::fakeCompile, dir).get(add(), Map.of(), PtxTarget.SM_90);
        assertEquals(1, compiles.get());
        assertEquals(m, ModuleCache.decode(Files.readString(file), PtxTarget.SM_90), "rewritten");
    }

    @Test
    void decodeRejectsForeignFiles() {
        assertNull(ModuleCache.decode(".version 8.0\n", PtxTarget.SM_90));
        assertNull(ModuleCache.decode("// kascade-module v1\n// kascade.entry e\n", PtxTarget.SM_90), "no end marker");
        assertNull(ModuleCache.decode("// kascade-module v1\n// kascade.entry e\n// kascade.static-shared 0\n"
                + "// kascade.param 1 x WIDE\n// kascade.end\n", PtxTarget.SM_90), "unknown kind");
    }

    @Test
    void unwritableDirectoryFallsBackToMemory() throws IOException {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "not a directory");
        ModuleCache c = new ModuleCache(this::fakeCompile, blocker.resolve("ptx"));
        try {
            c.get(add(), Map.of(), PtxTarget.SM_90);
            c.get(add(), Map.of(), PtxTarget.SM_90);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
        assertEquals(1, compiles.get());
    }
}
