package dev.kascade.ptx;

/**
 * A kernel uses an instruction the chosen PTX target lacks (bulk copies and transaction barriers need sm_90); the
 * message names kernel, instruction, target and source line. Callers that serve several GPUs may skip such a kernel.
 */
public final class UnsupportedTargetException extends RuntimeException {
    public UnsupportedTargetException(String message) {
        super(message);
    }
}
