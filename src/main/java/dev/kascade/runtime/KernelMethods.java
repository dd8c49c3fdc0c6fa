package dev.kascade.runtime;

import dev.kascade.kernel.Const;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Finding, checking and reading kernel methods: method-reference resolution, argument checks, constants. */
public final class KernelMethods {
    /** Kernels already checked by {@link #validate}, and each kernel's {@link Const} parameters (reflection is slow). */
    private static final Map<Method, Boolean> VALID = new ConcurrentHashMap<>();
    private static final Map<Method, List<ConstParam>> CONSTS = new ConcurrentHashMap<>();

    private KernelMethods() {
    }

    /**
     * The static method a kernel reference ({@code Kernels::add}) points at, recovered from the
     * {@code SerializedLambda} that the reference's synthetic {@code writeReplace} returns.
     *
     * @throws IllegalArgumentException for a lambda body, an instance method or a method that is not a kernel
     */
    public static Method resolve(KernelRef ref) {
        if (ref == null) throw new IllegalArgumentException("kernel: expected a method reference but got null");
        SerializedLambda sl = serializedForm(ref);
        if (sl.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic) {
            throw new IllegalArgumentException("kernel: " + sl.getImplClass().replace('/', '.') + "::"
                    + sl.getImplMethodName() + " is not a static method; kernels are static methods");
        }
        if (sl.getImplMethodName().startsWith("lambda$")) {
            throw new IllegalArgumentException("kernel: got a lambda expression; pass a method reference to a static "
                    + "kernel method instead (Kernels::add), whose bytecode the compiler can translate");
        }
        Class<?> owner;
        try {
            owner = Class.forName(sl.getImplClass().replace('/', '.'), false, ref.getClass().getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("kernel: cannot load " + sl.getImplClass(), e);
        }
        MethodType type = MethodType.fromMethodDescriptorString(sl.getImplMethodSignature(), owner.getClassLoader());
        for (Method m : owner.getDeclaredMethods()) {
            if (m.getName().equals(sl.getImplMethodName())
                    && MethodType.methodType(m.getReturnType(), m.getParameterTypes()).equals(type)) {
                validate(m);
                return m;
            }
        }
        throw new IllegalArgumentException("kernel: no method " + sl.getImplMethodName() + sl.getImplMethodSignature()
                + " in " + owner.getName());
    }

    private static SerializedLambda serializedForm(KernelRef ref) {
        try {
            Method writeReplace = ref.getClass().getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            if (writeReplace.invoke(ref) instanceof SerializedLambda sl) return sl;
        } catch (NoSuchMethodException e) {
            // fall through: not a lambda or method reference
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("kernel: cannot read the method reference " + ref, e);
        }
        throw new IllegalArgumentException("kernel: " + ref.getClass().getName()
                + " is not a method reference; write Kernels::add");
    }

    /**
     * Checks the shape of a kernel method: static, void, first parameter {@link KernelContext}, the others
     * buffers or {@code int}/{@code long}/{@code float}/{@code boolean}.
     */
    public static void validate(Method m) {
        if (VALID.containsKey(m)) return;
        String name = m.getDeclaringClass().getSimpleName() + "." + m.getName();
        if (!Modifier.isStatic(m.getModifiers())) {
            throw new IllegalArgumentException("kernel: " + name + " must be static");
        }
        Class<?>[] p = m.getParameterTypes();
        if (p.length == 0 || p[0] != KernelContext.class) {
            throw new IllegalArgumentException("kernel: " + name + " must take a KernelContext as its first parameter");
        }
        for (int i = 1; i < p.length; i++) {
            if (!KernelBuffer.class.isAssignableFrom(p[i]) && p[i] != int.class && p[i] != long.class
                    && p[i] != float.class && p[i] != boolean.class) {
                throw new IllegalArgumentException("kernel: " + name + " parameter " + i + " has type "
                        + p[i].getSimpleName() + "; kernels take buffers, int, long, float and boolean");
            }
        }
        VALID.put(m, Boolean.TRUE);
    }

    /** Number of arguments after the context. */
    public static int arity(Method m) {
        return m.getParameterCount() - 1;
    }

    /**
     * Checks {@code args} (the arguments after the context) against the kernel's parameter types, naming the
     * first mismatch.
     */
    public static void checkArguments(Method m, Object[] args) {
        String name = m.getDeclaringClass().getSimpleName() + "." + m.getName();
        if (args.length != arity(m)) {
            throw new IllegalArgumentException("args: kernel " + name + " takes " + arity(m)
                    + " arguments after the KernelContext but got " + args.length);
        }
        Parameter[] ps = m.getParameters();
        for (int i = 0; i < args.length; i++) {
            Class<?> t = ps[i + 1].getType();
            Class<?> want = t.isPrimitive() ? box(t) : t;
            if (args[i] == null || !want.isInstance(args[i])) {
                throw new IllegalArgumentException("args: kernel " + name + " parameter '" + ps[i + 1].getName() + "' ("
                        + (i + 1) + ") expects " + t.getSimpleName() + " but got "
                        + (args[i] == null ? "null" : args[i].getClass().getSimpleName()));
            }
        }
    }

    private static Class<?> box(Class<?> primitive) {
        if (primitive == int.class) return Integer.class;
        if (primitive == long.class) return Long.class;
        if (primitive == float.class) return Float.class;
        if (primitive == boolean.class) return Boolean.class;
        throw new IllegalArgumentException("unsupported primitive " + primitive);
    }

    /** The values of the kernel's {@link Const} parameters, keyed by parameter name, in declaration order. */
    public static Map<String, Object> constants(Method m, Object[] args) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (ConstParam c : CONSTS.computeIfAbsent(m, KernelMethods::constParameters)) out.put(c.name(), args[c.index() - 1]);
        return out;
    }

    /** A {@link Const} parameter: its index (the context is 0) and name. */
    private record ConstParam(int index, String name) {
    }

    private static List<ConstParam> constParameters(Method m) {
        List<ConstParam> out = new ArrayList<>();
        Parameter[] ps = m.getParameters();
        for (int i = 1; i < ps.length; i++) {
            if (ps[i].isAnnotationPresent(Const.class)) {
                if (!ps[i].isNamePresent()) {
                    throw new IllegalStateException("kernel " + m.getName() + ": parameter names are missing; compile "
                            + m.getDeclaringClass().getName() + " with javac -parameters");
                }
                out.add(new ConstParam(i, ps[i].getName()));
            }
        }
        return List.copyOf(out);
    }

    /** True when parameter {@code index} (counting the context as 0) is marked {@link ReadOnly}. */
    public static boolean isReadOnly(Method m, int index) {
        return m.getParameters()[index].isAnnotationPresent(ReadOnly.class);
    }
}
