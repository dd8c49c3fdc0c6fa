package dev.kascade.ptx;

/** A kernel uses something the Java-to-PTX compiler does not accept; the message names kernel, file, line and construct. */
public final class PtxCompileException extends RuntimeException {
    public PtxCompileException(String message) {
        super(message);
    }
}
