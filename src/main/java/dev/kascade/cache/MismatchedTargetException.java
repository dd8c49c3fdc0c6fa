package dev.kascade.cache;

/**
 * A file that is valid but does not fit the object it was asked to load into (another shape, dtype or
 * size). Nothing is written into the object then.
 */
public final class MismatchedTargetException extends IllegalArgumentException {
    public MismatchedTargetException(String message) {
        super(message);
    }
}
