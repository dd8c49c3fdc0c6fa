package dev.kascade.planning;

/**
 * The averaged calibration statistics the anchor planner works from (spec, "Anchor selection"):
 * the recovery ratios {@code S[a][b][gb][ga]} (per prompt the minimum over steps, then the mean over
 * prompts) and the layer importance {@code w_b}.
 */
public final class CalibrationStats {
    private final CalibrationSettings settings;
    private final double[] recovery;
    private final double[] importance;
    private final int prompts;
    private final int promptsWithSteps;
    private final long steps;

    /**
     * @param recovery   {@code [L][L][G][G]} flattened, {@code S[a][b][gb][ga]} at
     *                   {@code ((a*L + b)*G + gb)*G + ga}; entries with {@code a > b} are ignored
     * @param importance {@code [L]}, {@code w_b}
     */
    public CalibrationStats(CalibrationSettings settings, double[] recovery, double[] importance,
                            int prompts, int promptsWithSteps, long steps) {
        if (settings == null) throw new IllegalArgumentException("settings: expected CalibrationSettings but got null");
        int l = settings.layers();
        int g = settings.kvHeads();
        if (recovery == null || recovery.length != l * l * g * g) {
            throw new IllegalArgumentException("recovery: expected " + (l * l * g * g) + " entries ([L][L][G][G]) but got "
                    + (recovery == null ? "null" : recovery.length));
        }
        if (importance == null || importance.length != l) {
            throw new IllegalArgumentException("importance: expected " + l + " entries but got "
                    + (importance == null ? "null" : importance.length));
        }
        for (int a = 0; a < l; a++) {
            for (int b = a; b < l; b++) {
                for (int i = 0; i < g * g; i++) {
                    double v = recovery[(a * l + b) * g * g + i];
                    if (!(v >= 0 && v <= 1)) {
                        throw new IllegalArgumentException("recovery: S[" + a + "][" + b + "][" + i / g + "][" + i % g
                                + "] = " + v + " is not in [0, 1]");
                    }
                }
            }
        }
        for (int b = 0; b < l; b++) {
            if (!Double.isFinite(importance[b])) {
                throw new IllegalArgumentException("importance: w[" + b + "] = " + importance[b] + " is not finite");
            }
        }
        this.settings = settings;
        this.recovery = recovery.clone();
        this.importance = importance.clone();
        this.prompts = prompts;
        this.promptsWithSteps = promptsWithSteps;
        this.steps = steps;
    }

    public CalibrationSettings settings() {
        return settings;
    }

    public int layers() {
        return settings.layers();
    }

    public int kvHeads() {
        return settings.kvHeads();
    }

    /** {@code S[a][b][gb][ga]}, {@code a <= b}: the share of layer b head gb's best top-k mass that anchor head ga of layer a recovers. */
    public double recovery(int a, int b, int gb, int ga) {
        int l = layers();
        int g = kvHeads();
        if (a < 0 || b >= l || a > b) {
            throw new IllegalArgumentException("a, b: expected 0 <= a <= b < " + l + " but got a = " + a + ", b = " + b);
        }
        if (gb < 0 || gb >= g || ga < 0 || ga >= g) {
            throw new IllegalArgumentException("gb, ga: expected KV heads in [0, " + g + ") but got gb = " + gb + ", ga = " + ga);
        }
        return recovery[((a * l + b) * g + gb) * g + ga];
    }

    /** {@code w_b = 1 - cos(x_b, x_b + Attn_b(x_b))}, averaged over tokens and prompts. */
    public double importance(int b) {
        if (b < 0 || b >= layers()) {
            throw new IllegalArgumentException("b: layer " + b + " out of range [0, " + layers() + ")");
        }
        return importance[b];
    }

    /** Prompts recorded. */
    public int prompts() {
        return prompts;
    }

    /** Prompts that had at least one step (those {@code S} is averaged over). */
    public int promptsWithSteps() {
        return promptsWithSteps;
    }

    /** Steps (tiles and decode tokens) over all prompts. */
    public long steps() {
        return steps;
    }
}
