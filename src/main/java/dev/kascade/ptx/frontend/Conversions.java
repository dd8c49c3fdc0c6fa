package dev.kascade.ptx.frontend;

import dev.kascade.ptx.ir.Imm;
import dev.kascade.ptx.ir.Insn;
import dev.kascade.ptx.ir.Op;
import dev.kascade.ptx.ir.Operand;
import dev.kascade.ptx.ir.Ty;
import java.lang.classfile.TypeKind;

/**
 * Java primitive conversions ({@code i2l}, {@code f2i}, ...) with JVM semantics: float-to-integer rounds toward
 * zero, saturates, and maps NaN to 0 (the NaN case is made explicit with {@code setp.num} + {@code selp}
 * rather than relying on the hardware); narrowing to byte/short/char sign- or zero-extends like the JVM.
 */
final class Conversions {
    private Conversions() {
    }

    static Operand convert(Compilation c, TypeKind from, TypeKind to, Operand a) {
        if (a instanceof Imm k) return fold(from, to, k);
        return switch (from) {
            case INT -> switch (to) {
                case LONG -> c.cvt("s64.s32", Ty.I64, a);
                case FLOAT -> c.cvt("rn.f32.s32", Ty.F32, a);
                case DOUBLE -> c.cvt("rn.f64.s32", Ty.F64, a);
                case BYTE -> c.emit(Op.SEXT, Ty.I32, 8, a);
                case SHORT -> c.emit(Op.SEXT, Ty.I32, 16, a);
                case CHAR -> c.binary(Op.AND, Ty.I32, a, Imm.i32(0xFFFF));
                default -> throw bad(c, from, to);
            };
            case LONG -> switch (to) {
                case INT -> c.cvt("u32.u64", Ty.I32, a);
                case FLOAT -> c.cvt("rn.f32.s64", Ty.F32, a);
                case DOUBLE -> c.cvt("rn.f64.s64", Ty.F64, a);
                default -> throw bad(c, from, to);
            };
            case FLOAT -> switch (to) {
                case INT -> toInt(c, a, "rzi.s32.f32", Ty.I32, "f32");
                case LONG -> toInt(c, a, "rzi.s64.f32", Ty.I64, "f32");
                case DOUBLE -> c.cvt("f64.f32", Ty.F64, a);
                default -> throw bad(c, from, to);
            };
            case DOUBLE -> switch (to) {
                case INT -> toInt(c, a, "rzi.s32.f64", Ty.I32, "f64");
                case LONG -> toInt(c, a, "rzi.s64.f64", Ty.I64, "f64");
                case FLOAT -> narrowDouble(c, a);
                default -> throw bad(c, from, to);
            };
            default -> throw bad(c, from, to);
        };
    }

    /** (int) f: cvt.rzi saturates; NaN is forced to 0 explicitly. */
    private static Operand toInt(Compilation c, Operand a, String suffix, Ty ty, String ftype) {
        Operand isNum = c.emit(Op.SETP, Ty.PRED, new Op.Cmp("num", ftype), a, a);
        Operand r = c.cvt(suffix, ty, a);
        return c.emit(Op.SELP, ty, null, r, ty == Ty.I64 ? Imm.i64(0) : Imm.i32(0), isNum);
    }

    /**
     * d2f. {@code (float) Math.sqrt((double) f)} becomes {@code sqrt.rn.f32 f}: the double square root of a
     * float, rounded to float, is the correctly rounded float square root, so this is bit-exact.
     */
    private static Operand narrowDouble(Compilation c, Operand a) {
        Insn d = c.defOf(a);
        if (d != null && d.op == Op.SQRT) {
            Insn w = c.defOf(d.uses[0]);
            if (w != null && w.op == Op.CVT && "f64.f32".equals(w.attr)) return c.unary(Op.SQRT, Ty.F32, w.uses[0]);
        }
        return c.cvt("rn.f32.f64", Ty.F32, a);
    }

    private static RuntimeException bad(Compilation c, TypeKind from, TypeKind to) {
        return c.error("conversion " + from + " to " + to + " is not supported in kernels");
    }

    private static Imm fold(TypeKind from, TypeKind to, Imm k) {
        return switch (from) {
            case INT -> {
                int v = k.asInt();
                yield switch (to) {
                    case LONG -> Imm.i64(v);
                    case FLOAT -> Imm.f32(v);
                    case DOUBLE -> Imm.f64(v);
                    case BYTE -> Imm.i32((byte) v);
                    case SHORT -> Imm.i32((short) v);
                    case CHAR -> Imm.i32((char) v);
                    default -> Imm.i32(v);
                };
            }
            case LONG -> {
                long v = k.bits();
                yield switch (to) {
                    case INT -> Imm.i32((int) v);
                    case FLOAT -> Imm.f32(v);
                    case DOUBLE -> Imm.f64(v);
                    default -> Imm.i64(v);
                };
            }
            case FLOAT -> {
                float v = k.asFloat();
                yield switch (to) {
                    case INT -> Imm.i32((int) v);
                    case LONG -> Imm.i64((long) v);
                    case DOUBLE -> Imm.f64(v);
                    default -> Imm.f32(v);
                };
            }
            case DOUBLE -> {
                double v = k.asDouble();
                yield switch (to) {
                    case INT -> Imm.i32((int) v);
                    case LONG -> Imm.i64((long) v);
                    case FLOAT -> Imm.f32((float) v);
                    default -> Imm.f64(v);
                };
            }
            default -> k;
        };
    }
}
