package dev.kascade.emulator;

import java.util.Objects;
import java.util.Set;

/**
 * Where in the kernel source a context method was called. Declaring class, method name and bytecode index
 * identify the call site (one shared array per block and site; one instruction per barrier). File and line
 * are looked up only for messages, since resolving them costs more than the walk itself.
 */
final class CallSite {
    /**
     * The kernel's frame is at most 4 deep (current, Warp, ThreadContext, kernel): a small depth estimate keeps
     * the walker from creating a large batch of frame objects on every call.
     */
    private static final StackWalker WALKER = StackWalker.getInstance(
            Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE), 5);
    /** Frames of the emulator itself, skipped when looking for the kernel's call. */
    private static final Set<Class<?>> INTERNAL = Set.of(CallSite.class, ThreadContext.class, Block.class,
            Warp.class, dev.kascade.kernel.KernelContext.class);

    private final Class<?> owner;
    private final String method;
    private final int bci;
    private final StackWalker.StackFrame frame;

    private CallSite(StackWalker.StackFrame frame) {
        this.owner = frame.getDeclaringClass();
        this.method = frame.getMethodName();
        this.bci = frame.getByteCodeIndex();
        this.frame = frame;
    }

    /** The call site of the context method being executed by the current thread. */
    static CallSite current() {
        return WALKER.walk(frames -> frames
                .filter(f -> !INTERNAL.contains(f.getDeclaringClass()))
                .findFirst()
                .map(CallSite::new)
                .orElseThrow());
    }

    /** {@code Kernels.java:42 (Kernels.softmax)}. */
    String where() {
        String file = frame.getFileName();
        return (file == null ? owner.getSimpleName() : file) + ":" + frame.getLineNumber() + " ("
                + owner.getSimpleName() + "." + method + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CallSite c && c.bci == bci && c.owner == owner && c.method.equals(method);
    }

    @Override
    public int hashCode() {
        return Objects.hash(owner, method, bci);
    }

    @Override
    public String toString() {
        return where();
    }
}
