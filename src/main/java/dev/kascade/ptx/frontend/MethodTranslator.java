package dev.kascade.ptx.frontend;

import dev.kascade.ptx.ir.Block;
import dev.kascade.ptx.ir.Imm;
import dev.kascade.ptx.ir.Op;
import dev.kascade.ptx.ir.Operand;
import dev.kascade.ptx.ir.Reg;
import dev.kascade.ptx.ir.SrcPos;
import dev.kascade.ptx.ir.Ty;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassFile;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.ArrayLoadInstruction;
import java.lang.classfile.instruction.ArrayStoreInstruction;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.ConvertInstruction;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.MonitorInstruction;
import java.lang.classfile.instruction.NewMultiArrayInstruction;
import java.lang.classfile.instruction.NewObjectInstruction;
import java.lang.classfile.instruction.NewPrimitiveArrayInstruction;
import java.lang.classfile.instruction.NewReferenceArrayInstruction;
import java.lang.classfile.instruction.NopInstruction;
import java.lang.classfile.instruction.OperatorInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.StackInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Translates one method body (the kernel entry or an inlined helper) by abstract interpretation of its
 * bytecode: the operand stack and locals hold {@link Value}s, every produced value is a fresh virtual register
 * or a folded constant, and control flow becomes IR blocks.
 *
 * <p>Labels are processed in bytecode order from a worklist, so every forward predecessor of a merge point
 * has been translated before the merge (javac emits structured code). At a merge, values that differ get a
 * fresh register and a copy on each incoming edge ("phi by copy"; ptxas rebuilds SSA). A loop header gives
 * fresh registers to the locals the loop stores, and its back edges copy into them (as a parallel copy).
 * A loop whose bound is {@code KernelContext.unroll(c)}, or with a constant trip count that indexes a local
 * array, is instead translated once per iteration with the induction variable constant: that is full
 * unrolling, and it is what lets {@code new float[8]} live in registers.
 */
final class MethodTranslator {
    private static final int UNROLL_LIMIT = 4096;
    private static final int AUTO_UNROLL_LIMIT = 256;
    private static final int MAX_INLINE_DEPTH = 24;
    private static final int MAX_LOCAL_ARRAY = 256;
    static final String KC = "dev/kascade/kernel/KernelContext";

    private record Edge(Block pred, State state, SrcPos pos) {
    }

    private static final class LoopCtx {
        Block header;
        State headerState;
        final Map<Integer, Reg> slotRegs = new LinkedHashMap<>();
        final Map<Integer, Reg[]> arrayRegs = new LinkedHashMap<>();
    }

    private static final class UnrollCtx {
        List<Edge> back = new ArrayList<>();
    }

    /** Where translation of a callee ended: the continuation block, the return value and the state. */
    record Result(Value value, State state) {
    }

    private final Compilation c;
    private final MethodCode code;
    private final Intrinsics intr;
    private final boolean isEntry;
    private final TreeMap<Integer, List<Edge>> pending = new TreeMap<>();
    private final Map<Integer, LoopCtx> loops = new HashMap<>();
    private final Map<Integer, UnrollCtx> unrolls = new HashMap<>();
    private final int end;

    MethodTranslator(Compilation c, MethodCode code, Intrinsics intr, boolean isEntry) {
        this.c = c;
        this.code = code;
        this.intr = intr;
        this.isEntry = isEntry;
        this.end = code.insns.size();
    }

    /** Translates the body starting in {@code c.cur} with the given entry state. */
    Result translate(State entry) {
        if (code.hasCatch) {
            c.pos = pos(0);
            throw c.error("try/catch is not supported in kernels (exceptions)");
        }
        // enter through the worklist: instruction 0 may itself be a loop header (a helper starting with while)
        c.pos = pos(0);
        pending.computeIfAbsent(0, k -> new ArrayList<>()).add(new Edge(c.cur, entry, c.pos));
        run(0, end - 1);
        List<Edge> rets = pending.remove(end);
        if (isEntry) return null;
        if (rets == null) throw c.error("helper " + code.methodName() + " never returns");
        State s = merge(rets, end, null, null);
        Value v = s.stack.isEmpty() ? null : s.stack.getLast();
        return new Result(v, s);
    }

    private SrcPos pos(int i) {
        return new SrcPos(code.sourceFile, code.lines[Math.min(i, end)], code.ownerName);
    }

    /** Processes pending labels with index in [lo, hi], in bytecode order. */
    private void run(int lo, int hi) {
        while (true) {
            Map.Entry<Integer, List<Edge>> e = pending.ceilingEntry(lo);
            if (e == null || e.getKey() > hi) return;
            pending.remove(e.getKey());
            processLabel(e.getKey(), e.getValue());
        }
    }

    private void processLabel(int idx, List<Edge> edges) {
        c.pos = pos(idx);
        MethodCode.Loop loop = code.loops.get(idx);
        if (loop == null) {
            State s = merge(edges, idx, null, null);
            translateFrom(idx, s);
            return;
        }
        if (shouldUnroll(loop, edges)) {
            runUnrolled(loop, edges);
        } else {
            LoopCtx lc = new LoopCtx();
            State s = merge(edges, idx, loop, lc);
            if (!s.stack.isEmpty()) throw c.error("a value is left on the operand stack at a loop header");
            lc.header = c.cur;
            lc.headerState = s.copy();
            loops.put(idx, lc);
            translateFrom(idx, s);
        }
    }

    private boolean shouldUnroll(MethodCode.Loop loop, List<Edge> edges) {
        if (loop.unrollMarked) return true;
        if (!loop.readsArrays && !loop.writesArrays) return false;
        State s = edges.get(0).state;
        boolean localArray = false;
        for (int slot = 0; slot < s.locals.length; slot++) {
            if (code.isLive(slot, loop.header) && s.locals[slot] instanceof Value.LocalArray) localArray = true;
        }
        if (!localArray || edges.size() != 1) return false;
        // A constant-trip header test: iload k; (constant | iload m); if_icmpXX.
        int h = loop.header;
        if (h + 2 > loop.end) return false;
        if (!(code.insns.get(h) instanceof LoadInstruction li) || !isConst(s.locals[li.slot()])) return false;
        Instruction b = code.insns.get(h + 1);
        boolean boundConst = b instanceof ConstantInstruction
                || (b instanceof LoadInstruction lb && isConst(s.locals[lb.slot()]));
        return boundConst && code.insns.get(h + 2) instanceof BranchInstruction;
    }

    private static boolean isConst(Value v) {
        return v instanceof Value.Scalar sc && sc.isConst();
    }

    private void runUnrolled(MethodCode.Loop loop, List<Edge> edges) {
        int idx = loop.header;
        int limit = loop.unrollMarked ? UNROLL_LIMIT : AUTO_UNROLL_LIMIT;
        UnrollCtx u = new UnrollCtx();
        unrolls.put(idx, u);
        State s = merge(edges, idx, null, null);
        for (int it = 0; ; it++) {
            if (it > limit) {
                c.pos = pos(idx);
                throw c.error("loop does not reach a constant exit within " + limit + " unrolled iterations"
                        + (loop.unrollMarked ? " (the bound given to KernelContext.unroll and the start must be constants)"
                        : "; mark it with KernelContext.unroll(n) or keep local arrays out of long loops"));
            }
            if (!s.stack.isEmpty()) throw c.error("a value is left on the operand stack at a loop header");
            translateFrom(idx, s);
            run(idx + 1, loop.end);
            if (u.back.isEmpty()) break;
            List<Edge> be = u.back;
            u.back = new ArrayList<>();
            s = merge(be, idx, null, null);
        }
        unrolls.remove(idx);
    }

    // ------------------------------------------------------------------ merging

    /**
     * Joins the edges arriving at {@code idx}. With {@code loop} set, the locals the loop stores (and, when it
     * writes arrays, every register-array element) get fresh registers recorded in {@code lc}.
     */
    private State merge(List<Edge> edges, int idx, MethodCode.Loop loop, LoopCtx lc) {
        if (edges.size() == 1 && loop == null) {
            Edge e = edges.getFirst();
            c.cur = e.pred;
            if (e.pred != c.fn.entry()) {
                // translation continues in the edge's block: lay it out where the code now goes
                c.fn.blocks.remove(e.pred);
                c.fn.blocks.add(e.pred);
            }
            return e.state;
        }
        Block b = c.fn.newBlock();
        State first = edges.getFirst().state;
        State out = first.copy();
        int n = edges.size();
        for (int slot = 0; slot < out.locals.length; slot++) {
            if (!code.isLive(slot, idx)) {
                out.locals[slot] = Value.TOP;
                continue;
            }
            Value[] vs = new Value[n];
            for (int i = 0; i < n; i++) vs[i] = edges.get(i).state.locals[slot];
            boolean force = loop != null && loop.storedSlots.get(slot);
            Value m = mergeValues(vs, edges, force, false, code.slotName(slot));
            out.locals[slot] = m;
            if (force && m instanceof Value.Scalar sc && sc.op() instanceof Reg r) lc.slotRegs.put(slot, r);
        }
        for (Edge e : edges) {
            if (e.state.stack.size() != first.stack.size()) {
                throw c.error("operand stacks of different depth meet at a branch target");
            }
        }
        for (int d = 0; d < first.stack.size(); d++) {
            Value[] vs = new Value[n];
            for (int i = 0; i < n; i++) vs[i] = edges.get(i).state.stack.get(d);
            out.stack.set(d, mergeValues(vs, edges, false, true, "operand stack"));
        }
        out.arrays.clear();
        boolean forceArrays = loop != null && loop.writesArrays;
        for (var entry : first.arrays.entrySet()) {
            int id = entry.getKey();
            boolean everywhere = true;
            for (Edge e : edges) everywhere &= e.state.arrays.containsKey(id);
            if (!everywhere) continue;
            Operand[] merged = entry.getValue().clone();
            Reg[] regs = forceArrays ? new Reg[merged.length] : null;
            for (int k = 0; k < merged.length; k++) {
                Value[] vs = new Value[n];
                for (int i = 0; i < n; i++) vs[i] = Value.of(edges.get(i).state.arrays.get(id)[k]);
                Value m = mergeValues(vs, edges, forceArrays, true, "local array element");
                merged[k] = ((Value.Scalar) m).op();
                if (forceArrays) regs[k] = (Reg) merged[k];
            }
            out.arrays.put(id, merged);
            if (forceArrays) lc.arrayRegs.put(id, regs);
        }
        for (Edge e : edges) e.pred.jump(b);
        c.cur = b;
        return out;
    }

    private Value mergeValues(Value[] vs, List<Edge> edges, boolean force, boolean strict, String what) {
        boolean same = true;
        for (Value v : vs) same &= v.equals(vs[0]);
        if (same && (!force || !(vs[0] instanceof Value.Scalar))) return vs[0];
        Ty ty = null;
        boolean scalars = true;
        for (Value v : vs) {
            if (v instanceof Value.Scalar sc) {
                if (ty == null) ty = sc.ty();
                else if (ty != sc.ty()) scalars = false;
            } else {
                scalars = false;
            }
        }
        if (!scalars) {
            if (strict) throw c.error("different kinds of values meet in " + what + " at a branch target");
            return Value.TOP;
        }
        Reg r = c.fn.reg(ty);
        for (int i = 0; i < vs.length; i++) {
            c.move(edges.get(i).pred, r, ((Value.Scalar) vs[i]).op(), edges.get(i).pos);
        }
        return Value.of(r);
    }

    // ------------------------------------------------------------------ edges

    private void edge(Block pred, State s, int target, int from) {
        if (target <= from) {
            backEdge(pred, s, target);
        } else {
            pending.computeIfAbsent(target, k -> new ArrayList<>()).add(new Edge(pred, s, c.pos));
        }
    }

    private void backEdge(Block pred, State s, int header) {
        UnrollCtx u = unrolls.get(header);
        if (u != null) {
            u.back.add(new Edge(pred, s, c.pos));
            return;
        }
        LoopCtx lc = loops.get(header);
        if (lc == null) throw c.error("unsupported control flow (a backward branch that is not a loop)");
        if (!s.stack.isEmpty()) throw c.error("a value is left on the operand stack across a loop back edge");
        List<Reg> dsts = new ArrayList<>();
        List<Operand> srcs = new ArrayList<>();
        for (var e : lc.slotRegs.entrySet()) {
            Value v = s.locals[e.getKey()];
            if (!(v instanceof Value.Scalar sc) || sc.ty() != e.getValue().ty()) {
                throw c.error("local '" + code.slotName(e.getKey()) + "' changes kind inside a loop");
            }
            dsts.add(e.getValue());
            srcs.add(sc.op());
        }
        for (int slot = 0; slot < s.locals.length; slot++) {
            Value hv = lc.headerState.locals[slot];
            if (lc.slotRegs.containsKey(slot) || hv instanceof Value.Top || hv instanceof Value.Scalar) continue;
            if (!hv.equals(s.locals[slot])) {
                throw c.error("local '" + code.slotName(slot) + "' refers to a different array or buffer after "
                        + "an iteration of a loop that is not unrolled");
            }
        }
        for (var e : lc.arrayRegs.entrySet()) {
            Operand[] cur = s.arrays.get(e.getKey());
            if (cur == null) throw c.error("a local array is not available on a loop back edge");
            for (int k = 0; k < cur.length; k++) {
                dsts.add(e.getValue()[k]);
                srcs.add(cur[k]);
            }
        }
        parallelCopy(pred, dsts, srcs);
        pred.jump(lc.header);
    }

    /** dst[i] = src[i] for all i at once: sources that are also destinations are saved first. */
    private void parallelCopy(Block b, List<Reg> dsts, List<Operand> srcs) {
        java.util.Set<Reg> targets = new java.util.HashSet<>(dsts);
        List<Operand> saved = new ArrayList<>(srcs);
        for (int i = 0; i < srcs.size(); i++) {
            if (srcs.get(i) instanceof Reg r && targets.contains(r) && !r.equals(dsts.get(i))) {
                Reg t = c.fn.reg(r.ty());
                c.move(b, t, r, c.pos);
                saved.set(i, t);
            }
        }
        for (int i = 0; i < dsts.size(); i++) {
            if (!saved.get(i).equals(dsts.get(i))) c.move(b, dsts.get(i), saved.get(i), c.pos);
        }
    }

    // ------------------------------------------------------------------ straight-line translation

    private void translateFrom(int start, State s) {
        for (int i = start; i < end; i++) {
            if (i != start && code.isTarget[i]) {
                edge(c.cur, s, i, i - 1);
                return;
            }
            c.pos = pos(i);
            c.site = code.ownerName + "." + code.methodName() + code.method.methodTypeSymbol().descriptorString() + "#" + i;
            if (!step(i, s)) return;
        }
        throw c.error("control falls off the end of the method");
    }

    /** Interprets instruction i; false when control does not fall through to i + 1. */
    private boolean step(int i, State s) {
        Instruction ins = code.insns.get(i);
        switch (ins) {
            case NopInstruction n -> {
            }
            case ConstantInstruction ci -> s.push(constant(ci.constantValue()));
            case LoadInstruction li -> {
                Value v = s.locals[li.slot()];
                if (v instanceof Value.Top) throw c.error("read of local '" + code.slotName(li.slot()) + "' that has no value here");
                s.push(v);
            }
            case StoreInstruction st -> {
                Value v = s.pop();
                if (v instanceof Value.Compare) v = materializeCompare((Value.Compare) v);
                s.locals[st.slot()] = v;
                if (st.typeKind().slotSize() == 2 && st.slot() + 1 < s.locals.length) s.locals[st.slot() + 1] = Value.TOP;
            }
            case IncrementInstruction inc -> {
                Value.Scalar v = scalar(s.locals[inc.slot()]);
                s.locals[inc.slot()] = Value.of(c.binary(Op.ADD, Ty.I32, v.op(), Imm.i32(inc.constant())));
            }
            case OperatorInstruction op -> operator(op.opcode(), s);
            case ConvertInstruction cv -> s.push(Value.of(Conversions.convert(c, cv.fromType(), cv.toType(), scalar(s.pop()).op())));
            case StackInstruction st -> stack(st.opcode(), s);
            case BranchInstruction br -> {
                return branch(i, br, s);
            }
            case TableSwitchInstruction ts -> {
                switchChain(i, ts.defaultTarget(), ts.cases(), s);
                return false;
            }
            case LookupSwitchInstruction ls -> {
                switchChain(i, ls.defaultTarget(), ls.cases(), s);
                return false;
            }
            case ReturnInstruction r -> {
                doReturn(r, s);
                return false;
            }
            case InvokeInstruction inv -> invoke(inv, s);
            case FieldInstruction f -> field(f, s);
            case ArrayLoadInstruction al -> s.push(intr.arrayLoad(s, al.typeKind()));
            case ArrayStoreInstruction as -> intr.arrayStore(s, as.typeKind());
            case NewPrimitiveArrayInstruction na -> s.push(newArray(na.typeKind(), s, i));
            case NewObjectInstruction no -> throw c.error("'new " + simple(no.className().asInternalName())
                    + "' is not supported in kernels (objects)");
            case NewReferenceArrayInstruction na -> throw c.error("arrays of objects are not supported in kernels");
            case NewMultiArrayInstruction na -> throw c.error("multi-dimensional arrays are not supported in kernels");
            case ThrowInstruction t -> throw c.error("'throw' is not supported in kernels (exceptions)");
            case TypeCheckInstruction t -> throw c.error("'" + t.opcode().name().toLowerCase() + "' is not supported in kernels (objects)");
            case MonitorInstruction m -> throw c.error("'synchronized' is not supported in kernels");
            case InvokeDynamicInstruction d -> throw c.error("lambdas and string concatenation ('" + d.name().stringValue()
                    + "') are not supported in kernels");
            default -> throw c.error("bytecode " + ins.opcode().name().toLowerCase() + " is not supported in kernels");
        }
        return true;
    }

    private static String simple(String internal) {
        return internal.substring(internal.lastIndexOf('/') + 1);
    }

    Value.Scalar scalar(Value v) {
        if (v instanceof Value.Scalar sc) return sc;
        if (v instanceof Value.Compare cmp) return Value.of(materializeCompare(cmp).op());
        throw c.error("expected a primitive value but found " + describe(v));
    }

    static String describe(Value v) {
        return switch (v) {
            case Value.Ctx x -> "the KernelContext";
            case Value.Buffer b -> "buffer '" + b.name() + "'";
            case Value.LocalArray a -> "a local array";
            case Value.SharedArray a -> "a shared array";
            case Value.Top t -> "a value that is dead here";
            default -> v.toString();
        };
    }

    private Value constant(Object cv) {
        return switch (cv) {
            case Integer x -> Value.of(Imm.i32(x));
            case Long x -> Value.of(Imm.i64(x));
            case Float x -> Value.of(Imm.f32(x));
            case Double x -> Value.of(Imm.f64(x));
            case null -> throw c.error("null references are not supported in kernels (objects)");
            case String x -> throw c.error("strings are not supported in kernels (objects)");
            default -> throw c.error("constant " + cv + " is not supported in kernels");
        };
    }

    private Value.Scalar materializeCompare(Value.Compare cmp) {
        // lcmp/fcmp result used as a number: -1, 0 or 1 (NaN gives the bias).
        Ty ty = cmp.a().ty();
        Operand gt = c.compare(cmp.nanBias() > 0 ? "gtu" : "gt", ty, cmp.a(), cmp.b());
        Operand lt = c.compare(cmp.nanBias() < 0 ? "ltu" : "lt", ty, cmp.a(), cmp.b());
        if (!ty.isFloat()) {
            gt = c.compare("gt", ty, cmp.a(), cmp.b());
            lt = c.compare("lt", ty, cmp.a(), cmp.b());
        }
        Operand ltv = select(lt, Imm.i32(-1), Imm.i32(0));
        return Value.of(select(gt, Imm.i32(1), ltv));
    }

    private Operand select(Operand p, Operand a, Operand b) {
        if (p instanceof Imm pi) return pi.bits() != 0 ? a : b;
        return c.emit(Op.SELP, Ty.I32, null, a, b, p);
    }

    private void operator(Opcode op, State s) {
        switch (op) {
            case ARRAYLENGTH -> s.push(intr.arrayLength(s.pop()));
            case INEG, LNEG, FNEG, DNEG -> {
                Value.Scalar a = scalar(s.pop());
                s.push(Value.of(c.unary(Op.NEG, a.ty(), a.op())));
            }
            case LCMP, FCMPL, FCMPG, DCMPL, DCMPG -> {
                Value.Scalar b = scalar(s.pop());
                Value.Scalar a = scalar(s.pop());
                int bias = op == Opcode.FCMPG || op == Opcode.DCMPG ? 1 : op == Opcode.LCMP ? 0 : -1;
                s.push(new Value.Compare(a.op(), b.op(), bias));
            }
            default -> {
                Value.Scalar b = scalar(s.pop());
                Value.Scalar a = scalar(s.pop());
                Ty ty = a.ty();
                Operand r = switch (op) {
                    case IADD, LADD, FADD, DADD -> c.binary(Op.ADD, ty, a.op(), b.op());
                    case ISUB, LSUB, FSUB, DSUB -> c.binary(Op.SUB, ty, a.op(), b.op());
                    case IMUL, LMUL, FMUL, DMUL -> c.binary(Op.MUL, ty, a.op(), b.op());
                    case IDIV, LDIV, FDIV, DDIV -> c.binary(Op.DIV, ty, a.op(), b.op());
                    case IREM, LREM -> c.binary(Op.REM, ty, a.op(), b.op());
                    case FREM, DREM -> throw c.error("floating-point '%' is not supported in kernels (no exact PTX remainder)");
                    case IAND, LAND -> c.binary(Op.AND, ty, a.op(), b.op());
                    case IOR, LOR -> c.binary(Op.OR, ty, a.op(), b.op());
                    case IXOR, LXOR -> c.binary(Op.XOR, ty, a.op(), b.op());
                    case ISHL, LSHL -> c.shift(Op.SHL, ty, a.op(), b.op());
                    case ISHR, LSHR -> c.shift(Op.SHR, ty, a.op(), b.op());
                    case IUSHR, LUSHR -> c.shift(Op.USHR, ty, a.op(), b.op());
                    default -> throw c.error("bytecode " + op.name().toLowerCase() + " is not supported in kernels");
                };
                s.push(Value.of(r));
            }
        }
    }

    private void stack(Opcode op, State s) {
        List<Value> st = s.stack;
        switch (op) {
            case POP -> s.pop();
            case POP2 -> {
                Value v = s.pop();
                if (cat(v) == 1) s.pop();
            }
            case DUP -> s.push(s.peek());
            case DUP_X1 -> {
                Value v1 = s.pop();
                Value v2 = s.pop();
                s.push(v1);
                s.push(v2);
                s.push(v1);
            }
            case DUP_X2 -> {
                Value v1 = s.pop();
                Value v2 = s.pop();
                if (cat(v2) == 2) {
                    s.push(v1);
                    s.push(v2);
                    s.push(v1);
                } else {
                    Value v3 = s.pop();
                    s.push(v1);
                    s.push(v3);
                    s.push(v2);
                    s.push(v1);
                }
            }
            case DUP2 -> {
                Value v1 = s.peek();
                if (cat(v1) == 2) {
                    s.push(v1);
                } else {
                    Value v2 = st.get(st.size() - 2);
                    s.push(v2);
                    s.push(v1);
                }
            }
            case DUP2_X1 -> {
                Value v1 = s.pop();
                if (cat(v1) == 2) {
                    Value v2 = s.pop();
                    s.push(v1);
                    s.push(v2);
                    s.push(v1);
                } else {
                    Value v2 = s.pop();
                    Value v3 = s.pop();
                    s.push(v2);
                    s.push(v1);
                    s.push(v3);
                    s.push(v2);
                    s.push(v1);
                }
            }
            case SWAP -> {
                Value v1 = s.pop();
                Value v2 = s.pop();
                s.push(v1);
                s.push(v2);
            }
            default -> throw c.error("bytecode " + op.name().toLowerCase() + " is not supported in kernels");
        }
    }

    private static int cat(Value v) {
        return v instanceof Value.Scalar sc ? sc.category() : 1;
    }

    // ------------------------------------------------------------------ control flow

    private boolean branch(int i, BranchInstruction br, State s) {
        int target = code.label(br.target());
        Opcode op = br.opcode();
        if (op == Opcode.GOTO || op == Opcode.GOTO_W) {
            edge(c.cur, s, target, i);
            return false;
        }
        Operand p = switch (op) {
            case IFEQ, IFNE, IFLT, IFGE, IFGT, IFLE -> {
                Value v = s.pop();
                String cond = op.name().substring(2).toLowerCase();
                if (v instanceof Value.Compare cmp) {
                    Ty ty = cmp.a().ty();
                    if (ty.isFloat()) {
                        boolean takenOnNaN = switch (cond) {
                            case "eq" -> cmp.nanBias() == 0;
                            case "ne" -> cmp.nanBias() != 0;
                            case "lt" -> cmp.nanBias() < 0;
                            case "le" -> cmp.nanBias() <= 0;
                            case "gt" -> cmp.nanBias() > 0;
                            default -> cmp.nanBias() >= 0;
                        };
                        yield c.compare(takenOnNaN ? cond + "u" : cond, ty, cmp.a(), cmp.b());
                    }
                    yield c.compare(cond, ty, cmp.a(), cmp.b());
                }
                yield c.compare(cond, Ty.I32, scalar(v).op(), Imm.i32(0));
            }
            case IF_ICMPEQ, IF_ICMPNE, IF_ICMPLT, IF_ICMPGE, IF_ICMPGT, IF_ICMPLE -> {
                Value.Scalar b = scalar(s.pop());
                Value.Scalar a = scalar(s.pop());
                yield c.compare(op.name().substring(7).toLowerCase(), Ty.I32, a.op(), b.op());
            }
            default -> throw c.error("comparing references ('" + op.name().toLowerCase()
                    + "') is not supported in kernels (objects)");
        };
        conditional(p, s, target, i + 1, i);
        return false;
    }

    /** Branches to {@code target} when p holds, else to {@code fall}. */
    private void conditional(Operand p, State s, int target, int fall, int from) {
        if (p instanceof Imm k) {
            edge(c.cur, s, k.bits() != 0 ? target : fall, from);
            return;
        }
        Block f = c.fn.newBlock(); // created first so the fall-through path is laid out next
        Block t = c.fn.newBlock();
        c.cur.branch((Reg) p, t, f, c.pos);
        edge(t, s.copy(), target, from);
        edge(f, s, fall, from);
    }

    private void switchChain(int i, java.lang.classfile.Label dflt, List<SwitchCase> cases, State s) {
        Value.Scalar key = scalar(s.pop());
        if (key.isConst()) {
            int k = key.imm().asInt();
            for (SwitchCase sc : cases) {
                if (sc.caseValue() == k) {
                    edge(c.cur, s, code.label(sc.target()), i);
                    return;
                }
            }
            edge(c.cur, s, code.label(dflt), i);
            return;
        }
        if (cases.size() > 64) throw c.error("switch with " + cases.size() + " cases is too large for a kernel (at most 64)");
        for (SwitchCase sc : cases) {
            Operand p = c.compare("eq", Ty.I32, key.op(), Imm.i32(sc.caseValue()));
            Block f = c.fn.newBlock();
            Block t = c.fn.newBlock();
            c.cur.branch((Reg) p, t, f, c.pos);
            edge(t, s.copy(), code.label(sc.target()), i);
            c.cur = f;
        }
        edge(c.cur, s, code.label(dflt), i);
    }

    private void doReturn(ReturnInstruction r, State s) {
        if (isEntry) {
            c.cur.ret();
            c.cur.termPos = c.pos;
            return;
        }
        Value v = r.typeKind() == TypeKind.VOID ? null : s.pop();
        if (v instanceof Value.Compare cmp) v = materializeCompare(cmp);
        s.stack.clear();
        if (v != null) s.push(v);
        pending.computeIfAbsent(end, k -> new ArrayList<>()).add(new Edge(c.cur, s, c.pos));
    }

    // ------------------------------------------------------------------ calls, fields, arrays

    private void invoke(InvokeInstruction inv, State s) {
        String owner = inv.owner().asInternalName();
        String name = inv.name().stringValue();
        MethodTypeDesc desc = inv.typeSymbol();
        int n = desc.parameterCount();
        Value[] args = new Value[n];
        for (int k = n - 1; k >= 0; k--) args[k] = s.pop();
        Value receiver = inv.opcode() == Opcode.INVOKESTATIC ? null : s.pop();
        Value result = intr.call(owner, name, desc, receiver, args, s);
        if (result == Intrinsics.NOT_INTRINSIC) {
            if (inv.opcode() != Opcode.INVOKESTATIC || owner.startsWith("java/") || owner.startsWith("jdk/")
                    || owner.startsWith("sun/")) {
                throw c.error("call to " + owner.replace('/', '.') + "." + name + " is not supported in kernels"
                        + (inv.opcode() == Opcode.INVOKESTATIC ? "" : " (only static helpers are inlined)"));
            }
            result = inline(owner, name, desc, args, s);
        }
        if (result != null) s.push(result);
    }

    private Value inline(String owner, String name, MethodTypeDesc desc, Value[] args, State s) {
        ClassModel cm = c.classModel(owner);
        MethodModel mm = null;
        for (MethodModel m : cm.methods()) {
            if (m.methodName().stringValue().equals(name) && m.methodTypeSymbol().equals(desc)) mm = m;
        }
        if (mm == null || mm.code().isEmpty()) {
            throw c.error("cannot inline " + simple(owner) + "." + name + " (no bytecode)");
        }
        if ((mm.flags().flagsMask() & ClassFile.ACC_STATIC) == 0) {
            throw c.error(simple(owner) + "." + name + " is not static (only static helpers are inlined)");
        }
        String key = owner + "." + name + desc.descriptorString();
        if (c.inlineStack.contains(key)) {
            throw c.error("recursion is not supported in kernels: " + simple(owner) + "." + name + " calls itself"
                    + " (directly or through other helpers)");
        }
        if (c.inlineStack.size() >= MAX_INLINE_DEPTH) throw c.error("helpers nested deeper than " + MAX_INLINE_DEPTH);
        MethodModel found = mm;
        MethodCode mc = c.methods.computeIfAbsent(key, k -> new MethodCode(cm, found));
        State cs = s.calleeFrame(mc.maxLocals);
        int slot = 0;
        for (Value a : args) {
            cs.locals[slot] = a instanceof Value.Compare cmp ? materializeCompare(cmp) : a;
            slot += cat(a);
        }
        SrcPos callSite = c.pos;
        c.inlineStack.push(key);
        Result r = new MethodTranslator(c, mc, intr, false).translate(cs);
        c.inlineStack.pop();
        c.pos = callSite;
        s.arrays.clear();
        s.arrays.putAll(r.state().arrays);
        return desc.returnType().descriptorString().equals("V") ? null : r.value();
    }

    private void field(FieldInstruction f, State s) {
        String owner = f.owner().asInternalName();
        String name = f.name().stringValue();
        if (f.opcode() != Opcode.GETSTATIC) {
            throw c.error("field access '" + name + "' is not supported in kernels (objects and mutable statics)");
        }
        if (name.equals("$assertionsDisabled")) {
            s.push(Value.of(Imm.i32(1))); // assert statements are checked on the CPU only
            return;
        }
        Object v;
        try {
            Class<?> cls = Class.forName(owner.replace('/', '.'), true, c.loader);
            Field fld = cls.getDeclaredField(name);
            int mod = fld.getModifiers();
            if (!Modifier.isStatic(mod) || !Modifier.isFinal(mod)) {
                throw c.error("static field '" + simple(owner) + "." + name + "' is mutable; kernels may only read static final primitives");
            }
            if (!fld.getType().isPrimitive()) {
                throw c.error("static final field '" + simple(owner) + "." + name + "' is not a primitive (objects and arrays are not supported in kernels)");
            }
            fld.setAccessible(true);
            v = fld.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (e instanceof dev.kascade.ptx.PtxCompileException pe) throw pe;
            throw c.error("cannot read static field " + simple(owner) + "." + name + ": " + e);
        }
        s.push(switch (v) {
            case Integer x -> Value.of(Imm.i32(x));
            case Short x -> Value.of(Imm.i32(x));
            case Byte x -> Value.of(Imm.i32(x));
            case Character x -> Value.of(Imm.i32(x));
            case Boolean x -> Value.of(Imm.i32(x ? 1 : 0));
            case Long x -> Value.of(Imm.i64(x));
            case Float x -> Value.of(Imm.f32(x));
            case Double x -> Value.of(Imm.f64(x));
            default -> throw c.error("static field " + name + " has unsupported type");
        });
    }

    private Value newArray(TypeKind kind, State s, int i) {
        Value.Scalar n = scalar(s.pop());
        if (!n.isConst()) {
            throw c.error("local array size must be a compile-time constant (use a literal, a static final or a @Const parameter)");
        }
        int len = n.imm().asInt();
        if (len < 0 || len > MAX_LOCAL_ARRAY) {
            throw c.error("local array of " + len + " elements: kernels keep local arrays in registers, at most " + MAX_LOCAL_ARRAY);
        }
        Ty elem;
        char storage;
        switch (kind) {
            case INT -> { elem = Ty.I32; storage = 'I'; }
            case FLOAT -> { elem = Ty.F32; storage = 'F'; }
            case LONG -> { elem = Ty.I64; storage = 'J'; }
            case DOUBLE -> { elem = Ty.F64; storage = 'D'; }
            case BYTE -> { elem = Ty.I32; storage = 'B'; }
            case BOOLEAN -> { elem = Ty.I32; storage = 'Z'; }
            case SHORT -> { elem = Ty.I32; storage = 'S'; }
            case CHAR -> { elem = Ty.I32; storage = 'C'; }
            default -> throw c.error("arrays of " + kind + " are not supported in kernels");
        }
        int id = c.nextArrayId++;
        Operand zero = switch (elem) {
            case I64 -> Imm.i64(0);
            case F32 -> Imm.f32(0);
            case F64 -> Imm.f64(0);
            default -> Imm.i32(0);
        };
        Operand[] els = new Operand[len];
        java.util.Arrays.fill(els, zero);
        s.arrays.put(id, els);
        String what = "local array at " + c.pos;
        if (i + 1 < end && code.insns.get(i + 1) instanceof StoreInstruction st) {
            what = "local array '" + code.slotName(st.slot()) + "'";
        }
        return new Value.LocalArray(id, elem, storage, len, what);
    }
}
