package dev.kascade.cpu;

import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** {@link VectorExp#exp} against {@link Math#exp} (float64) over its whole range and at its edges. */
class VectorExpTest {
    /** Every 97th float in [-86, 88] (about 20 million values, all exponents), at most 2 ulp from the float64 value. */
    @Test
    void withinTwoUlpOfMathExpFromMinus86To88() {
        float[] x = new float[L];
        float[] got = new float[L];
        int lane = 0;
        double worst = 0;
        float worstX = 0;
        int checked = 0;
        for (int sign = -1; sign <= 1; sign += 2) {
            float limit = sign < 0 ? 86f : 88f;
            for (int bits = 0; bits <= Float.floatToRawIntBits(limit); bits += 97) {
                x[lane++] = sign * Float.intBitsToFloat(bits);
                if (lane == L) {
                    VectorExp.exp(FloatVector.fromArray(F, x, 0)).intoArray(got, 0);
                    for (int i = 0; i < L; i++) {
                        double want = Math.exp(x[i]);
                        double ulps = Math.abs(got[i] - want) / Math.ulp((float) want);
                        if (ulps > worst) {
                            worst = ulps;
                            worstX = x[i];
                        }
                    }
                    checked += L;
                    lane = 0;
                }
            }
        }
        assertTrue(checked > 10_000_000, "checked " + checked);
        assertTrue(worst <= 2, "worst " + worst + " ulp at x = " + worstX);
    }

    @Test
    void edgesUnderflowOverflowInfinitiesAndNaN() {
        float[] x = new float[L];
        java.util.Arrays.fill(x, -1f);
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = Float.NaN;
        x[2] = -86.5f;
        x[3] = -1e30f;
        x[4] = 88.5f;
        x[5] = Float.POSITIVE_INFINITY;
        x[6] = 0f;
        x[7] = -0f;
        float[] got = new float[L];
        VectorExp.exp(FloatVector.fromArray(F, x, 0)).intoArray(got, 0);
        assertEquals(0f, got[0]);
        assertTrue(Float.isNaN(got[1]), "NaN in, NaN out");
        assertEquals(0f, got[2]);
        assertEquals(0f, got[3]);
        assertEquals(Float.POSITIVE_INFINITY, got[4]);
        assertEquals(Float.POSITIVE_INFINITY, got[5]);
        assertEquals(1f, got[6]);
        assertEquals(1f, got[7]);
    }
}
