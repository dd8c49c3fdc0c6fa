package dev.kascade.ptx.ir;

/** An immediate of a register type; floats are kept as their IEEE bits so NaN payloads and -0.0 survive. */
public record Imm(Ty ty, long bits) implements Operand {
    public static Imm i32(int v) {
        return new Imm(Ty.I32, v);
    }

    public static Imm i64(long v) {
        return new Imm(Ty.I64, v);
    }

    public static Imm f32(float v) {
        return new Imm(Ty.F32, Float.floatToRawIntBits(v) & 0xFFFFFFFFL);
    }

    public static Imm f64(double v) {
        return new Imm(Ty.F64, Double.doubleToRawLongBits(v));
    }

    public int asInt() {
        return (int) bits;
    }

    public float asFloat() {
        return Float.intBitsToFloat((int) bits);
    }

    public double asDouble() {
        return Double.longBitsToDouble(bits);
    }

    /** PTX spelling: decimal integers, {@code 0fXXXXXXXX} floats, {@code 0dXXXXXXXXXXXXXXXX} doubles. */
    public String ptx() {
        return switch (ty) {
            case I32, B16 -> Integer.toString((int) bits);
            case I64 -> Long.toString(bits);
            case F32 -> String.format("0f%08X", (int) bits);
            case F64 -> String.format("0d%016X", bits);
            case PRED -> bits != 0 ? "1" : "0";
        };
    }

    @Override
    public String toString() {
        return ptx();
    }
}
