package dev.kascade.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.Budget;
import dev.kascade.algorithm.KascadeConfig;
import dev.kascade.algorithm.LayerRole;
import dev.kascade.planning.PlanFile;
import dev.kascade.planning.Provenance;
import dev.kascade.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plan file written by the planner opens a session with its anchors, head mapping and budget. */
class PlanFileSessionTest {
    private static final Provenance PROVENANCE =
            new Provenance("traces.arrow", "test", 1, 64, 32, 0, "2026-11-29", 1.0, null, null, null);

    @Test
    void sessionUsesThePlanFilesAnchorsMappingAndBudget(@TempDir Path dir) throws Exception {
        int[][] map = AnchorPlan.identity(6, 2, 0).headMap();
        map[1][0] = 1;                                            // layer 1, head 0 reads anchor head 1
        AnchorPlan plan = new AnchorPlan(new int[] {0, 3}, map);
        Budget budget = new Budget(0.05, 128, 128);
        Path file = dir.resolve("plan.json");
        new PlanFile(plan, budget, PROVENANCE).write(file);

        KascadeConfig config = KascadeConfig.of(6, 4, 2, 64, DType.BF16);
        try (KascadeSession s = KascadeSession.open(config, file, DeviceKind.CPU, 1, 256)) {
            assertEquals(budget, s.config().budget(), "the plan's calibrated budget replaces the config's");
            assertEquals(LayerRole.ANCHOR, s.plan().role(3));
            assertEquals(1, s.plan().sourceHead(1, 0));
        }
    }

    @Test
    void mismatchedOrBrokenPlanFilesAreClearErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("plan.json");
        new PlanFile(AnchorPlan.identity(6, 2, 0, 3), Budget.PAPER, PROVENANCE).write(file);
        KascadeConfig eightLayers = KascadeConfig.of(8, 4, 2, 64, DType.BF16);
        var e = assertThrows(IllegalArgumentException.class,
                () -> KascadeSession.open(eightLayers, file, DeviceKind.CPU, 1, 256));
        assertTrue(e.getMessage().contains("layers"), e.getMessage());

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"anchors\": [2, 3], ");
        assertThrows(IllegalArgumentException.class,
                () -> KascadeSession.open(KascadeConfig.of(6, 4, 2, 64, DType.BF16), broken, DeviceKind.CPU, 1, 256));
    }
}
