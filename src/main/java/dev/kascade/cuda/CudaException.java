package dev.kascade.cuda;

/**
 * A CUDA driver call returned an error. Carries the numeric {@code CUresult}, its name
 * ({@code CUDA_ERROR_OUT_OF_MEMORY}, ...) and the call that failed, with its arguments where they help.
 */
public class CudaException extends RuntimeException {
    /** {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public static final int OUT_OF_MEMORY = 2;
    /** {@code CUDA_ERROR_NO_DEVICE}. */
    public static final int NO_DEVICE = 100;
    /** {@code CUDA_ERROR_INVALID_PTX}. */
    public static final int INVALID_PTX = 218;
    /** {@code CUDA_ERROR_UNSUPPORTED_PTX_VERSION}. */
    public static final int UNSUPPORTED_PTX_VERSION = 222;

    private final int code;
    private final String errorName;
    private final String call;

    public CudaException(int code, String errorName, String call, String detail) {
        super(call + " failed: " + errorName + " (" + code + ")" + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.code = code;
        this.errorName = errorName;
        this.call = call;
    }

    /** The raw {@code CUresult}. */
    public int code() {
        return code;
    }

    /** The driver's name for the error, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public String errorName() {
        return errorName;
    }

    /** The driver call that failed, e.g. {@code cuMemAlloc_v2(1073741824 bytes)}. */
    public String call() {
        return call;
    }
}
