package dev.kascade.cli;

/** A bad command line: the message says which option and what was expected. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
