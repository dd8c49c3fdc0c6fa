package dev.kascade.ptx.frontend;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.I64Buffer;
import dev.kascade.ptx.ir.Block;
import dev.kascade.ptx.ir.Function;
import dev.kascade.ptx.ir.Imm;
import dev.kascade.ptx.ir.Insn;
import dev.kascade.ptx.ir.Op;
import dev.kascade.ptx.ir.Op.Space;
import dev.kascade.ptx.ir.Operand;
import dev.kascade.ptx.ir.Reg;
import dev.kascade.ptx.ir.Ty;
import java.lang.classfile.TypeKind;
import java.lang.constant.MethodTypeDesc;
import java.util.HashMap;
import java.util.Map;

/**
 * Lowers calls the compiler knows: {@code KernelContext} (geometry, shared memory, barriers, warp collectives,
 * tensor cores, fast math, conversions), the buffer accessors, and the {@code Math}/{@code Float}/{@code Integer}
 * methods that have Java-exact PTX equivalents. Local and shared array element accesses live here too.
 */
final class Intrinsics {
    /** Returned by {@link #call} when the method is not an intrinsic (it may be an inlinable helper). */
    static final Value NOT_INTRINSIC = new Value.Top();

    private final Compilation c;
    private final Map<String, Value.SharedArray> sharedBySite = new HashMap<>();

    Intrinsics(Compilation c) {
        this.c = c;
    }

    Value call(String ownerClass, String name, MethodTypeDesc desc, Value receiver, Value[] args, State s) {
        String sig = name + desc.descriptorString();
        return switch (ownerClass) {
            case MethodTranslator.KC -> receiver == null ? kernelStatic(name, sig, args) : context(name, sig, args, s);
            case "dev/kascade/kernel/F32Buffer", "dev/kascade/kernel/F16Buffer", "dev/kascade/kernel/BF16Buffer",
                 "dev/kascade/kernel/I32Buffer", "dev/kascade/kernel/I64Buffer", "dev/kascade/kernel/KernelBuffer" ->
                    buffer(receiver, name, sig, args, s);
            case "java/lang/Math", "java/lang/StrictMath" -> math(name, sig, args);
            case "java/lang/Float", "java/lang/Double", "java/lang/Integer", "java/lang/Long" ->
                    boxes(ownerClass.substring(10), name, sig, args);
            default -> NOT_INTRINSIC;
        };
    }

    private Operand arg(Value v) {
        if (v instanceof Value.Scalar sc) return sc.op();
        throw c.error("expected a primitive argument");
    }

    private Reg inReg(Operand o) {
        if (o instanceof Reg r) return r;
        return c.emit(Op.MOV, o.ty(), null, o);
    }

    // ------------------------------------------------------------------ KernelContext statics

    private Value kernelStatic(String name, String sig, Value[] a) {
        Operand r = switch (sig) {
            case "exp2(F)F" -> c.emit(Op.EX2, Ty.F32, null, arg(a[0]));
            case "log2(F)F" -> c.emit(Op.LG2, Ty.F32, null, arg(a[0]));
            case "rsqrt(F)F" -> c.emit(Op.RSQRT, Ty.F32, null, arg(a[0]));
            case "fma(FFF)F" -> fma(Ty.F32, a);
            case "unroll(I)I" -> {
                Operand n = arg(a[0]);
                if (!(n instanceof Imm)) {
                    throw c.error("KernelContext.unroll needs a compile-time constant (literal, static final or @Const)");
                }
                yield n;
            }
            case "bf16ToFloat(S)F" -> bf16Word(arg(a[0]), true);
            case "floatToBf16(F)S" -> c.cvt("s32.s16", Ty.I32, c.cvt("rn.bf16.f32", Ty.B16, arg(a[0])));
            case "f16ToFloat(S)F" -> c.cvt("f32.f16", Ty.F32, c.cvt("u16.u32", Ty.B16, arg(a[0])));
            case "floatToF16(F)S" -> c.cvt("s32.s16", Ty.I32, c.cvt("rn.f16.f32", Ty.B16, arg(a[0])));
            case "packBf16x2(FF)I" -> c.emit(Op.CVT_PACK, Ty.I32, "bf16x2", inReg(arg(a[1])), inReg(arg(a[0])));
            case "packF16x2(FF)I" -> c.emit(Op.CVT_PACK, Ty.I32, "f16x2", inReg(arg(a[1])), inReg(arg(a[0])));
            case "lowBf16(I)F" -> bf16Word(arg(a[0]), true);
            case "highBf16(I)F" -> bf16Word(arg(a[0]), false);
            case "lowF16(I)F" -> f16Half(arg(a[0]), 0);
            case "highF16(I)F" -> f16Half(arg(a[0]), 1);
            default -> throw c.error("KernelContext." + name + " is not supported by the PTX compiler");
        };
        return Value.of(r);
    }

    private Operand fma(Ty ty, Value[] a) {
        return c.emit(Op.FMA, ty, null, arg(a[0]), arg(a[1]), arg(a[2]));
    }

    /** The low (bits 0..15) or high bf16 of a word as f32: bf16 is the top half of an f32, so this is exact. */
    private Operand bf16Word(Operand w, boolean low) {
        Operand bits = low ? c.shift(Op.SHL, Ty.I32, w, Imm.i32(16)) : c.binary(Op.AND, Ty.I32, w, Imm.i32(0xFFFF0000));
        return c.bitcast(Ty.F32, bits);
    }

    private Operand f16Half(Operand w, int which) {
        Reg lo = c.fn.reg(Ty.B16);
        Reg hi = c.fn.reg(Ty.B16);
        c.emitMulti(Op.UNPACK, new Reg[] {lo, hi}, null, inReg(w));
        return c.cvt("f32.f16", Ty.F32, which == 0 ? lo : hi);
    }

    // ------------------------------------------------------------------ KernelContext instance methods

    private Operand sreg(String name) {
        Reg r = c.emit(Op.SREG, Ty.I32, name);
        return r;
    }

    private Value context(String name, String sig, Value[] a, State s) {
        Operand r = switch (sig) {
            case "threadIdx()I" -> sreg("%tid.x");
            case "threadIdxY()I" -> sreg("%tid.y");
            case "blockIdx()I" -> sreg("%ctaid.x");
            case "blockIdxY()I" -> sreg("%ctaid.y");
            case "blockIdxZ()I" -> sreg("%ctaid.z");
            case "blockDim()I" -> sreg("%ntid.x");
            case "blockDimY()I" -> sreg("%ntid.y");
            case "gridDim()I" -> sreg("%nctaid.x");
            case "gridDimY()I" -> sreg("%nctaid.y");
            case "gridDimZ()I" -> sreg("%nctaid.z");
            case "laneId()I" -> sreg("%laneid");
            case "warpId()I" -> {
                Operand lin = c.emit(Op.MAD_LO, Ty.I32, null, sreg("%tid.y"), sreg("%ntid.x"), sreg("%tid.x"));
                Reg w = c.emit(Op.USHR, Ty.I32, null, lin, Imm.i32(5));
                c.defs.get(w).uniformityCap = 1;
                yield w;
            }
            case "globalIdx()I" -> c.emit(Op.MAD_LO, Ty.I32, null, sreg("%ctaid.x"), sreg("%ntid.x"), sreg("%tid.x"));
            default -> null;
        };
        if (r != null) return Value.of(r);
        switch (sig) {
            case "sharedF32(I)[F":
                return shared(a[0], Ty.F32);
            case "sharedI32(I)[I":
                return shared(a[0], Ty.I32);
            case "dynamicSharedF32()[F":
                return dynamicShared(Ty.F32);
            case "dynamicSharedI32()[I":
                return dynamicShared(Ty.I32);
            case "barrier()V":
                c.effect(Op.BAR, null);
                return null;
            case "syncWarp()V":
                c.effect(Op.WARP_SYNC, null);
                return null;
            case "atomicAdd([III)I":
                return sharedAtomic(a, "add", "s32", Ty.I32);
            case "atomicMax([III)I":
                return sharedAtomic(a, "max", "s32", Ty.I32);
            case "atomicAdd([FIF)F":
                return sharedAtomic(a, "add", "f32", Ty.F32);
            case "atomicMax([FIF)F": {
                Addr ad = sharedAddr(a[0], arg(a[1]));
                return Value.of(casMax(Space.SHARED, ad, arg(a[2])));
            }
            case "shuffleXor(FI)F", "shuffleXor(II)I":
                return Value.of(shfl("bfly", arg(a[0]), arg(a[1])));
            case "shuffleDown(FI)F", "shuffleDown(II)I":
                return Value.of(shfl("down", arg(a[0]), arg(a[1])));
            case "shuffleIdx(FI)F", "shuffleIdx(II)I":
                return Value.of(shfl("idx", arg(a[0]), arg(a[1])));
            case "warpSum(F)F":
                return Value.of(butterfly(arg(a[0]), Op.ADD));
            case "warpMax(F)F":
                return Value.of(butterfly(arg(a[0]), Op.FMAX));
            case "warpSum(I)I":
                return Value.of(c.emit(Op.REDUX, Ty.I32, "add", inReg(arg(a[0]))));
            case "warpMax(I)I":
                return Value.of(c.emit(Op.REDUX, Ty.I32, "max", inReg(arg(a[0]))));
            case "ballot(Z)I": {
                Operand p = c.intToPred(arg(a[0]));
                if (p instanceof Imm) p = c.emit(Op.MOV, Ty.PRED, null, p);
                return Value.of(c.emit(Op.BALLOT, Ty.I32, null, p));
            }
            case "ldmatrixX4Trans([II[I)V": {
                Addr ad = sharedAddr(a[0], arg(a[1]));
                loadFourWords(a[2], s, Op.LDMATRIX, ad.off, ad.base);
                return null;
            }
            case "sharedLoad4([II[I)V": {
                Addr ad = sharedAddr(a[0], arg(a[1]));
                loadFourWords(a[2], s, Op.LD, new Op.Mem(Space.SHARED, "b32", 4, false, ad.off), ad.base);
                return null;
            }
            case "cpAsync16([IILdev/kascade/kernel/I32Buffer;J)V", "cpAsync16([IILdev/kascade/kernel/F32Buffer;J)V": {
                if (!(a[2] instanceof Value.Buffer b)) throw c.error("cpAsync16: the source must be a kernel buffer parameter");
                Addr dst = sharedAddr(a[0], arg(a[1]));
                Addr src = globalAddr(b, arg(a[3]), 4);
                c.effect(Op.CP_ASYNC, new Op.Copy(dst.off, src.off), dst.base, src.base);
                return null;
            }
            case "prefetchL2(Ldev/kascade/kernel/I32Buffer;JI)V": {
                if (!(a[0] instanceof Value.Buffer b)) throw c.error("prefetchL2: the source must be a kernel buffer parameter");
                Addr src = globalAddr(b, arg(a[1]), 4);
                c.effect(Op.PREFETCH_L2, src.off, src.base, arg(a[2]));
                return null;
            }
            case "mbarrierInit([III)V", "mbarrierArriveExpect([III)V", "mbarrierWait([III)V": {
                // (barrier array, word index, arrivals / bytes / parity)
                Op op = switch (name) {
                    case "mbarrierInit" -> Op.MBAR_INIT;
                    case "mbarrierArriveExpect" -> Op.MBAR_EXPECT;
                    default -> Op.MBAR_WAIT;
                };
                Addr bar = sharedAddr(a[0], arg(a[1]));
                c.effect(op, bar.off, bar.base, arg(a[2]));
                return null;
            }
            case "bulkCopy([IILdev/kascade/kernel/I32Buffer;JII)V": {
                if (!(a[2] instanceof Value.Buffer b)) throw c.error("bulkCopy: the source must be a kernel buffer parameter");
                Addr dst = sharedAddr(a[0], arg(a[1]));
                Addr src = globalAddr(b, arg(a[3]), 4);
                Addr bar = sharedAddr(a[0], arg(a[5]));
                c.effect(Op.CP_BULK, new Op.BulkCopy(dst.off, src.off, bar.off), dst.base, src.base, arg(a[4]), bar.base);
                return null;
            }
            case "fenceProxyAsync()V":
                c.effect(Op.FENCE_PROXY_ASYNC, null);
                return null;
            case "threadFence()V":
                c.effect(Op.FENCE_GPU, null);
                return null;
            case "nanosleep(I)V":
                c.effect(Op.NANOSLEEP, null, arg(a[0]));
                return null;
            case "gridDependencyWait()V":
                c.effect(Op.GRID_DEP, "wait");
                return null;
            case "launchDependents()V":
                c.effect(Op.GRID_DEP, "launch_dependents");
                return null;
            case "cpAsyncCommit()V":
                c.effect(Op.CP_ASYNC_COMMIT, null);
                return null;
            case "cpAsyncWait(I)V": {
                Operand n = arg(a[0]);
                if (!(n instanceof Imm k) || k.asInt() < 0 || k.asInt() > 7) {
                    throw c.error("cpAsyncWait needs a compile-time constant between 0 and 7 (literal, static final or @Const)");
                }
                c.effect(Op.CP_ASYNC_WAIT, k.asInt());
                return null;
            }
            case "mmaBf16([F[I[I[F)V":
                mma(a, s, "bf16");
                return null;
            case "mmaF16([F[I[I[F)V":
                mma(a, s, "f16");
                return null;
            default:
                throw c.error("KernelContext." + name + " is not supported by the PTX compiler");
        }
    }

    private Value shared(Value n, Ty elem) {
        Value.SharedArray known = sharedBySite.get(c.site);
        if (known != null) return known;
        Operand len = arg(n);
        if (!(len instanceof Imm k) || k.asInt() <= 0) {
            throw c.error("shared array size must be a positive compile-time constant (literal, static final or @Const)");
        }
        int bytes = k.asInt() * 4;
        if (c.fn.staticSharedBytes() + bytes > 48 * 1024) {
            throw c.error("static shared memory above 48 KB; use dynamicSharedF32() for larger tiles");
        }
        String sym = "smem" + c.nextShared++;
        c.fn.shared.put(sym, new Function.Shared(sym, bytes));
        Reg base = c.emit(Op.ADDR_OF, Ty.I32, sym);
        Value.SharedArray arr = new Value.SharedArray(sym, base, elem, k.asInt());
        sharedBySite.put(c.site, arr);
        return arr;
    }

    private Value dynamicShared(Ty elem) {
        String sym = "dsmem";
        c.fn.shared.putIfAbsent(sym, new Function.Shared(sym, -1));
        Reg base = c.emit(Op.ADDR_OF, Ty.I32, sym);
        return new Value.SharedArray(sym, base, elem, -1);
    }

    private Value sharedAtomic(Value[] a, String op, String type, Ty ty) {
        Addr ad = sharedAddr(a[0], arg(a[1]));
        Reg d = c.fn.reg(ty);
        c.emitMulti(Op.ATOM, new Reg[] {d}, new Op.Atom(Space.SHARED, op, type, ad.off), ad.base, arg(a[2]));
        return Value.of(d);
    }

    private Operand shfl(String mode, Operand v, Operand lane) {
        Reg d = c.fn.reg(v.ty());
        c.emitMulti(Op.SHFL, new Reg[] {d}, mode, inReg(v), lane, Imm.i32(31));
        return d;
    }

    /** Five butterfly steps (xor 16, 8, 4, 2, 1), the same order the emulator uses, so results agree bitwise. */
    private Operand butterfly(Operand v, Op combine) {
        Operand acc = inReg(v);
        Reg last = null;
        for (int m = 16; m >= 1; m >>= 1) {
            Operand other = shfl("bfly", acc, Imm.i32(m));
            last = c.emit(combine, Ty.F32, null, acc, other);
            acc = last;
        }
        c.defs.get(last).uniformityCap = 1;
        return acc;
    }

    private void mma(Value[] a, State s, String kind) {
        Operand[] d = regArray(a[0], s, Ty.F32, 4, "d");
        Operand[] fa = regArray(a[1], s, Ty.I32, 4, "a");
        Operand[] fb = regArray(a[2], s, Ty.I32, 2, "b");
        Operand[] fc = regArray(a[3], s, Ty.F32, 4, "c");
        Operand[] uses = new Operand[10];
        for (int k = 0; k < 4; k++) uses[k] = inReg(fa[k]);
        for (int k = 0; k < 2; k++) uses[4 + k] = inReg(fb[k]);
        for (int k = 0; k < 4; k++) uses[6 + k] = inReg(fc[k]);
        Reg[] out = new Reg[4];
        for (int k = 0; k < 4; k++) out[k] = c.fn.reg(Ty.F32);
        c.emitMulti(Op.MMA, out, kind, uses);
        System.arraycopy(out, 0, d, 0, 4);
    }

    /** The register elements of a local array argument (checked: kind and minimum length). */
    private Operand[] regArray(Value v, State s, Ty elem, int min, String what) {
        if (!(v instanceof Value.LocalArray la)) {
            throw c.error("'" + what + "' must be a constant-size local array (new " + (elem == Ty.F32 ? "float" : "int")
                    + "[" + min + "]) kept in registers");
        }
        if (la.elem() != elem || la.length() < min) {
            throw c.error(la.what() + " must be a " + (elem == Ty.F32 ? "float" : "int") + " array of at least " + min + " elements");
        }
        Operand[] els = s.arrays.get(la.id());
        if (els == null) throw c.error(la.what() + " is not available here");
        return els;
    }

    // ------------------------------------------------------------------ addressing

    /** An address: a base register plus a constant byte offset (printed as [base+off]). */
    record Addr(Reg base, long off) {
    }

    /** Splits an index into (register part, constant part) through int/long additions of constants. */
    private Object[] splitIndex(Operand idx) {
        long k = 0;
        while (true) {
            Insn d = c.defOf(idx);
            if (d != null && (d.op == Op.ADD || d.op == Op.SUB) && d.uses[1] instanceof Imm imm) {
                long v = imm.ty() == Ty.I32 ? imm.asInt() : imm.bits();
                k += d.op == Op.ADD ? v : -v;
                idx = d.uses[0];
            } else {
                return new Object[] {idx, k};
            }
        }
    }

    private Addr globalAddr(Value.Buffer b, Operand idx, int elemBytes) {
        if (idx instanceof Imm k) return new Addr(b.ptr(), k.bits() * elemBytes);
        Object[] sp = splitIndex(idx);
        Operand base = (Operand) sp[0];
        long off = (long) sp[1] * elemBytes;
        Insn d = c.defOf(base);
        Operand bytes;
        if (d != null && d.op == Op.CVT && "s64.s32".equals(d.attr)) {
            // (long) int index: sign-extending multiply straight from 32 bits (mul.wide.s32).
            Object[] sp32 = splitIndex(d.uses[0]);
            off += (long) sp32[1] * elemBytes;
            Operand i32 = (Operand) sp32[0];
            if (i32 instanceof Imm k) return new Addr(b.ptr(), off + (long) k.asInt() * elemBytes);
            bytes = c.emit(Op.MUL_WIDE, Ty.I64, null, i32, Imm.i32(elemBytes));
        } else if (base instanceof Imm k) {
            return new Addr(b.ptr(), off + k.bits() * elemBytes);
        } else if (wideScaled(d, elemBytes) != null) {
            // ((long) int) * k or << k: one mul.wide.s32 by the combined byte scale.
            Insn w = c.defOf(d.uses[0]);
            bytes = c.emit(Op.MUL_WIDE, Ty.I64, null, w.uses[0], Imm.i32(wideScaled(d, elemBytes)));
        } else {
            bytes = c.shift(Op.SHL, Ty.I64, base, Imm.i32(Integer.numberOfTrailingZeros(elemBytes)));
        }
        Reg addr = c.emit(Op.ADD, Ty.I64, null, b.ptr(), bytes);
        return new Addr(addr, off);
    }

    /** The byte scale when d is (long) x * k or (long) x << k with x an int and the scale fits in 31 bits. */
    private Integer wideScaled(Insn d, int elemBytes) {
        if (d == null || (d.op != Op.MUL && d.op != Op.SHL) || d.defs[0].ty() != Ty.I64) return null;
        if (!(d.uses[1] instanceof Imm k)) return null;
        Insn w = c.defOf(d.uses[0]);
        if (w == null || w.op != Op.CVT || !"s64.s32".equals(w.attr)) return null;
        long factor = d.op == Op.MUL ? k.bits() : (k.asInt() < 31 ? 1L << k.asInt() : Long.MAX_VALUE);
        long scale = factor * elemBytes;
        if (factor <= 0 || scale > Integer.MAX_VALUE) return null;
        return (int) scale;
    }

    private Addr sharedAddr(Value arr, Operand idx) {
        if (!(arr instanceof Value.SharedArray sa)) {
            throw c.error("shared-memory atomics need an array from sharedF32/sharedI32/dynamicShared*");
        }
        return sharedAddr(sa, idx);
    }

    private Addr sharedAddr(Value.SharedArray sa, Operand idx) {
        if (idx instanceof Imm k) {
            checkBounds(sa, k.asInt());
            return new Addr(sa.base(), 4L * k.asInt());
        }
        Object[] sp = splitIndex(idx);
        Operand i = (Operand) sp[0];
        long off = 4L * (long) sp[1];
        if (i instanceof Imm k) return new Addr(sa.base(), off + 4L * k.asInt());
        Reg addr = c.emit(Op.MAD_LO, Ty.I32, null, i, Imm.i32(4), sa.base());
        return new Addr(addr, off);
    }

    private void checkBounds(Value.SharedArray sa, int k) {
        if (sa.length() >= 0 && (k < 0 || k >= sa.length())) {
            throw c.error("index " + k + " out of bounds for shared array of length " + sa.length());
        }
    }

    /** Four fresh words from {@code op} at {@code base}, which become the registers of the local array {@code dst}. */
    private void loadFourWords(Value dst, State s, Op op, Object attr, Operand base) {
        Operand[] regs = regArray(dst, s, Ty.I32, 4, "dst");
        Reg[] w = new Reg[4];
        for (int q = 0; q < 4; q++) w[q] = c.fn.reg(Ty.I32);
        c.emitMulti(op, w, attr, base);
        System.arraycopy(w, 0, regs, 0, 4);
    }

    private Reg load(Space space, String type, Ty ty, Addr a, boolean nc) {
        Reg d = c.fn.reg(ty);
        c.emitMulti(Op.LD, new Reg[] {d}, new Op.Mem(space, type, 1, nc, a.off), a.base);
        return d;
    }

    private void store(Space space, String type, Addr a, Operand v) {
        c.effect(Op.ST, new Op.Mem(space, type, 1, false, a.off), a.base, v);
    }

    // ------------------------------------------------------------------ local and shared arrays

    Value arrayLoad(State s, TypeKind kind) {
        Operand idx = arg(s.pop());
        Value arr = s.pop();
        switch (arr) {
            case Value.LocalArray la -> {
                Operand[] els = localElements(la, s);
                return Value.of(els[constIndex(la, idx)]);
            }
            case Value.SharedArray sa -> {
                Addr a = sharedAddr(sa, idx);
                return Value.of(load(Space.SHARED, sa.elem() == Ty.F32 ? "f32" : "s32", sa.elem(), a, false));
            }
            default -> throw c.error("array access on " + MethodTranslator.describe(arr) + " is not supported in kernels");
        }
    }

    void arrayStore(State s, TypeKind kind) {
        Operand v = arg(s.pop());
        Operand idx = arg(s.pop());
        Value arr = s.pop();
        switch (arr) {
            case Value.LocalArray la -> {
                Operand[] els = localElements(la, s);
                Operand stored = switch (la.storage()) {
                    case 'B' -> v instanceof Imm k ? Imm.i32((byte) k.asInt()) : c.emit(Op.SEXT, Ty.I32, 8, v);
                    case 'S' -> v instanceof Imm k ? Imm.i32((short) k.asInt()) : c.emit(Op.SEXT, Ty.I32, 16, v);
                    case 'C' -> c.binary(Op.AND, Ty.I32, v, Imm.i32(0xFFFF));
                    case 'Z' -> c.binary(Op.AND, Ty.I32, v, Imm.i32(1));
                    default -> v;
                };
                els[constIndex(la, idx)] = stored;
            }
            case Value.SharedArray sa -> store(Space.SHARED, sa.elem() == Ty.F32 ? "f32" : "s32", sharedAddr(sa, idx), v);
            default -> throw c.error("array store into " + MethodTranslator.describe(arr) + " is not supported in kernels");
        }
    }

    Value arrayLength(Value arr) {
        return switch (arr) {
            case Value.LocalArray la -> Value.of(Imm.i32(la.length()));
            case Value.SharedArray sa when sa.length() >= 0 -> Value.of(Imm.i32(sa.length()));
            default -> throw c.error("the length of " + MethodTranslator.describe(arr) + " is not known in kernels; pass it as a parameter");
        };
    }

    private Operand[] localElements(Value.LocalArray la, State s) {
        Operand[] els = s.arrays.get(la.id());
        if (els == null) throw c.error(la.what() + " is not available here (created on another path)");
        return els;
    }

    private int constIndex(Value.LocalArray la, Operand idx) {
        if (!(idx instanceof Imm k)) {
            throw c.error("index into " + la.what() + " is not a compile-time constant; local arrays live in registers,"
                    + " so loops that index them must be fully unrolled (bound the loop with KernelContext.unroll(n))");
        }
        int i = k.asInt();
        if (i < 0 || i >= la.length()) {
            throw c.error("index " + i + " out of bounds for " + la.what() + " of length " + la.length());
        }
        return i;
    }

    // ------------------------------------------------------------------ buffers

    private Value buffer(Value receiver, String name, String sig, Value[] a, State s) {
        if (!(receiver instanceof Value.Buffer b)) throw c.error("buffer method " + name + " on a value that is not a buffer parameter");
        Class<?> k = b.kind();
        boolean writes = name.startsWith("set") || name.startsWith("store") || name.startsWith("atomic");
        if (writes && b.readOnly()) {
            throw c.error("buffer '" + b.name() + "' is @ReadOnly but the kernel writes it (" + name + ")");
        }
        switch (name) {
            case "length", "segment", "byteSize", "elementBytes", "toString", "hashCode", "equals", "getClass" ->
                    throw c.error("buffer." + name + "() is not available in kernels; pass lengths as int or long parameters");
            default -> {
            }
        }
        Operand idx = arg(a[0]);
        if (k == F32Buffer.class) {
            switch (sig) {
                case "get(J)F":
                    return Value.of(load(Space.GLOBAL, "f32", Ty.F32, globalAddr(b, idx, 4), b.readOnly()));
                case "getCoherent(J)F": {
                    Addr ad = globalAddr(b, idx, 4);
                    Reg d = c.fn.reg(Ty.F32);
                    c.emitMulti(Op.LD, new Reg[] {d}, new Op.Mem(Space.GLOBAL, "f32", 1, false, true, ad.off), ad.base);
                    return Value.of(d);
                }
                case "set(JF)V":
                    store(Space.GLOBAL, "f32", globalAddr(b, idx, 4), arg(a[1]));
                    return null;
                case "load4(J[F)V":
                    vecLoad(b, idx, a[1], s, Ty.F32, "f32");
                    return null;
                case "store4(J[F)V":
                    vecStore(b, idx, a[1], s, Ty.F32, "f32");
                    return null;
                case "atomicAdd(JF)F": {
                    Addr ad = globalAddr(b, idx, 4);
                    Reg d = c.fn.reg(Ty.F32);
                    c.emitMulti(Op.ATOM, new Reg[] {d}, new Op.Atom(Space.GLOBAL, "add", "f32", ad.off), ad.base, arg(a[1]));
                    return Value.of(d);
                }
                case "atomicMax(JF)F":
                    return Value.of(casMax(Space.GLOBAL, globalAddr(b, idx, 4), arg(a[1])));
                default:
            }
        } else if (k == I32Buffer.class) {
            switch (sig) {
                case "get(J)I":
                    return Value.of(load(Space.GLOBAL, "s32", Ty.I32, globalAddr(b, idx, 4), b.readOnly()));
                case "set(JI)V":
                    store(Space.GLOBAL, "s32", globalAddr(b, idx, 4), arg(a[1]));
                    return null;
                case "load4(J[I)V":
                    vecLoad(b, idx, a[1], s, Ty.I32, "b32");
                    return null;
                case "atomicAdd(JI)I", "atomicMax(JI)I": {
                    Addr ad = globalAddr(b, idx, 4);
                    Reg d = c.fn.reg(Ty.I32);
                    c.emitMulti(Op.ATOM, new Reg[] {d}, new Op.Atom(Space.GLOBAL, name.equals("atomicAdd") ? "add" : "max", "s32", ad.off),
                            ad.base, arg(a[1]));
                    return Value.of(d);
                }
                default:
            }
        } else if (k == I64Buffer.class) {
            switch (sig) {
                case "get(J)J":
                    return Value.of(load(Space.GLOBAL, "s64", Ty.I64, globalAddr(b, idx, 8), b.readOnly()));
                case "set(JJ)V":
                    store(Space.GLOBAL, "s64", globalAddr(b, idx, 8), arg(a[1]));
                    return null;
                default:
            }
        } else if (k == BF16Buffer.class || k == F16Buffer.class) {
            boolean bf = k == BF16Buffer.class;
            switch (sig) {
                case "get(J)F": {
                    Addr ad = globalAddr(b, idx, 2);
                    if (bf) return Value.of(bf16Word(load(Space.GLOBAL, "u16", Ty.I32, ad, b.readOnly()), true));
                    return Value.of(c.cvt("f32.f16", Ty.F32, load(Space.GLOBAL, "b16", Ty.B16, ad, b.readOnly())));
                }
                case "set(JF)V": {
                    Operand h = c.cvt(bf ? "rn.bf16.f32" : "rn.f16.f32", Ty.B16, arg(a[1]));
                    store(Space.GLOBAL, "b16", globalAddr(b, idx, 2), h);
                    return null;
                }
                case "getRaw(J)S":
                    return Value.of(load(Space.GLOBAL, "s16", Ty.I32, globalAddr(b, idx, 2), b.readOnly()));
                case "setRaw(JS)V":
                    store(Space.GLOBAL, "b16", globalAddr(b, idx, 2), inReg(arg(a[1])));
                    return null;
                case "getPair(J)I":
                    return Value.of(load(Space.GLOBAL, "b32", Ty.I32, globalAddr(b, idx, 2), b.readOnly()));
                case "load8(J[F)V": {
                    Operand[] dst = regArray(a[1], s, Ty.F32, 8, "dst");
                    Reg[] w = vecWords(b, idx, 2);
                    for (int q = 0; q < 4; q++) {
                        if (bf) {
                            dst[2 * q] = bf16Word(w[q], true);
                            dst[2 * q + 1] = bf16Word(w[q], false);
                        } else {
                            Reg lo = c.fn.reg(Ty.B16);
                            Reg hi = c.fn.reg(Ty.B16);
                            c.emitMulti(Op.UNPACK, new Reg[] {lo, hi}, null, w[q]);
                            dst[2 * q] = c.cvt("f32.f16", Ty.F32, lo);
                            dst[2 * q + 1] = c.cvt("f32.f16", Ty.F32, hi);
                        }
                    }
                    return null;
                }
                case "store8(J[F)V": {
                    Operand[] src = regArray(a[1], s, Ty.F32, 8, "src");
                    Operand[] w = new Operand[4];
                    for (int q = 0; q < 4; q++) {
                        // cvt.rn.bf16x2.f32 d, hi, lo: the first source lands in the upper half.
                        w[q] = c.emit(Op.CVT_PACK, Ty.I32, bf ? "bf16x2" : "f16x2", inReg(src[2 * q + 1]), inReg(src[2 * q]));
                    }
                    Addr ad = globalAddr(b, idx, 2);
                    c.effect(Op.ST, new Op.Mem(Space.GLOBAL, "b32", 4, false, ad.off), ad.base, w[0], w[1], w[2], w[3]);
                    return null;
                }
                default:
            }
        }
        throw c.error(k.getSimpleName() + "." + name + " is not supported by the PTX compiler");
    }

    private Reg[] vecWords(Value.Buffer b, Operand idx, int elemBytes) {
        Addr ad = globalAddr(b, idx, elemBytes);
        Reg[] w = new Reg[4];
        for (int q = 0; q < 4; q++) w[q] = c.fn.reg(Ty.I32);
        c.emitMulti(Op.LD, w, new Op.Mem(Space.GLOBAL, "b32", 4, b.readOnly(), ad.off), ad.base);
        return w;
    }

    private void vecLoad(Value.Buffer b, Operand idx, Value dstArr, State s, Ty ty, String type) {
        Operand[] dst = regArray(dstArr, s, ty, 4, "dst");
        Addr ad = globalAddr(b, idx, 4);
        Reg[] d = new Reg[4];
        for (int q = 0; q < 4; q++) d[q] = c.fn.reg(ty);
        c.emitMulti(Op.LD, d, new Op.Mem(Space.GLOBAL, type, 4, b.readOnly(), ad.off), ad.base);
        System.arraycopy(d, 0, dst, 0, 4);
    }

    private void vecStore(Value.Buffer b, Operand idx, Value srcArr, State s, Ty ty, String type) {
        Operand[] src = regArray(srcArr, s, ty, 4, "src");
        Addr ad = globalAddr(b, idx, 4);
        c.effect(Op.ST, new Op.Mem(Space.GLOBAL, type, 4, false, ad.off), ad.base,
                inReg(src[0]), inReg(src[1]), inReg(src[2]), inReg(src[3]));
    }

    /**
     * Float atomic max with {@link Math#max(float, float)} semantics as a compare-and-swap loop:
     * read the word, compute max.NaN with v, stop if unchanged, else CAS and retry on contention.
     */
    private Operand casMax(Space space, Addr ad, Operand v) {
        Reg old = c.fn.reg(Ty.I32);
        Reg first = load(space, "b32", Ty.I32, ad, false);
        c.move(c.cur, old, first, c.pos);
        Block loop = c.fn.newBlock();
        Block cas = c.fn.newBlock();
        Block done = c.fn.newBlock();
        c.cur.jump(loop);
        c.cur = loop;
        Operand oldF = c.bitcast(Ty.F32, old);
        Operand m = c.emit(Op.FMAX, Ty.F32, null, oldF, v);
        Operand mBits = c.bitcast(Ty.I32, m);
        Reg same = c.emit(Op.SETP, Ty.PRED, new Op.Cmp("eq", "s32"), mBits, old);
        loop.branch(same, done, cas, c.pos);
        c.cur = cas;
        Reg seen = c.fn.reg(Ty.I32);
        c.emitMulti(Op.ATOM, new Reg[] {seen}, new Op.Atom(space, "cas", "b32", ad.off), ad.base, old, mBits);
        Reg won = c.emit(Op.SETP, Ty.PRED, new Op.Cmp("eq", "s32"), seen, old);
        c.move(cas, old, seen, c.pos);
        cas.branch(won, done, loop, c.pos);
        c.cur = done;
        return c.bitcast(Ty.F32, old);
    }

    // ------------------------------------------------------------------ java.lang.Math and friends

    private Value math(String name, String sig, Value[] a) {
        Operand r = switch (sig) {
            case "max(II)I" -> c.binary(Op.MAX, Ty.I32, arg(a[0]), arg(a[1]));
            case "min(II)I" -> c.binary(Op.MIN, Ty.I32, arg(a[0]), arg(a[1]));
            case "max(JJ)J" -> c.binary(Op.MAX, Ty.I64, arg(a[0]), arg(a[1]));
            case "min(JJ)J" -> c.binary(Op.MIN, Ty.I64, arg(a[0]), arg(a[1]));
            case "max(FF)F" -> c.binary(Op.FMAX, Ty.F32, arg(a[0]), arg(a[1]));
            case "min(FF)F" -> c.binary(Op.FMIN, Ty.F32, arg(a[0]), arg(a[1]));
            case "max(DD)D" -> doubleMinMax(Op.FMAX, arg(a[0]), arg(a[1]));
            case "min(DD)D" -> doubleMinMax(Op.FMIN, arg(a[0]), arg(a[1]));
            case "abs(I)I" -> c.unary(Op.ABS, Ty.I32, arg(a[0]));
            case "abs(J)J" -> c.unary(Op.ABS, Ty.I64, arg(a[0]));
            case "abs(F)F" -> c.unary(Op.ABS, Ty.F32, arg(a[0]));
            case "abs(D)D" -> c.unary(Op.ABS, Ty.F64, arg(a[0]));
            case "sqrt(D)D" -> c.unary(Op.SQRT, Ty.F64, arg(a[0]));
            case "fma(FFF)F" -> fma(Ty.F32, a);
            case "fma(DDD)D" -> fma(Ty.F64, a);
            default -> throw c.error("Math." + name + " is not supported in kernels: PTX has no Java-exact equivalent"
                    + (name.equals("exp") || name.equals("pow") || name.equals("log")
                    ? "; use KernelContext.exp2/log2 (ex2.approx/lg2.approx, about 2 ulp) explicitly" : ""));
        };
        return Value.of(r);
    }

    /** PTX has no max.NaN.f64: max.f64, then NaN if either input is NaN (Math.max semantics). */
    private Operand doubleMinMax(Op op, Operand x, Operand y) {
        if (x instanceof Imm && y instanceof Imm) return c.binary(op, Ty.F64, x, y);
        Operand m = c.emit(op, Ty.F64, null, x, y);
        Operand nan = c.emit(Op.SETP, Ty.PRED, new Op.Cmp("nan", "f64"), x, y);
        Operand sum = c.emit(Op.ADD, Ty.F64, null, x, y);
        return c.emit(Op.SELP, Ty.F64, null, sum, m, nan);
    }

    private Value boxes(String cls, String name, String sig, Value[] a) {
        Operand r = switch (cls + "." + sig) {
            case "Float.floatToRawIntBits(F)I" -> c.bitcast(Ty.I32, arg(a[0]));
            case "Float.intBitsToFloat(I)F" -> c.bitcast(Ty.F32, arg(a[0]));
            case "Float.floatToIntBits(F)I" -> {
                Operand x = arg(a[0]);
                if (x instanceof Imm k) yield Imm.i32(Float.floatToIntBits(k.asFloat()));
                Operand nan = c.emit(Op.SETP, Ty.PRED, new Op.Cmp("nan", "f32"), x, x);
                yield c.emit(Op.SELP, Ty.I32, null, Imm.i32(0x7fc00000), c.bitcast(Ty.I32, x), nan);
            }
            case "Float.isNaN(F)Z" -> c.predToInt(nanTest(arg(a[0]), "f32"));
            case "Double.isNaN(D)Z" -> c.predToInt(nanTest(arg(a[0]), "f64"));
            case "Float.isInfinite(F)Z" -> c.predToInt(c.compare("eq", Ty.F32, c.unary(Op.ABS, Ty.F32, arg(a[0])),
                    Imm.f32(Float.POSITIVE_INFINITY)));
            case "Float.isFinite(F)Z" -> c.predToInt(c.compare("lt", Ty.F32, c.unary(Op.ABS, Ty.F32, arg(a[0])),
                    Imm.f32(Float.POSITIVE_INFINITY)));
            case "Float.max(FF)F" -> c.binary(Op.FMAX, Ty.F32, arg(a[0]), arg(a[1]));
            case "Float.min(FF)F" -> c.binary(Op.FMIN, Ty.F32, arg(a[0]), arg(a[1]));
            case "Float.float16ToFloat(S)F" -> c.cvt("f32.f16", Ty.F32, c.cvt("u16.u32", Ty.B16, arg(a[0])));
            case "Float.floatToFloat16(F)S" -> c.cvt("s32.s16", Ty.I32, c.cvt("rn.f16.f32", Ty.B16, arg(a[0])));
            case "Double.doubleToRawLongBits(D)J" -> c.bitcast(Ty.I64, arg(a[0]));
            case "Double.longBitsToDouble(J)D" -> c.bitcast(Ty.F64, arg(a[0]));
            case "Integer.bitCount(I)I" -> c.unary(Op.POPC, Ty.I32, arg(a[0]));
            case "Integer.numberOfLeadingZeros(I)I" -> c.unary(Op.CLZ, Ty.I32, arg(a[0]));
            case "Integer.max(II)I" -> c.binary(Op.MAX, Ty.I32, arg(a[0]), arg(a[1]));
            case "Integer.min(II)I" -> c.binary(Op.MIN, Ty.I32, arg(a[0]), arg(a[1]));
            case "Long.bitCount(J)I" -> c.emit(Op.POPC, Ty.I32, null, arg(a[0]));
            case "Long.numberOfLeadingZeros(J)I" -> c.emit(Op.CLZ, Ty.I32, null, arg(a[0]));
            default -> throw c.error(cls + "." + name + " is not supported in kernels"
                    + (name.startsWith("valueOf") || name.endsWith("Value") ? " (boxing)" : ""));
        };
        return Value.of(r);
    }

    private Operand nanTest(Operand x, String type) {
        if (x instanceof Imm k) {
            boolean nan = type.equals("f32") ? Float.isNaN(k.asFloat()) : Double.isNaN(k.asDouble());
            return new Imm(Ty.PRED, nan ? 1 : 0);
        }
        return c.emit(Op.SETP, Ty.PRED, new Op.Cmp("nan", type), x, x);
    }
}
