package dev.kascade.gpubench;

import dev.kascade.runtime.CudaConfig;
import dev.kascade.runtime.CudaDevice;
import dev.kascade.runtime.Devices;
import dev.kascade.tensor.DType;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The GPU side of {@code kascade bench}: {@code decode --device cuda} over a grid of batches and contexts, and
 * {@code vecadd --device cuda}. Prints JSON lines (and appends them to {@code --out}); progress on stderr.
 */
public final class CudaBench {
    private CudaBench() {
    }

    /** Runs the decode grid; returns the JSON lines. */
    public static List<String> decode(int[] batches, int[] contexts, DType dtype, int qHeads, int kvHeads, int headDim,
                                      double topk, int[] anchors, int layers, int warmup, int iters, int blocksPerSm,
                                      int minKeysPerSplit, Path outFile,
                                      PrintStream out, PrintStream err) throws IOException {
        if (dtype != DType.BF16 && dtype != DType.F16) { // before touching the GPU
            throw new IllegalArgumentException("--dtype: the GPU decode stores bf16 or f16 but got " + dtype.label());
        }
        CudaDevice device = Devices.cuda(CudaConfig.get().device());
        CudaDecodeBench bench = new CudaDecodeBench(device);
        List<String> lines = new ArrayList<>();
        int total = batches.length * contexts.length, done = 0;
        try (BufferedWriter file = outFile == null ? null
                : Files.newBufferedWriter(outFile, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND)) {
            for (int batch : batches) {
                for (int context : contexts) {
                    done++;
                    err.printf(Locale.ROOT, "\r[%d/%d] decode %s batch %d context %d ...", done, total, dtype.label(), batch, context);
                    err.flush();
                    String line;
                    try {
                        line = bench.run(new CudaDecodeBench.Config(batch, context, dtype, qHeads, kvHeads, headDim, topk,
                                anchors, layers, warmup, iters, blocksPerSm, minKeysPerSplit));
                    } catch (IllegalArgumentException e) {
                        line = String.format(Locale.ROOT, "{\"bench\":\"decode\",\"batch\":%d,\"context\":%d,\"dtype\":\"%s\","
                                + "\"skipped\":\"%s\"}", batch, context, dtype.label(), e.getMessage().replace("\"", "'"));
                    }
                    out.println(line);
                    out.flush();
                    lines.add(line);
                    if (file != null) {
                        file.write(line);
                        file.newLine();
                        file.flush();
                    }
                }
            }
        }
        err.println();
        return lines;
    }

    /** The Java vector add on the GPU; returns its JSON line. */
    public static String vecadd(int n, int reps, int blocksPerSm) {
        return CudaVecAddBench.run(Devices.cuda(CudaConfig.get().device()), n, reps, blocksPerSm);
    }
}
