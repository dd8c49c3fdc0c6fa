package dev.kascade.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void storesRoundToTheDtypeAndViewsShareMemory() {
        Random rnd = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (DType dt : DType.values()) {
                Tensor t = Tensor.allocate(arena, dt, 3, 5, 7);
                for (long i = 0; i < t.size(); i++) {
                    float v = (float) rnd.nextGaussian();
                    t.setFlat(i, v);
                    assertEquals(dt.roundTrip(v), t.getFlat(i), 0f);
                }
                Tensor view = Tensor.wrap(t.segment(), dt, 15, 7);
                assertEquals(t.get(2, 4, 6), view.get(14, 6), 0f);
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 is exactly halfway between two bf16 values: ties go to the even one (1.0).
        assertEquals(1.0f, DType.bf16ToFloat(DType.floatToBf16(1.0f + 0x1p-8f)), 0f);
        assertEquals(1.0f + 0x1p-7f, DType.bf16ToFloat(DType.floatToBf16(1.0f + 0x1p-8f + 0x1p-12f)), 0f);
        assertTrue(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(Float.NaN))));
    }

    @Test
    void badShapesAndIndicesAreClearErrors() {
        float[] data = new float[10];
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(data, 3, 4));
        assertTrue(e.getMessage().contains("cannot hold"), e.getMessage());
        Tensor t = Tensor.wrap(data, 2, 5);
        assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
        e = assertThrows(IllegalArgumentException.class, () -> t.requireShape("q", 5, 2));
        assertTrue(e.getMessage().startsWith("q: expected shape"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DType.parse("int8"));
    }
}
