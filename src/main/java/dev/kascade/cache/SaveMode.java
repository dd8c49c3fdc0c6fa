package dev.kascade.cache;

/** What saving does when the target file already exists. */
public enum SaveMode {
    /** Refuse with {@link java.nio.file.FileAlreadyExistsException}: a saved file is never replaced unasked. */
    CREATE_NEW,
    /** Replace the existing file atomically (readers see the old or the new file, never a partial one). */
    REPLACE
}
