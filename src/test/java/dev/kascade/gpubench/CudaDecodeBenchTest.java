package dev.kascade.gpubench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.runtime.Devices;
import dev.kascade.tensor.DType;
import org.junit.jupiter.api.Test;

/** The GPU decode benchmark's harness (fill, launch lists of every role, rotation, JSON) on the emulator device. */
class CudaDecodeBenchTest {
    @Test
    void tinyConfigurationRunsEveryRoleAndReportsIt() {
        CudaDecodeBench bench = new CudaDecodeBench(Devices.cpu(), 1);
        String line = bench.run(new CudaDecodeBench.Config(1, 160, DType.BF16, 4, 2, 64, 0.1, new int[] {0, 2}, 4, 0, 1));
        for (String key : new String[] {"\"dense_ms\":", "\"layer0_ms\":", "\"anchor_ms\":", "\"reuse_ms\":",
                "\"kascade_ms\":", "\"speedup\":", "\"dense_tbs\":", "\"layer_copies\":8", "\"k\":128", "reuse.split_sparse"}) {
            assertTrue(line.contains(key), key + " missing from " + line);
        }
    }
}
