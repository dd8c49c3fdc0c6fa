package dev.kascade.ptx.ir;

/**
 * Where an instruction came from: the Java source file (as named by the class file), the line, and the
 * class that holds it (to find the source text).
 */
public record SrcPos(String file, int line, String owner) {
    public static final SrcPos UNKNOWN = new SrcPos("?", 0, "?");

    @Override
    public String toString() {
        return file + ":" + line;
    }
}
