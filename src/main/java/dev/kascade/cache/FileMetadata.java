package dev.kascade.cache;

import java.util.Arrays;

/**
 * Keys and value syntax of the schema-level custom metadata that marks a Kascade Arrow file
 * (see docs/arrow-formats.md). Lists of ints are written as JSON arrays, e.g. {@code [2,4,8,1024,128]}.
 */
final class FileMetadata {
    static final String KIND = "kascade.kind";
    static final String VERSION = "kascade.version";
    static final String DTYPE = "kascade.dtype";
    static final String SHAPE = "kascade.shape";
    static final String DIMS = "kascade.dims";
    static final String LENGTHS = "kascade.lengths";
    static final String ANCHORS = "kascade.anchors";
    static final String CRC32C = "kascade.crc32c";

    /** The only format version this build writes and reads. */
    static final int FORMAT_VERSION = 1;

    static final String KIND_KV_CACHE = "kv_cache";
    static final String KIND_INDEX_TABLE = "index_table";
    static final String KIND_ANCHOR_PLAN = "anchor_plan";

    private FileMetadata() {
    }

    /** {@code [a,b,c]}: a JSON array of ints. */
    static String intList(int... values) {
        StringBuilder sb = new StringBuilder(values.length * 4 + 2).append('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) sb.append(',');
            sb.append(values[i]);
        }
        return sb.append(']').toString();
    }

    /** {@code ["a","b"]}: a JSON array of plain identifiers (no quoting needed inside). */
    static String nameList(String... names) {
        StringBuilder sb = new StringBuilder().append('[');
        for (int i = 0; i < names.length; i++) {
            if (i > 0) sb.append(',');
            sb.append('"').append(names[i]).append('"');
        }
        return sb.append(']').toString();
    }

    /**
     * Parses a JSON array of ints written by {@link #intList}; whitespace is allowed.
     *
     * @throws IllegalArgumentException naming {@code key} when the text is not such an array
     */
    static int[] parseIntList(String key, String text) {
        if (text == null) throw new IllegalArgumentException("schema metadata has no '" + key + "'");
        String s = text.strip();
        if (s.length() < 2 || s.charAt(0) != '[' || s.charAt(s.length() - 1) != ']') {
            throw new IllegalArgumentException("metadata '" + key + "' is not a JSON array of ints: '" + abbreviate(text) + "'");
        }
        String body = s.substring(1, s.length() - 1).strip();
        if (body.isEmpty()) return new int[0];
        String[] parts = body.split(",", -1);
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("metadata '" + key + "' entry " + i + " is not an int: '"
                        + abbreviate(parts[i].strip()) + "'");
            }
        }
        return out;
    }

    /** Checks that {@code shape} has the expected rank and positive dimensions named {@code dims}. */
    static int[] requireShape(String text, String... dims) {
        int[] shape = parseIntList(SHAPE, text);
        if (shape.length != dims.length) {
            throw new IllegalArgumentException("metadata '" + SHAPE + "' has " + shape.length + " dimensions "
                    + Arrays.toString(shape) + ", expected " + dims.length + " " + Arrays.toString(dims));
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] <= 0) {
                throw new IllegalArgumentException("metadata '" + SHAPE + "': " + dims[i] + " = " + shape[i] + " must be > 0");
            }
        }
        return shape;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
