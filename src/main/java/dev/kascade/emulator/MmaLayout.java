package dev.kascade.emulator;

/**
 * The per-lane fragment layout of {@code mma.sync.aligned.m16n8k16} (ptx-notes 5.4), with
 * {@code g = lane / 4} and {@code t = lane % 4}. Element {@code i} of a fragment is half {@code i & 1} of
 * word {@code i / 2} (A: i in 0..7, B: i in 0..3) or float {@code i} (C/D: i in 0..3).
 */
public final class MmaLayout {
    /** Rows of A, C and D. */
    public static final int M = 16;
    /** Columns of B, C and D. */
    public static final int N = 8;
    /** Columns of A, rows of B. */
    public static final int K = 16;

    private MmaLayout() {
    }

    /** Row of A element {@code i}: g for a0, a1, a4, a5, else g + 8. */
    public static int aRow(int lane, int i) {
        return (lane >> 2) + ((i & 2) != 0 ? 8 : 0);
    }

    /** Column of A element {@code i}: 2t + (i & 1), plus 8 for i >= 4. */
    public static int aCol(int lane, int i) {
        return 2 * (lane & 3) + (i & 1) + (i >= 4 ? 8 : 0);
    }

    /** Row (k) of B element {@code i}: 2t + (i & 1), plus 8 for i >= 2. */
    public static int bRow(int lane, int i) {
        return 2 * (lane & 3) + (i & 1) + (i >= 2 ? 8 : 0);
    }

    /** Column (n) of B element {@code i}: g. */
    public static int bCol(int lane, int i) {
        return lane >> 2;
    }

    /** Row of C/D element {@code i}: g for i < 2, else g + 8. */
    public static int cRow(int lane, int i) {
        return (lane >> 2) + (i >= 2 ? 8 : 0);
    }

    /** Column of C/D element {@code i}: 2t + (i & 1). */
    public static int cCol(int lane, int i) {
        return 2 * (lane & 3) + (i & 1);
    }
}
