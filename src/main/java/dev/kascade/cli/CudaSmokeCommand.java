package dev.kascade.cli;

import dev.kascade.cuda.CudaContext;
import dev.kascade.cuda.CudaDriver;
import dev.kascade.cuda.CudaEvent;
import dev.kascade.cuda.CudaException;
import dev.kascade.cuda.CudaFunction;
import dev.kascade.cuda.CudaModule;
import dev.kascade.cuda.CudaStream;
import dev.kascade.cuda.DeviceMemory;
import dev.kascade.cuda.HostRegistration;
import dev.kascade.cuda.KernelParams;
import dev.kascade.cuda.PinnedMemory;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.ptx.PtxParam;
import dev.kascade.ptx.PtxParam.Kind;
import dev.kascade.runtime.CudaDevice;
import dev.kascade.runtime.DataTransferMode;
import dev.kascade.runtime.Devices;
import dev.kascade.runtime.ExecutionPlan;
import dev.kascade.runtime.ExecutionResult;
import dev.kascade.runtime.GridScheduler;
import dev.kascade.runtime.TaskGraph;
import dev.kascade.runtime.WorkerGrid;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * {@code kascade cuda-smoke}: checks the CUDA driver bindings on a real GPU with hand-written PTX (vector
 * add, saxpy with f32/s64 parameters, a block reverse through more than 48 KB of dynamic shared memory),
 * the error paths (JIT log, out of memory, bounds checks), pinned and registered host memory with async
 * copies, and event timing; then a Java kernel through a task graph when the compiler is available.
 * Prints one line per check and a bandwidth figure; exits 1 when a check fails.
 */
public final class CudaSmokeCommand implements Command {
    private int failures;
    private PrintStream out;

    @Override
    public String name() {
        return "cuda-smoke";
    }

    @Override
    public String summary() {
        return "check the CUDA bindings on this machine's GPU (hand-written PTX, errors, copies, timing)";
    }

    @Override
    public String usage() {
        return """
                usage: kascade cuda-smoke [--device N] [--elements N] [--launches N]

                Runs hand-written PTX kernels through the FFM driver bindings on GPU N (default 0) and checks
                them against float64 references on random inputs, then the error paths (JIT error log, out of
                memory, copy bounds), pinned/registered memory with async copies, event timing, and a Java
                kernel through TaskGraph/ExecutionPlan when the Java-to-PTX compiler is built.
                --elements sets the vector-add size for the bandwidth figure (default 67108864);
                --launches the number of timed launch + synchronize pairs (default 5000).""";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        return run(args, out, CudaDriver.system(), Devices::cuda);
    }

    /** Runs the checks on {@code driver}; {@code gpu} opens the runtime device for the task-graph check. */
    int run(List<String> args, PrintStream out, CudaDriver driver, IntFunction<CudaDevice> gpu) throws Exception {
        Options o = Options.parse(args, Set.of("--device", "--elements", "--launches"), Set.of());
        int ordinal = o.getInt("--device", 0);
        int big = o.getInt("--elements", 1 << 26);
        if (big < 1024) throw new UsageException("--elements: expected >= 1024 but got " + big);
        int launches = o.getInt("--launches", 5000);
        if (launches < 1) throw new UsageException("--launches: expected >= 1 but got " + launches);
        this.out = out;
        this.failures = 0;
        String ptx = resource("/dev/kascade/cuda/smoke.ptx");
        try (CudaContext ctx = CudaContext.open(driver, ordinal)) {
            out.printf("device      %s, compute %s, driver CUDA %s%n", ctx.info().name(), ctx.info().computeCapability(),
                    ctx.info().driverCudaVersion());
            long t0 = System.nanoTime();
            try (CudaModule module = ctx.loadModule(ptx, 16384)) {
                out.printf("jit         smoke.ptx loaded in %.1f ms%s%n", (System.nanoTime() - t0) / 1e6,
                        module.infoLog().isEmpty() ? "" : "; log: " + module.infoLog().lines().findFirst().orElse(""));
                check("vadd odd size", () -> vadd(ctx, module, 100_003));
                check("saxpy64 f32+s64 params", () -> saxpy(ctx, module, 77_777));
                check("dynamic shared > 48 KB", () -> reverse(ctx, module, 100 * 1024));
                check("vadd bandwidth", () -> bandwidth(ctx, module, big));
                check("launch overhead", () -> launchOverhead(ctx, module, launches));
            }
            check("JIT error carries the log", () -> jitError(ctx));
            check("out of memory message", () -> outOfMemory(ctx));
            check("copy bounds checked", () -> bounds(ctx));
            check("pinned + registered async", () -> asyncCopies(ctx));
        }
        check("TaskGraph Java kernel on GPU", () -> taskGraph(gpu.apply(ordinal), Math.min(2000, launches)));
        out.println(failures == 0 ? "cuda-smoke: all checks passed" : "cuda-smoke: " + failures + " check(s) FAILED");
        return failures == 0 ? 0 : 1;
    }

    @FunctionalInterface
    private interface Check {
        String run() throws Exception;
    }

    private void check(String name, Check c) {
        try {
            out.printf("%-30s ok   %s%n", name, c.run());
        } catch (Throwable t) {
            failures++;
            out.printf("%-30s FAIL %s: %s%n", name, t.getClass().getSimpleName(), t.getMessage());
            if (System.getenv("KASCADE_DEBUG") != null) t.printStackTrace(out);
        }
        out.flush();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = CudaSmokeCommand.class.getResourceAsStream(name)) {
            if (in == null) throw new IOException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static MemorySegment randomFloats(Arena arena, int n, long seed) {
        MemorySegment s = arena.allocate(4L * n, 16);
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, r.nextFloat() * 2 - 1);
        return s;
    }

    private static final List<PtxParam> VADD = List.of(new PtxParam(1, "a", Kind.POINTER),
            new PtxParam(2, "b", Kind.POINTER), new PtxParam(3, "c", Kind.POINTER), new PtxParam(4, "n", Kind.S32));

    private static String vadd(CudaContext ctx, CudaModule module, int n) {
        CudaFunction f = module.function("vadd");
        try (Arena arena = Arena.ofConfined();
             DeviceMemory a = ctx.allocate(4L * n); DeviceMemory b = ctx.allocate(4L * n); DeviceMemory c = ctx.allocate(4L * n)) {
            MemorySegment ha = randomFloats(arena, n, 1), hb = randomFloats(arena, n, 2);
            MemorySegment hc = arena.allocate(4L * n, 16);
            a.copyFromHost(ha);
            b.copyFromHost(hb);
            c.fill((byte) 0xFF); // poison: NaN everywhere
            f.launch(LaunchConfig.of1D((n + 255) / 256, 256), KernelParams.marshal("vadd", VADD, new Object[] {a, b, c, n}), null);
            ctx.synchronize();
            c.copyToHost(hc);
            double maxErr = 0;
            for (int i = 0; i < n; i++) {
                double ref = (double) ha.getAtIndex(ValueLayout.JAVA_FLOAT, i) + hb.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                double err = Math.abs(hc.getAtIndex(ValueLayout.JAVA_FLOAT, i) - ref);
                if (!(err <= 1e-6)) throw new AssertionError("c[" + i + "] = " + hc.getAtIndex(ValueLayout.JAVA_FLOAT, i) + ", expected " + ref);
                maxErr = Math.max(maxErr, err);
            }
            return String.format("n=%d, max |err| vs f64 %.2e, %d registers", n, maxErr, f.registers());
        }
    }

    private static String saxpy(CudaContext ctx, CudaModule module, int n) {
        CudaFunction f = module.function("saxpy64");
        List<PtxParam> params = List.of(new PtxParam(1, "y", Kind.POINTER), new PtxParam(2, "x", Kind.POINTER),
                new PtxParam(3, "alpha", Kind.F32), new PtxParam(4, "n", Kind.S64));
        float alpha = 1.75f;
        try (Arena arena = Arena.ofConfined(); DeviceMemory y = ctx.allocate(4L * n); DeviceMemory x = ctx.allocate(4L * n)) {
            MemorySegment hy = randomFloats(arena, n, 3), hx = randomFloats(arena, n, 4);
            MemorySegment back = arena.allocate(4L * n, 16);
            y.copyFromHost(hy);
            x.copyFromHost(hx);
            f.launch(LaunchConfig.of1D((n + 127) / 128, 128), KernelParams.marshal("saxpy64", params,
                    new Object[] {y, x, alpha, (long) n}), null);
            ctx.synchronize();
            y.copyToHost(back);
            double maxErr = 0;
            for (int i = 0; i < n; i++) {
                double ref = (double) alpha * hx.getAtIndex(ValueLayout.JAVA_FLOAT, i) + hy.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                double err = Math.abs(back.getAtIndex(ValueLayout.JAVA_FLOAT, i) - ref);
                if (!(err <= 1e-6)) throw new AssertionError("y[" + i + "] = " + back.getAtIndex(ValueLayout.JAVA_FLOAT, i) + ", expected " + ref);
                maxErr = Math.max(maxErr, err);
            }
            return String.format("n=%d, max |err| vs f64 %.2e", n, maxErr);
        }
    }

    private static String reverse(CudaContext ctx, CudaModule module, int dynamicShared) {
        CudaFunction f = module.function("reverse_block");
        int block = 256, blocks = 37, n = block * blocks;
        List<PtxParam> params = List.of(new PtxParam(1, "in", Kind.POINTER), new PtxParam(2, "out", Kind.POINTER));
        try (Arena arena = Arena.ofConfined(); DeviceMemory in = ctx.allocate(4L * n); DeviceMemory o = ctx.allocate(4L * n)) {
            MemorySegment h = randomFloats(arena, n, 5);
            MemorySegment back = arena.allocate(4L * n, 16);
            in.copyFromHost(h);
            f.launch(new LaunchConfig(blocks, 1, 1, block, 1, dynamicShared),
                    KernelParams.marshal("reverse_block", params, new Object[] {in, o}), null);
            ctx.synchronize();
            o.copyToHost(back);
            for (int i = 0; i < n; i++) {
                int src = (i / block) * block + (block - 1 - i % block);
                if (back.getAtIndex(ValueLayout.JAVA_FLOAT, i) != h.getAtIndex(ValueLayout.JAVA_FLOAT, src)) {
                    throw new AssertionError("out[" + i + "] != in[" + src + "]");
                }
            }
            return String.format("%d KB dynamic shared (opt-in limit %d KB), %d blocks exact", dynamicShared / 1024,
                    ctx.info().maxSharedPerBlockOptin() / 1024, blocks);
        }
    }

    private static String bandwidth(CudaContext ctx, CudaModule module, int n) {
        CudaFunction f = module.function("vadd");
        int reps = 20;
        try (DeviceMemory a = ctx.allocate(4L * n); DeviceMemory b = ctx.allocate(4L * n); DeviceMemory c = ctx.allocate(4L * n);
             CudaEvent start = ctx.createEvent(); CudaEvent end = ctx.createEvent()) {
            a.fill((byte) 0x3F);
            b.fill((byte) 0x3F);
            LaunchConfig cfg = LaunchConfig.of1D((n + 255) / 256, 256);
            KernelParams p = KernelParams.marshal("vadd", VADD, new Object[] {a, b, c, n});
            p.prepare();
            for (int w = 0; w < 3; w++) f.launch(cfg, p, null);
            double[] ms = new double[reps];
            for (int r = 0; r < reps; r++) {
                start.record(null);
                f.launch(cfg, p, null);
                end.record(null);
                end.synchronize();
                ms[r] = end.elapsedMillisSince(start);
            }
            Arrays.sort(ms);
            double median = ms[reps / 2];
            double gbs = 12.0 * n / (median * 1e-3) / 1e9;
            return String.format("n=%d (%.0f MB moved), median %.3f ms of %d, %.0f GB/s", n, 12.0 * n / 1e6, median, reps, gbs);
        }
    }

    private static String launchOverhead(CudaContext ctx, CudaModule module, int reps) {
        CudaFunction f = module.function("vadd");
        try (DeviceMemory a = ctx.allocate(4096); DeviceMemory b = ctx.allocate(4096); DeviceMemory c = ctx.allocate(4096)) {
            KernelParams p = KernelParams.marshal("vadd", VADD, new Object[] {a, b, c, 1024});
            p.prepare(); // written once, reused by every launch
            LaunchConfig cfg = LaunchConfig.of1D(4, 256);
            for (int i = 0; i < Math.min(3000, reps); i++) { // enough calls for the JIT to compile the path
                f.launch(cfg, p, null);
                ctx.synchronize();
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                f.launch(cfg, p, null);
                ctx.synchronize();
            }
            double each = (System.nanoTime() - t0) / 1e3 / reps;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) f.launch(cfg, p, null);
            ctx.synchronize();
            double queued = (System.nanoTime() - t0) / 1e3 / reps;
            return String.format("launch + synchronize %.1f us each; %.1f us per launch when queued back to back (%d reps, wall clock)",
                    each, queued, reps);
        }
    }

    private static String jitError(CudaContext ctx) {
        String bad = """
                .version 8.0
                .target sm_80
                .address_size 64
                .visible .entry broken() {
                    .reg .f32 %f<2>;
                    add.f32 %f1, %f9999, %f1;
                    ret;
                }
                """;
        try (CudaModule m = ctx.loadModule(bad, 16384)) {
            throw new AssertionError("broken PTX loaded");
        } catch (CudaException e) {
            if (!e.getMessage().contains("JIT error log")) throw new AssertionError("no JIT log in: " + e.getMessage());
            return e.errorName() + "; log line: " + e.getMessage().lines().filter(l -> l.contains("9999")).findFirst().orElse("?");
        }
    }

    private static String outOfMemory(CudaContext ctx) {
        try (DeviceMemory m = ctx.allocate(1L << 50)) {
            throw new AssertionError("allocated a PiB");
        } catch (CudaException e) {
            if (e.code() != CudaException.OUT_OF_MEMORY) throw e;
            return e.getMessage();
        }
    }

    private static String bounds(CudaContext ctx) {
        try (Arena arena = Arena.ofConfined(); DeviceMemory m = ctx.allocate(64)) {
            try {
                m.copyFromHost(arena.allocate(128));
                throw new AssertionError("128-byte copy into 64 bytes was accepted");
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
    }

    private static String asyncCopies(CudaContext ctx) {
        int n = 1 << 20;
        try (Arena arena = Arena.ofConfined(); PinnedMemory src = ctx.allocatePinned(4L * n); PinnedMemory dst = ctx.allocatePinned(4L * n);
             DeviceMemory d = ctx.allocate(4L * n); DeviceMemory d2 = ctx.allocate(4L * n); CudaStream stream = ctx.createStream()) {
            MemorySegment data = randomFloats(arena, n, 6);
            src.segment().copyFrom(data);
            d.copyFromHostAsync(src.segment(), stream);
            d2.copyFromAsync(d, 4L * n, stream);
            d2.copyToHostAsync(dst.segment(), stream);
            stream.synchronize();
            if (dst.segment().mismatch(data) != -1) throw new AssertionError("pinned round trip differs");
            MemorySegment reg = arena.allocate(4L * n, 4096);
            try (HostRegistration r = ctx.register(reg, false)) {
                d2.copyToHostAsync(reg, stream);
                stream.synchronize();
            }
            if (reg.mismatch(data) != -1) throw new AssertionError("registered round trip differs");
            return "4 MB pinned H2D, D2D, D2H and registered D2H on a stream";
        }
    }

    private static String taskGraph(CudaDevice gpu, int reps) {
        int n = 100_003;
        try (Arena arena = Arena.ofConfined()) {
            F32Buffer a = new F32Buffer(randomFloats(arena, n, 7));
            F32Buffer b = new F32Buffer(randomFloats(arena, n, 8));
            F32Buffer c = F32Buffer.allocate(arena, n);
            TaskGraph g = new TaskGraph("smoke")
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b)
                    .task("add", SmokeKernels::add, a, b, c, n)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
            try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
                plan.withDevice(gpu).withGridScheduler(new GridScheduler("smoke.add", WorkerGrid.of1D(n, 256)));
                ExecutionResult first = plan.execute();
                ExecutionResult second = plan.execute();
                for (int i = 0; i < n; i++) {
                    double ref = (double) a.get(i) + b.get(i);
                    if (Math.abs(c.get(i) - ref) > 1e-6) throw new AssertionError("c[" + i + "] = " + c.get(i) + ", expected " + ref);
                }
                // Host cost of re-running a plan whose data is resident: one launch timed by events.
                TaskGraph hot = new TaskGraph("hot").task("add", SmokeKernels::add, a, b, c, n);
                double perRun;
                try (ExecutionPlan p2 = new ExecutionPlan(hot.snapshot())) {
                    p2.withDevice(gpu).withGridScheduler(new GridScheduler("hot.add", WorkerGrid.of1D(n, 256)));
                    for (int i = 0; i < reps; i++) p2.execute();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < reps; i++) p2.execute();
                    perRun = (System.nanoTime() - t0) / 1e3 / reps;
                }
                return String.format("n=%d correct; %.3f ms then %.3f ms (events); %d then %d copies to device; "
                                + "%.1f us per execute() on resident data", n, first.millis("smoke.add"), second.millis("smoke.add"),
                        first.transfersToDevice(), second.transfersToDevice(), perRun);
            }
        } catch (UnsupportedOperationException e) {
            return "skipped: " + e.getMessage();
        }
    }
}
