package dev.kascade.cache;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that cannot be loaded: not an Arrow IPC file, truncated or corrupt, or an Arrow file that is not
 * the expected Kascade kind and version or whose schema and shape disagree. The message names the file.
 */
public final class KascadeFileException extends IOException {
    private final transient Path file;

    public KascadeFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public KascadeFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that failed to load. */
    public Path file() {
        return file;
    }
}
