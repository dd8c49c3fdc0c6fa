package dev.kascade.ptx.frontend;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.Const;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.I64Buffer;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;
import dev.kascade.ptx.PtxCompileException;
import dev.kascade.ptx.PtxParam;
import dev.kascade.ptx.ir.Function;
import dev.kascade.ptx.ir.Imm;
import dev.kascade.ptx.ir.Op;
import dev.kascade.ptx.ir.Reg;
import dev.kascade.ptx.ir.SrcPos;
import dev.kascade.ptx.ir.Ty;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Entry of the front end: checks the kernel signature, binds parameters (buffers become global pointers
 * converted once in the entry block, {@code @Const} parameters become constants) and translates the body.
 */
public final class KernelFrontEnd {
    private KernelFrontEnd() {
    }

    /** The translated kernel: IR, entry parameters in order, and warnings. */
    public record Output(Function fn, List<PtxParam> params, List<String> warnings) {
    }

    private static final Set<Class<?>> BUFFERS = Set.of(F32Buffer.class, F16Buffer.class, BF16Buffer.class,
            I32Buffer.class, I64Buffer.class);

    public static Output translate(Method kernel, Map<String, Object> constants, String entryName) {
        String kname = kernel.getDeclaringClass().getSimpleName() + "." + kernel.getName();
        if (!Modifier.isStatic(kernel.getModifiers())) {
            throw new PtxCompileException("kernel " + kname + ": a kernel must be a static method");
        }
        Class<?>[] types = kernel.getParameterTypes();
        if (types.length == 0 || types[0] != KernelContext.class) {
            throw new PtxCompileException("kernel " + kname + ": the first parameter must be a KernelContext");
        }
        if (kernel.getReturnType() != void.class) {
            throw new PtxCompileException("kernel " + kname + ": a kernel must return void");
        }
        Class<?> owner = kernel.getDeclaringClass();
        ClassLoader loader = owner.getClassLoader() != null ? owner.getClassLoader() : ClassLoader.getSystemClassLoader();
        Function fn = new Function(entryName);
        Compilation c = new Compilation(fn, kernel.getName(), loader, constants);
        ClassModel cm = c.classModel(owner.getName().replace('.', '/'));
        String desc = MethodType.methodType(kernel.getReturnType(), types).toMethodDescriptorString();
        MethodModel mm = null;
        for (MethodModel m : cm.methods()) {
            if (m.methodName().stringValue().equals(kernel.getName()) && m.methodType().stringValue().equals(desc)) mm = m;
        }
        if (mm == null || mm.code().isEmpty()) throw new PtxCompileException("kernel " + kname + ": no bytecode found");
        MethodCode code = new MethodCode(cm, mm);
        c.pos = new SrcPos(code.sourceFile, code.lines[0], code.ownerName);
        c.cur = fn.newBlock();

        State s = new State(code.maxLocals);
        List<PtxParam> params = new ArrayList<>();
        Set<String> usedConstants = new HashSet<>();
        Parameter[] ps = kernel.getParameters();
        s.locals[0] = new Value.Ctx();
        int slot = 1;
        for (int i = 1; i < ps.length; i++) {
            Parameter p = ps[i];
            Class<?> t = p.getType();
            String name = p.getName();
            boolean isConst = p.isAnnotationPresent(Const.class);
            String pname = "p_" + name;
            Value v;
            if (BUFFERS.contains(t)) {
                if (isConst) throw c.error("@Const is only for int, long and boolean parameters, not buffer '" + name + "'");
                fn.params.add(new Function.Param(pname, ".u64"));
                params.add(new PtxParam(i, name, PtxParam.Kind.POINTER));
                Reg raw = c.emit(Op.LD_PARAM, Ty.I64, pname);
                Reg ptr = c.emit(Op.CVTA_GLOBAL, Ty.I64, null, raw);
                v = new Value.Buffer(ptr, t, p.isAnnotationPresent(ReadOnly.class), name);
            } else if (isConst) {
                if (!constants.containsKey(name)) {
                    throw c.error("@Const parameter '" + name + "' has no value (constants given: " + constants.keySet() + ")");
                }
                usedConstants.add(name);
                v = Value.of(constant(c, t, name, constants.get(name)));
            } else if (t == int.class || t == boolean.class) {
                v = param(c, fn, params, i, name, pname, ".s32", Ty.I32, PtxParam.Kind.S32);
            } else if (t == long.class) {
                v = param(c, fn, params, i, name, pname, ".s64", Ty.I64, PtxParam.Kind.S64);
            } else if (t == float.class) {
                v = param(c, fn, params, i, name, pname, ".f32", Ty.F32, PtxParam.Kind.F32);
            } else {
                throw c.error("parameter '" + name + "' of type " + t.getSimpleName()
                        + " is not supported (buffers, int, long, float, boolean)");
            }
            s.locals[slot] = v;
            slot += (t == long.class || t == double.class) ? 2 : 1;
        }
        for (String k : constants.keySet()) {
            if (!usedConstants.contains(k)) {
                throw new PtxCompileException("kernel " + kname + ": constant '" + k + "' is not a @Const parameter");
            }
        }
        new MethodTranslator(c, code, new Intrinsics(c), true).translate(s);
        return new Output(fn, params, c.warnings);
    }

    private static Value param(Compilation c, Function fn, List<PtxParam> params, int i, String name, String pname,
                               String ptxType, Ty ty, PtxParam.Kind kind) {
        fn.params.add(new Function.Param(pname, ptxType));
        params.add(new PtxParam(i, name, kind));
        return Value.of(c.emit(Op.LD_PARAM, ty, pname));
    }

    private static Imm constant(Compilation c, Class<?> t, String name, Object v) {
        if (t == int.class && v instanceof Integer x) return Imm.i32(x);
        if (t == boolean.class && v instanceof Boolean x) return Imm.i32(x ? 1 : 0);
        if (t == long.class && (v instanceof Long || v instanceof Integer)) return Imm.i64(((Number) v).longValue());
        if (t == float.class && v instanceof Number x) return Imm.f32(x.floatValue());
        throw c.error("@Const parameter '" + name + "' is " + t.getSimpleName() + " but its value is "
                + (v == null ? "null" : v.getClass().getSimpleName() + " " + v));
    }
}
