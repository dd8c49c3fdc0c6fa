package dev.kascade.algorithm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AnchorPlanTest {
    @Test
    void rolesAndAnchorOfFollowTheMostRecentAnchor() {
        AnchorPlan p = AnchorPlan.identity(32, 8, 14, 0, 2, 8, 13);
        assertArrayEquals(new int[] {0, 2, 8, 13, 14}, p.anchors());
        assertEquals(LayerRole.LAYER0, p.role(0));
        assertEquals(LayerRole.REUSE, p.role(1));
        assertEquals(LayerRole.ANCHOR, p.role(2));
        assertEquals(2, p.anchorOf(7));
        assertEquals(8, p.anchorOf(12));
        assertEquals(14, p.anchorOf(31));
        assertTrue(p.isAnchor(13));
    }

    @Test
    void headMappingIsReadPerReuseLayer() {
        int[][] map = AnchorPlan.identity(4, 2, 0).headMap();
        map[1][0] = 1;
        map[1][1] = 1;
        AnchorPlan p = new AnchorPlan(new int[] {0, 2}, map);
        assertEquals(1, p.sourceHead(1, 0));
        assertEquals(0, p.sourceHead(3, 0));
    }

    @Test
    void badPlansAreRejectedWithTheParameterNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> AnchorPlan.identity(8, 2, 2, 5));
        assertTrue(e.getMessage().contains("layer 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AnchorPlan.identity(8, 2, 0, 8));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
        int[][] map = AnchorPlan.identity(4, 2, 0).headMap();
        map[3][1] = 2;
        e = assertThrows(IllegalArgumentException.class, () -> new AnchorPlan(new int[] {0}, map));
        assertTrue(e.getMessage().contains("headMap[3][1]"), e.getMessage());
        int[][] map2 = AnchorPlan.identity(4, 2, 0).headMap();
        map2[2][0] = 1;
        e = assertThrows(IllegalArgumentException.class, () -> new AnchorPlan(new int[] {0, 2}, map2));
        assertTrue(e.getMessage().contains("anchor layer 2"), e.getMessage());
        AnchorPlan ok = AnchorPlan.identity(4, 2, 0);
        assertThrows(IllegalArgumentException.class, () -> ok.role(4));
        assertThrows(IllegalArgumentException.class, () -> ok.sourceHead(1, 2));
    }

    @Test
    void budgetFollowsTheSpec() {
        Budget b = Budget.PAPER;
        assertEquals(100, b.keys(100));           // n <= 128: dense
        assertEquals(128, b.keys(1000));          // max(128, 100)
        assertEquals(3276, b.keys(32768));        // floor(0.1 * 32768)
        Budget r = new Budget(0.10, 128, 128);
        assertEquals(3328, r.keys(32768));        // rounded up to 26 * 128
        assertEquals(384, r.keys(3300));          // floor(330) rounded up to 3 * 128
        assertEquals(200, new Budget(0.9, 128, 128).keys(200)); // 180 rounds to 256, capped at n
        assertTrue(b.isDense(128));
        assertThrows(IllegalArgumentException.class, () -> new Budget(0, 128, 1));
        assertThrows(IllegalArgumentException.class, () -> new Budget(0.1, 0, 1));
    }
}
