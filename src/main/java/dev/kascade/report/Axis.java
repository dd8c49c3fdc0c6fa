package dev.kascade.report;

import java.util.ArrayList;
import java.util.List;

/** Maps data values to pixels along one chart axis, linear or log2, and picks readable tick values. */
final class Axis {
    final double min;
    final double max;
    final boolean log2;
    final double fromPx;
    final double toPx;

    Axis(double min, double max, boolean log2, double fromPx, double toPx) {
        if (log2 && min <= 0) throw new IllegalArgumentException("log axis: values must be > 0 but min is " + min);
        if (!(max > min)) {
            double pad = log2 ? min : Math.max(Math.abs(min) * 0.1, 1e-9);
            max = log2 ? min * 2 : min + pad;
            min = log2 ? min / 2 : min - pad;
        }
        this.min = min;
        this.max = max;
        this.log2 = log2;
        this.fromPx = fromPx;
        this.toPx = toPx;
    }

    double px(double v) {
        double t = log2 ? (Math.log(v) - Math.log(min)) / (Math.log(max) - Math.log(min)) : (v - min) / (max - min);
        return fromPx + t * (toPx - fromPx);
    }

    /** Linear: about five "nice" steps (1, 2, 5 x 10^k). Log2: the powers of two in range. */
    List<Double> ticks() {
        List<Double> t = new ArrayList<>();
        if (log2) {
            double p = Math.pow(2, Math.ceil(Math.log(min) / Math.log(2) - 1e-9));
            int every = Math.max(1, (int) Math.ceil((Math.log(max / min) / Math.log(2)) / 8));
            for (int i = 0; p <= max * (1 + 1e-9); p *= 2, i++) {
                if (i % every == 0) t.add(p);
            }
            return t;
        }
        double raw = (max - min) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        for (double v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) {
            t.add(Math.abs(v) < step * 1e-9 ? 0.0 : v);
        }
        return t;
    }

    /** Bounds padded to a nice range around the data (linear axes start at zero when the data are positive). */
    static double[] niceRange(double lo, double hi, boolean fromZero) {
        if (fromZero && lo > 0) lo = 0;
        if (hi <= lo) {
            // One value: centre it in a band of +-10% (or +-0.05 around zero).
            double pad = lo == 0 ? 0.05 : Math.abs(lo) * 0.1;
            return new double[] {fromZero && lo >= 0 ? 0 : lo - pad, hi + pad};
        }
        double span = hi - lo;
        return new double[] {lo == 0 ? 0 : lo - 0.05 * span, hi + 0.08 * span};
    }
}
