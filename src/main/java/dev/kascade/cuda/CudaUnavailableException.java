package dev.kascade.cuda;

/**
 * CUDA cannot be used on this machine: no NVIDIA driver ({@code libcuda.so.1}), a driver without a function
 * Kascade needs, no device, or a device Kascade does not support (compute capability below 8.0, or a
 * PTX target newer than the device).
 */
public final class CudaUnavailableException extends RuntimeException {
    public CudaUnavailableException(String message) {
        super(message);
    }

    public CudaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
