package dev.kascade.ptx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernel.Kernel;
import dev.kascade.kernels.BuiltinKernels;
import dev.kascade.kernels.KernelSpec;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every generated module is assembled by {@code ptxas -arch=sm_90 -v}: the development kernels and the
 * built-in corpus. Built-in kernels must also have no spills and no stack frame. Skipped, with a message,
 * where ptxas is not installed.
 */
class PtxasTest {
    private static final Map<String, Map<String, Object>> TEST_CONSTANTS = Map.of(
            "rowSoftmax", Map.of("cols", 1000),
            "control", Map.of("mode", 7),
            "registerArrays", Map.of("chunks", 3),
            "specialised", Map.of("width", 64));

    private static Ptxas ptxas() {
        Optional<Ptxas> p = Ptxas.find();
        Assumptions.assumeTrue(p.isPresent(), "ptxas not found on PATH, /usr/local/cuda/bin or /usr/local/bin: "
                + "skipping PTX assembly checks");
        return p.get();
    }

    /** Assembles modules eight at a time (ptxas start-up dominates); each future holds a report or the failure. */
    private static List<Future<Ptxas.Report>> checkAll(Ptxas ptxas, List<PtxModule> modules) {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Ptxas.Report>> out = new ArrayList<>();
            for (PtxModule m : modules) out.add(pool.submit(() -> ptxas.check(m)));
            return out;
        } finally {
            pool.shutdown();
        }
    }

    @TestFactory
    Stream<DynamicTest> developmentKernelsAssemble() {
        Ptxas ptxas = ptxas();
        PtxCompiler compiler = new PtxCompiler(PtxTarget.SM_90);
        List<String> names = new ArrayList<>();
        List<PtxModule> modules = new ArrayList<>();
        for (Class<?> owner : List.of(TestKernels.class, LoweringKernels.class)) {
            for (Method m : owner.getDeclaredMethods()) {
                if (!m.isAnnotationPresent(Kernel.class)) continue;
                names.add(owner.getSimpleName() + "." + m.getName());
                modules.add(compiler.compile(m, TEST_CONSTANTS.getOrDefault(m.getName(), Map.of())));
            }
        }
        List<Future<Ptxas.Report>> reports = checkAll(ptxas, modules);
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Future<Ptxas.Report> f = reports.get(i);
            tests.add(DynamicTest.dynamicTest(names.get(i), () -> {
                Ptxas.Report r = get(f);
                assertEquals(0, r.spillStoreBytes() + r.spillLoadBytes(), r.log());
                assertEquals(0, r.stackFrameBytes(), r.log());
            }));
        }
        return tests.stream();
    }

    private static Ptxas.Report get(Future<Ptxas.Report> f) throws Throwable {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    @TestFactory
    Stream<DynamicTest> builtinKernelsAssembleWithoutSpills() {
        Ptxas ptxas = ptxas();
        List<KernelSpec> all = BuiltinKernels.all();
        Assumptions.assumeFalse(all.isEmpty(), "BuiltinKernels.all() is empty: no corpus to assemble yet");
        PtxCompiler compiler = new PtxCompiler(PtxTarget.SM_90);
        List<PtxModule> modules = new ArrayList<>();
        for (KernelSpec spec : all) modules.add(compiler.compile(spec.method(), spec.constants()));
        List<Future<Ptxas.Report>> reports = checkAll(ptxas, modules);
        return java.util.stream.IntStream.range(0, all.size()).mapToObj(i -> DynamicTest.dynamicTest(all.get(i).name(), () -> {
            KernelSpec spec = all.get(i);
            Ptxas.Report r = get(reports.get(i));
            assertEquals(0, r.spillStoreBytes(), "spill stores in " + spec.name() + ":\n" + r.log());
            assertEquals(0, r.spillLoadBytes(), "spill loads in " + spec.name() + ":\n" + r.log());
            assertEquals(0, r.stackFrameBytes(), "stack frame in " + spec.name() + ":\n" + r.log());
            assertTrue(r.registers() > 0 && r.registers() <= 255, r.log());
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyBuiltinKernelAssemblesForSm80OrIsRejectedAsNeedingSm90() {
        // An A100 (sm_80) user gets every kernel but those built on sm_90 instructions, which fail by name, not in
        // ptxas; sm_90-only hints (L2 prefetch, griddepcontrol) become comments there.
        Ptxas ptxas = ptxas();
        PtxCompiler compiler = new PtxCompiler(PtxTarget.SM_80);
        List<KernelSpec> specs = new ArrayList<>();
        List<PtxModule> modules = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        for (KernelSpec spec : BuiltinKernels.all()) {
            try {
                modules.add(compiler.compile(spec.method(), spec.constants()));
                specs.add(spec);
            } catch (UnsupportedTargetException e) {
                assertTrue(e.getMessage().contains("needs sm_90"), e.getMessage());
                rejected.add(spec.name());
            }
        }
        assertEquals(List.of("bulk_copy"), rejected);
        List<Future<Ptxas.Report>> reports = checkAll(ptxas, modules);
        return java.util.stream.IntStream.range(0, specs.size()).mapToObj(i -> DynamicTest.dynamicTest(specs.get(i).name(),
                () -> assertTrue(get(reports.get(i)).registers() > 0)));
    }

    @TestFactory
    Stream<DynamicTest> sm80ModulesAssemble() {
        Ptxas ptxas = ptxas();
        PtxCompiler compiler = new PtxCompiler(PtxTarget.SM_80);
        List<String> names = List.of("vectorAdd", "blockSum", "convert");
        List<PtxModule> modules = new ArrayList<>();
        for (String n : names) modules.add(compiler.compile(PtxCompilerTest.kernel(TestKernels.class, n), Map.of()));
        List<Future<Ptxas.Report>> reports = checkAll(ptxas, modules);
        return java.util.stream.IntStream.range(0, names.size()).mapToObj(i -> DynamicTest.dynamicTest(names.get(i),
                () -> assertEquals(0, get(reports.get(i)).stackFrameBytes())));
    }
}
