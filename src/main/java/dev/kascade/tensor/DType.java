package dev.kascade.tensor;

/**
 * Storage element types. Arithmetic always happens in f32 (f64 in references); these are only the
 * ways numbers are stored in memory (KV cache, queries, outputs).
 */
public enum DType {
    /** IEEE binary32. */
    F32(4),
    /** IEEE binary16 (half). Converted with {@link Float#float16ToFloat} / {@link Float#floatToFloat16}. */
    F16(2),
    /** bfloat16: the upper 16 bits of a binary32, rounded to nearest even when narrowing. */
    BF16(2);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes one element occupies. */
    public int byteSize() {
        return byteSize;
    }

    /** Parses "f32", "f16", "bf16" (case-insensitive); anything else is a clear error. */
    public static DType parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "float32", "fp32" -> F32;
            case "f16", "float16", "fp16", "half" -> F16;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException(
                    "dtype: expected one of f32, f16, bf16 but got '" + name + "'");
        };
    }

    /** Lower-case name as used on the command line and in file metadata. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** bf16 bits to f32 (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** f32 to bf16 bits, round to nearest even; NaN stays a (quiet) NaN. */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((x >>> 16) | 0x0040);
        }
        int rounding = 0x7FFF + ((x >>> 16) & 1);
        return (short) ((x + rounding) >>> 16);
    }

    /** Rounds a float through this storage type and back (what storing and reloading does). */
    public float roundTrip(float f) {
        return switch (this) {
            case F32 -> f;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(f));
            case BF16 -> bf16ToFloat(floatToBf16(f));
        };
    }
}
