package dev.kascade.emulator;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.I64Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.Map;

/** Checks a kernel method and its arguments before a launch, with messages that name the parameter. */
final class KernelArgs {
    private static final Map<Class<?>, Class<?>> BOXES = Map.of(int.class, Integer.class, long.class, Long.class,
            float.class, Float.class, boolean.class, Boolean.class, double.class, Double.class, short.class,
            Short.class, byte.class, Byte.class, char.class, Character.class);

    private KernelArgs() {
    }

    /** Throws IllegalArgumentException unless {@code kernel} is a static void {@code @Kernel} method taking a context first. */
    static void checkKernel(Method kernel) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel: expected a @Kernel method but got null");
        }
        String name = kernel.getDeclaringClass().getName() + "." + kernel.getName();
        if (!kernel.isAnnotationPresent(Kernel.class)) {
            throw new IllegalArgumentException("kernel: " + name + " is not annotated @Kernel");
        }
        if (!Modifier.isStatic(kernel.getModifiers())) {
            throw new IllegalArgumentException("kernel: " + name + " must be static");
        }
        if (kernel.getReturnType() != void.class) {
            throw new IllegalArgumentException("kernel: " + name + " must return void");
        }
        Class<?>[] types = kernel.getParameterTypes();
        if (types.length == 0 || types[0] != KernelContext.class) {
            throw new IllegalArgumentException("kernel: the first parameter of " + name + " must be a KernelContext");
        }
    }

    /**
     * Checks {@code args} against the kernel's parameters after the context and returns the arguments the
     * threads receive: {@code @ReadOnly} buffers become read-only views, so a write fails at once.
     */
    static Object[] prepare(Method kernel, Object[] args) {
        Parameter[] params = kernel.getParameters();
        String name = kernel.getDeclaringClass().getSimpleName() + "." + kernel.getName();
        if (args == null) {
            args = new Object[0];
        }
        if (args.length != params.length - 1) {
            throw new IllegalArgumentException("args: " + name + " takes " + (params.length - 1)
                    + " arguments after the KernelContext but got " + args.length);
        }
        Thread probe = Thread.ofVirtual().unstarted(() -> { });
        Object[] out = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            Parameter p = params[i + 1];
            Object a = args[i];
            String what = "args[" + i + "] (parameter '" + p.getName() + "' of " + name + ")";
            Class<?> type = p.getType();
            if (a == null) {
                throw new IllegalArgumentException(what + ": expected " + type.getSimpleName() + " but got null");
            }
            if (type.isPrimitive()) {
                if (!acceptsPrimitive(type, a)) {
                    throw new IllegalArgumentException(what + ": expected " + type.getName() + " but got "
                            + a.getClass().getSimpleName() + " " + a);
                }
                out[i] = type == long.class && a instanceof Integer n ? Long.valueOf(n) : a;
            } else if (KernelBuffer.class.isAssignableFrom(type)) {
                if (a.getClass() != type) {
                    throw new IllegalArgumentException(what + ": expected " + type.getSimpleName() + " but got "
                            + a.getClass().getSimpleName());
                }
                KernelBuffer buf = (KernelBuffer) a;
                if (!buf.segment().isAccessibleBy(probe)) {
                    throw new IllegalArgumentException(what + ": its memory segment is confined to one thread, but "
                            + "emulated GPU threads run on many; allocate it from Arena.ofShared() or Arena.ofAuto()");
                }
                out[i] = p.isAnnotationPresent(ReadOnly.class) ? readOnlyView(buf) : buf;
            } else {
                throw new IllegalArgumentException(what + ": parameter type " + type.getName()
                        + " is not a kernel type (buffers and primitives only)");
            }
        }
        return out;
    }

    private static boolean acceptsPrimitive(Class<?> type, Object a) {
        if (BOXES.get(type) == a.getClass()) {
            return true;
        }
        return type == long.class && a instanceof Integer;
    }

    private static KernelBuffer readOnlyView(KernelBuffer b) {
        MemorySegment ro = b.segment().asReadOnly();
        return switch (b) {
            case F32Buffer x -> new F32Buffer(ro);
            case F16Buffer x -> new F16Buffer(ro);
            case BF16Buffer x -> new BF16Buffer(ro);
            case I32Buffer x -> new I32Buffer(ro);
            case I64Buffer x -> new I64Buffer(ro);
        };
    }
}
