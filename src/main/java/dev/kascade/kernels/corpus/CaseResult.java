package dev.kascade.kernels.corpus;

/**
 * Outcome of one corpus kernel run against its reference.
 *
 * @param kernel    corpus name ({@code vector_add})
 * @param size      the problem size, for the table ({@code n=10003})
 * @param maxError  largest error seen (absolute for exact checks, scaled for tolerance checks)
 * @param tolerance 0 for bit-exact checks, otherwise the largest accepted error
 * @param passed    whether every element was within tolerance and the launch succeeded
 * @param detail    the first mismatch or the launch failure; empty when passed; why, when skipped
 * @param skipped   the device cannot run this kernel (e.g. sm_90 instructions on an sm_80 GPU): neither passed nor
 *                  failed
 */
public record CaseResult(String kernel, String size, double maxError, double tolerance, boolean passed, String detail,
                         boolean skipped) {
    /** A result of a kernel that ran. */
    public CaseResult(String kernel, String size, double maxError, double tolerance, boolean passed, String detail) {
        this(kernel, size, maxError, tolerance, passed, detail, false);
    }
}
