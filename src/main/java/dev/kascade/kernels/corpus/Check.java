package dev.kascade.kernels.corpus;

/**
 * Accumulates the comparison of a kernel's outputs with a reference: bit-exact where Java semantics define
 * the result, or within a tolerance for approximate math (exp2, tensor-core accumulation order).
 */
final class Check {
    private final double tolerance;
    private double maxError;
    private long failures;
    private String first = "";

    /** A check with {@code tolerance} 0 is bit-exact. */
    Check(double tolerance) {
        this.tolerance = tolerance;
    }

    /** Same float (NaN equals NaN whatever the payload, since PTX and Java differ there; -0 differs from +0). */
    void exact(String what, long i, float expected, float actual) {
        if (Float.floatToIntBits(expected) != Float.floatToIntBits(actual)) {
            double err = Float.isNaN(expected) || Float.isNaN(actual) ? Double.POSITIVE_INFINITY
                    : Math.abs((double) expected - actual);
            miss(Math.max(err, Double.MIN_VALUE), what + "[" + i + "]: expected " + expected + " but got " + actual);
        }
    }

    /** Same integer. */
    void exact(String what, long i, long expected, long actual) {
        if (expected != actual) {
            miss(Math.abs((double) expected - actual), what + "[" + i + "]: expected " + expected + " but got " + actual);
        }
    }

    /** {@code |expected - actual| / max(|expected|, floor)} within the tolerance. */
    void close(String what, long i, double expected, float actual, double floor) {
        double err = Math.abs(expected - actual) / Math.max(Math.abs(expected), floor);
        if (Double.isNaN(err)) {
            err = Double.POSITIVE_INFINITY;
        }
        maxError = Math.max(maxError, err);
        if (err > tolerance) {
            failures++;
            if (first.isEmpty()) {
                first = what + "[" + i + "]: expected " + expected + " but got " + actual + " (error " + err + ")";
            }
        }
    }

    private void miss(double err, String message) {
        maxError = Math.max(maxError, err);
        failures++;
        if (first.isEmpty()) {
            first = message;
        }
    }

    CaseResult result(String kernel, String size) {
        String detail = failures == 0 ? "" : failures + " mismatch(es), first " + first;
        return new CaseResult(kernel, size, maxError, tolerance, failures == 0, detail);
    }
}
