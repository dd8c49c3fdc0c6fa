package dev.kascade.ptx.ir;

/**
 * Value types of virtual registers. Java {@code int}, {@code boolean}, {@code short}, {@code byte} and
 * {@code char} values all live in {@link #I32}; {@link #B16} only holds halves for bf16/f16 conversions.
 */
public enum Ty {
    PRED("%p", ".pred"),
    I32("%r", ".b32"),
    I64("%rd", ".b64"),
    F32("%f", ".f32"),
    F64("%fd", ".f64"),
    B16("%rs", ".b16");

    private final String prefix;
    private final String regType;

    Ty(String prefix, String regType) {
        this.prefix = prefix;
        this.regType = regType;
    }

    /** Register name prefix in PTX ({@code %r}, {@code %f}, ...). */
    public String prefix() {
        return prefix;
    }

    /** Type used in the {@code .reg} declaration and in bit-typed moves. */
    public String regType() {
        return regType;
    }

    public boolean isFloat() {
        return this == F32 || this == F64;
    }

    public boolean isWide() {
        return this == I64 || this == F64;
    }
}
