package dev.kascade.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.KascadeConfig;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The code of README.md and docs/library-example.md, compiled and run: keep the three identical. */
class ReadmeExampleTest {
    @Test
    void libraryExampleRuns() {
        // --- begin example ---
        int layers = 32, qHeads = 32, kvHeads = 8, headDim = 128, batch = 1, capacity = 1024;
        KascadeConfig config = KascadeConfig.of(layers, qHeads, kvHeads, headDim, DType.BF16); // 10% top-k, tile 32
        AnchorPlan plan = AnchorPlan.identity(layers, kvHeads, 0, 2, 8, 13, 14);             // Llama-3.1-8B anchors

        try (Arena arena = Arena.ofShared(); // shared memory: the kernels' worker threads may read it
             KascadeSession session = KascadeSession.open(config, plan, DeviceKind.CPU, batch, capacity)) {
            Random rnd = new Random(42);
            int prompt = 160;
            // Prefill: per layer, the prompt's queries [batch][qHeads][T][d] and new keys/values [batch][kvHeads][T][d].
            for (int layer = 0; layer < layers; layer++) {
                Tensor q = randomTensor(arena, rnd, batch, qHeads, prompt, headDim);
                Tensor k = randomTensor(arena, rnd, batch, kvHeads, prompt, headDim);
                Tensor v = randomTensor(arena, rnd, batch, kvHeads, prompt, headDim);
                Tensor attn = session.prefill(layer, q, k, v);       // [batch][qHeads][T][d] f32
                assertEquals(prompt, attn.dim(2));
            }
            // Decode: one token per sequence, layers in order 0..L-1 (anchors feed the reuse layers after them).
            for (int step = 0; step < 3; step++) {
                for (int layer = 0; layer < layers; layer++) {
                    Tensor q = randomTensor(arena, rnd, batch, qHeads, headDim);
                    Tensor k = randomTensor(arena, rnd, batch, kvHeads, headDim);
                    Tensor v = randomTensor(arena, rnd, batch, kvHeads, headDim);
                    Tensor attn = session.decode(layer, q, k, v);    // [batch][qHeads][d] f32
                    assertTrue(Float.isFinite(attn.get(0, 0, 0)));
                }
            }
            assertEquals(prompt + 3, session.cache().length(layers - 1, 0));
        }
        // --- end example ---
    }

    /** The snippets in README.md and docs/library-example.md are exactly the code between the markers above. */
    @Test
    void documentationShowsThisCode() throws java.io.IOException {
        java.nio.file.Path self = java.nio.file.Path.of("src/test/java/dev/kascade/session/ReadmeExampleTest.java");
        java.nio.file.Path doc = java.nio.file.Path.of("docs/library-example.md");
        String src = java.nio.file.Files.readString(self);
        String begin = "// --- begin example ---\n";
        String body = src.substring(src.indexOf(begin) + begin.length(), src.indexOf("        // --- end example ---"));
        String dedented = body.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
        for (java.nio.file.Path d : java.util.List.of(doc, java.nio.file.Path.of("README.md"))) {
            assertTrue(java.nio.file.Files.readString(d).contains(dedented),
                    d + " must contain the example code of this test, unchanged");
        }
    }

    private static Tensor randomTensor(Arena arena, Random rnd, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        for (long i = 0; i < t.size(); i++) t.setFlat(i, (float) rnd.nextGaussian());
        return t;
    }
}
