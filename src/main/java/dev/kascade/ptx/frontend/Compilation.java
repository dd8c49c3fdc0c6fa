package dev.kascade.ptx.frontend;

import dev.kascade.ptx.PtxCompileException;
import dev.kascade.ptx.ir.Block;
import dev.kascade.ptx.ir.Function;
import dev.kascade.ptx.ir.Imm;
import dev.kascade.ptx.ir.Insn;
import dev.kascade.ptx.ir.Op;
import dev.kascade.ptx.ir.Operand;
import dev.kascade.ptx.ir.Reg;
import dev.kascade.ptx.ir.SrcPos;
import dev.kascade.ptx.ir.Ty;
import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * State shared by every frame of one kernel translation: the function being built, the current block and
 * source position, class loading, and the arithmetic builders that fold constants with exact Java semantics
 * (the fold is done by Java arithmetic itself, so a folded result is what the JVM would compute).
 */
final class Compilation {
    final Function fn;
    final String kernelName;
    final ClassLoader loader;
    final Map<String, Object> constants;
    final Deque<String> inlineStack = new ArrayDeque<>();
    final List<String> warnings = new ArrayList<>();
    /** Single-assignment temporaries and the instruction that defines them (for addressing peepholes). */
    final Map<Reg, Insn> defs = new HashMap<>();
    private final Map<String, ClassModel> classes = new HashMap<>();
    /** Prepared helper bodies, by owner + name + descriptor (a helper called in a loop is analysed once). */
    final Map<String, MethodCode> methods = new HashMap<>();
    Block cur;
    SrcPos pos = SrcPos.UNKNOWN;
    /** Identity of the bytecode instruction being translated (shared arrays are one per call site). */
    String site = "";
    int nextArrayId;
    int nextShared;

    Compilation(Function fn, String kernelName, ClassLoader loader, Map<String, Object> constants) {
        this.fn = fn;
        this.kernelName = kernelName;
        this.loader = loader;
        this.constants = constants;
    }

    PtxCompileException error(String message) {
        return new PtxCompileException(pos.file() + ":" + pos.line() + " in kernel " + kernelName + ": " + message);
    }

    ClassModel classModel(String internalName) {
        ClassModel m = classes.get(internalName);
        if (m != null) return m;
        try (InputStream in = loader.getResourceAsStream(internalName + ".class")) {
            if (in == null) throw error("cannot read the class file of " + internalName.replace('/', '.'));
            m = ClassFile.of().parse(in.readAllBytes());
        } catch (IOException e) {
            throw error("cannot read the class file of " + internalName.replace('/', '.') + ": " + e.getMessage());
        }
        classes.put(internalName, m);
        return m;
    }

    // ------------------------------------------------------------------ emission

    Reg emit(Op op, Ty ty, Object attr, Operand... uses) {
        Reg d = fn.reg(ty);
        Insn i = new Insn(op, new Reg[] {d}, uses, attr, pos);
        cur.insns.add(i);
        defs.put(d, i);
        return d;
    }

    Insn emitMulti(Op op, Reg[] out, Object attr, Operand... uses) {
        Insn i = new Insn(op, out, uses, attr, pos);
        cur.insns.add(i);
        return i;
    }

    void effect(Op op, Object attr, Operand... uses) {
        cur.insns.add(new Insn(op, new Reg[0], uses, attr, pos));
    }

    /** dst = src, appended to block b (used for merge and loop-carried copies). */
    void move(Block b, Reg dst, Operand src, SrcPos at) {
        b.insns.add(new Insn(Op.MOV, new Reg[] {dst}, new Operand[] {src}, null, at));
    }

    Insn defOf(Operand o) {
        return o instanceof Reg r ? defs.get(r) : null;
    }

    // ------------------------------------------------------------------ arithmetic with folding

    Operand binary(Op op, Ty ty, Operand a, Operand b) {
        if (a instanceof Imm x && b instanceof Imm y) return fold(op, ty, x, y);
        if (!ty.isFloat()) {
            if (b instanceof Imm y && y.bits() == 0 && (op == Op.ADD || op == Op.SUB || op == Op.OR || op == Op.XOR
                    || op == Op.SHL || op == Op.SHR || op == Op.USHR)) return a;
            if (b instanceof Imm y && y.bits() == 1 && (op == Op.MUL || op == Op.DIV)) return a;
            if (a instanceof Imm x && x.bits() == 0 && op == Op.ADD) return b;
            if (a instanceof Imm x && x.bits() == 1 && op == Op.MUL) return b;
        }
        if (a instanceof Imm && !(b instanceof Imm) && commutative(op)) {
            Operand t = a;
            a = b;
            b = t;
        }
        return emit(op, ty, null, a, b);
    }

    private static boolean commutative(Op op) {
        return switch (op) {
            case ADD, MUL, AND, OR, XOR, MIN, MAX, FMIN, FMAX -> true;
            default -> false;
        };
    }

    Operand unary(Op op, Ty ty, Operand a) {
        if (a instanceof Imm x) {
            switch (ty) {
                case I32 -> {
                    int v = x.asInt();
                    switch (op) {
                        case NEG: return Imm.i32(-v);
                        case NOT: return Imm.i32(~v);
                        case ABS: return Imm.i32(Math.abs(v));
                        case POPC: return Imm.i32(Integer.bitCount(v));
                        case CLZ: return Imm.i32(Integer.numberOfLeadingZeros(v));
                        default:
                    }
                }
                case I64 -> {
                    long v = x.bits();
                    switch (op) {
                        case NEG: return Imm.i64(-v);
                        case NOT: return Imm.i64(~v);
                        case ABS: return Imm.i64(Math.abs(v));
                        default:
                    }
                }
                case F32 -> {
                    float v = x.asFloat();
                    switch (op) {
                        case NEG: return Imm.f32(-v);
                        case ABS: return Imm.f32(Math.abs(v));
                        case SQRT: return Imm.f32((float) Math.sqrt(v));
                        default:
                    }
                }
                case F64 -> {
                    double v = x.asDouble();
                    switch (op) {
                        case NEG: return Imm.f64(-v);
                        case ABS: return Imm.f64(Math.abs(v));
                        case SQRT: return Imm.f64(Math.sqrt(v));
                        default:
                    }
                }
                default -> {
                }
            }
        }
        return emit(op, ty, null, a);
    }

    Imm fold(Op op, Ty ty, Imm x, Imm y) {
        switch (ty) {
            case I32 -> {
                int a = x.asInt();
                int b = y.asInt();
                return Imm.i32(switch (op) {
                    case ADD -> a + b;
                    case SUB -> a - b;
                    case MUL -> a * b;
                    case DIV -> {
                        if (b == 0) throw error("integer division by the constant 0");
                        yield a / b;
                    }
                    case REM -> {
                        if (b == 0) throw error("integer remainder by the constant 0");
                        yield a % b;
                    }
                    case AND -> a & b;
                    case OR -> a | b;
                    case XOR -> a ^ b;
                    case SHL -> a << b;
                    case SHR -> a >> b;
                    case USHR -> a >>> b;
                    case MIN -> Math.min(a, b);
                    case MAX -> Math.max(a, b);
                    default -> throw new IllegalStateException("fold " + op);
                });
            }
            case I64 -> {
                long a = x.bits();
                long b = y.bits();
                return Imm.i64(switch (op) {
                    case ADD -> a + b;
                    case SUB -> a - b;
                    case MUL -> a * b;
                    case DIV -> {
                        if (b == 0) throw error("integer division by the constant 0");
                        yield a / b;
                    }
                    case REM -> {
                        if (b == 0) throw error("integer remainder by the constant 0");
                        yield a % b;
                    }
                    case AND -> a & b;
                    case OR -> a | b;
                    case XOR -> a ^ b;
                    case SHL -> a << (int) b;
                    case SHR -> a >> (int) b;
                    case USHR -> a >>> (int) b;
                    case MIN -> Math.min(a, b);
                    case MAX -> Math.max(a, b);
                    default -> throw new IllegalStateException("fold " + op);
                });
            }
            case F32 -> {
                float a = x.asFloat();
                float b = y.asFloat();
                return Imm.f32(switch (op) {
                    case ADD -> a + b;
                    case SUB -> a - b;
                    case MUL -> a * b;
                    case DIV -> a / b;
                    case FMIN -> Math.min(a, b);
                    case FMAX -> Math.max(a, b);
                    default -> throw new IllegalStateException("fold " + op);
                });
            }
            case F64 -> {
                double a = x.asDouble();
                double b = y.asDouble();
                return Imm.f64(switch (op) {
                    case ADD -> a + b;
                    case SUB -> a - b;
                    case MUL -> a * b;
                    case DIV -> a / b;
                    case FMIN -> Math.min(a, b);
                    case FMAX -> Math.max(a, b);
                    default -> throw new IllegalStateException("fold " + op);
                });
            }
            default -> throw new IllegalStateException("fold " + ty);
        }
    }

    /** Java shift: the amount is masked to 5 (int) or 6 (long) bits, because PTX clamps instead. */
    Operand shift(Op op, Ty ty, Operand value, Operand amount) {
        int mask = ty == Ty.I64 ? 63 : 31;
        Operand amt = amount instanceof Imm i ? Imm.i32(i.asInt() & mask) : binary(Op.AND, Ty.I32, amount, Imm.i32(mask));
        if (value instanceof Imm v && amt instanceof Imm a) {
            return fold(op, ty, v, ty == Ty.I64 ? Imm.i64(a.asInt()) : a);
        }
        if (amt instanceof Imm a && a.asInt() == 0) return value;
        return emit(op, ty, null, value, amt);
    }

    /**
     * A predicate for {@code a cond b}; folds to an {@code Imm} of type PRED when both are constants.
     * cond is a PTX condition (eq, ne, lt, le, gt, ge, or the unordered float forms equ ... geu).
     */
    Operand compare(String cond, Ty ty, Operand a, Operand b) {
        if (a instanceof Imm x && b instanceof Imm y) return new Imm(Ty.PRED, foldCompare(cond, ty, x, y) ? 1 : 0);
        if (a instanceof Imm && !(b instanceof Imm)) {
            Operand t = a;
            a = b;
            b = t;
            cond = swapCond(cond);
        }
        String type = switch (ty) {
            case I32 -> "s32";
            case I64 -> "s64";
            case F32 -> "f32";
            case F64 -> "f64";
            default -> throw new IllegalStateException("compare " + ty);
        };
        return emit(Op.SETP, Ty.PRED, new Op.Cmp(cond, type), a, b);
    }

    static String swapCond(String c) {
        String base = c.endsWith("u") && c.length() == 3 ? c.substring(0, 2) : c;
        String u = base.equals(c) ? "" : "u";
        String s = switch (base) {
            case "lt" -> "gt";
            case "gt" -> "lt";
            case "le" -> "ge";
            case "ge" -> "le";
            default -> base;
        };
        return s + u;
    }

    /** The condition that is true exactly when {@code c} is false (NaN-correct: lt flips to geu). */
    static String negateCond(String c) {
        boolean unordered = c.length() == 3 && c.endsWith("u");
        String base = unordered ? c.substring(0, 2) : c;
        String n = switch (base) {
            case "lt" -> "ge";
            case "ge" -> "lt";
            case "le" -> "gt";
            case "gt" -> "le";
            case "eq" -> "ne";
            case "ne" -> "eq";
            case "num" -> "nan";
            case "nan" -> "num";
            default -> throw new IllegalStateException(c);
        };
        if (base.equals("num") || base.equals("nan")) return n;
        return unordered ? n : n + "u";
    }

    private boolean foldCompare(String cond, Ty ty, Imm x, Imm y) {
        if (ty.isFloat()) {
            double a = ty == Ty.F32 ? x.asFloat() : x.asDouble();
            double b = ty == Ty.F32 ? y.asFloat() : y.asDouble();
            boolean nan = Double.isNaN(a) || Double.isNaN(b);
            boolean unordered = cond.length() == 3 && cond.endsWith("u");
            if (nan) return unordered;
            String base = unordered ? cond.substring(0, 2) : cond;
            return cmp(base, Double.compare(a == 0 && b == 0 ? 0 : a, a == 0 && b == 0 ? 0 : b));
        }
        long a = ty == Ty.I32 ? x.asInt() : x.bits();
        long b = ty == Ty.I32 ? y.asInt() : y.bits();
        return cmp(cond, Long.compare(a, b));
    }

    private static boolean cmp(String c, int r) {
        return switch (c) {
            case "eq" -> r == 0;
            case "ne" -> r != 0;
            case "lt" -> r < 0;
            case "le" -> r <= 0;
            case "gt" -> r > 0;
            case "ge" -> r >= 0;
            default -> throw new IllegalStateException(c);
        };
    }

    /** A 0/1 int from a predicate. */
    Operand predToInt(Operand p) {
        if (p instanceof Imm i) return Imm.i32(i.bits() != 0 ? 1 : 0);
        return emit(Op.SELP, Ty.I32, null, Imm.i32(1), Imm.i32(0), p);
    }

    /** A predicate from a Java boolean (an int that is 0 or 1). */
    Operand intToPred(Operand v) {
        return compare("ne", Ty.I32, v, Imm.i32(0));
    }

    Operand bitcast(Ty to, Operand a) {
        if (a instanceof Imm i) {
            return new Imm(to, i.bits());
        }
        return emit(Op.BITCAST, to, null, a);
    }

    Operand cvt(String suffix, Ty to, Operand a) {
        return emit(Op.CVT, to, suffix, a);
    }
}
