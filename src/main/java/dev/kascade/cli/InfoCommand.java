package dev.kascade.cli;

import dev.kascade.cpu.Rows;
import dev.kascade.cuda.CudaDeviceInfo;
import dev.kascade.cuda.CudaDriver;
import dev.kascade.cuda.CudaUnavailableException;
import dev.kascade.runtime.CudaConfig;
import dev.kascade.runtime.SystemInfo;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import jdk.incubator.vector.FloatVector;

/** {@code kascade info}: the CPU and any CUDA GPUs this machine offers Kascade. */
public final class InfoCommand implements Command {
    @Override
    public String name() {
        return "info";
    }

    @Override
    public String summary() {
        return "show the CPU (cores, vector width, heap) and CUDA GPUs (compute capability, SMs, memory)";
    }

    @Override
    public String usage() {
        return """
                usage: kascade info

                Prints the CPU (model, cores, the Vector API's preferred width, maximum heap) and every CUDA
                GPU the NVIDIA driver reports (name, compute capability, SMs, memory, L2, shared memory per
                block, driver version), or "no CUDA driver found". Always exits 0 when it could print.""";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        Options o = Options.parse(args, Set.of(), Set.of());
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().getFirst() + "'");
        printCpu(out);
        printCuda(out);
        return 0;
    }

    static void printCpu(PrintStream out) {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int kernelBits = Rows.F.vectorBitSize();
        out.println("CPU");
        out.printf("  model       %s%n", SystemInfo.cpuModel());
        out.printf("  cores       %d%n", Runtime.getRuntime().availableProcessors());
        out.printf("  vector      %d-bit preferred species (%d floats per vector)%n", bits, bits / 32);
        if (kernelBits != bits) {
            out.printf("  kernels     %d-bit (%s), run in plain Java where the CPU lacks the width%n", kernelBits,
                    Rows.VECTOR_BITS_PROPERTY);
        }
        out.printf("  max heap    %.1f GiB%n", Runtime.getRuntime().maxMemory() / (double) (1L << 30));
        out.printf("  java        %s (%s)%n", System.getProperty("java.version"), System.getProperty("java.home"));
    }

    static void printCuda(PrintStream out) {
        out.println("CUDA");
        CudaDriver driver;
        try {
            driver = CudaDriver.system();
        } catch (CudaUnavailableException e) {
            out.println("  no CUDA driver found (" + e.getMessage() + ")");
            return;
        }
        int count = driver.deviceCount();
        int v = driver.driverVersion();
        out.printf("  driver      CUDA %d.%d (%s), %d device(s)%n", v / 1000, (v % 1000) / 10, driver.source(), count);
        out.printf("  ptx cache   %s%n", describeCache(CudaConfig.get()));
        for (int i = 0; i < count; i++) {
            CudaDeviceInfo d = CudaDeviceInfo.query(driver, i);
            out.printf("  device %d    %s%n", i, d.name());
            String target;
            try {
                target = d.bestTarget().ptxName();
            } catch (CudaUnavailableException e) {
                target = "unsupported: " + e.getMessage();
            }
            out.printf("    compute   %s (PTX target %s)%n", d.computeCapability(), target);
            out.printf("    SMs       %d%n", d.multiprocessors());
            out.printf("    memory    %.1f GiB, %d-bit bus at %d MHz%n", d.totalMemoryBytes() / (double) (1L << 30),
                    d.memoryBusWidthBits(), d.memoryClockKHz() / 1000);
            out.printf("    L2        %.1f MiB%n", d.l2Bytes() / (double) (1 << 20));
            out.printf("    shared    %d KiB per block (opt-in)%n", d.maxSharedPerBlockOptin() / 1024);
        }
    }

    private static String describeCache(CudaConfig c) {
        return (c.ptxCacheDir() == null ? "off (memory only)" : c.ptxCacheDir().toString()) + "  [settings: " + c.source() + "]";
    }
}
