package dev.kascade.report;

import java.util.List;

/**
 * A named line of (x, y) points for a {@link LineChart}.
 *
 * @param name legend text
 * @param xs   x values, same length as ys
 * @param ys   y values (NaN points are skipped)
 */
public record Series(String name, List<Double> xs, List<Double> ys) {
    public Series {
        if (xs.size() != ys.size()) {
            throw new IllegalArgumentException("xs, ys: expected equal lengths but got " + xs.size() + " and " + ys.size());
        }
        xs = List.copyOf(xs);
        ys = List.copyOf(ys);
    }
}
