package dev.kascade.emulator;

import java.util.Set;

/**
 * Where in the kernel source a context method was called: declaring class, method, descriptor and bytecode
 * index identify the call site (one shared array per block and site; one instruction per barrier); file and
 * line are for messages.
 */
record CallSite(Class<?> owner, String method, String descriptor, int bci, String file, int line) {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    /** Frames of the emulator itself, skipped when looking for the kernel's call. */
    private static final Set<Class<?>> INTERNAL = Set.of(CallSite.class, ThreadContext.class, Block.class,
            Warp.class, dev.kascade.kernel.KernelContext.class);

    /** The call site of the context method being executed by the current thread. */
    static CallSite current() {
        return WALKER.walk(frames -> frames
                .filter(f -> !INTERNAL.contains(f.getDeclaringClass()))
                .findFirst()
                .map(f -> new CallSite(f.getDeclaringClass(), f.getMethodName(), f.getDescriptor(),
                        f.getByteCodeIndex(), f.getFileName(), f.getLineNumber()))
                .orElseThrow());
    }

    /** {@code Kernels.java:42 (Kernels.softmax)}. */
    String where() {
        return (file == null ? owner.getSimpleName() : file) + ":" + line + " (" + owner.getSimpleName() + "."
                + method + ")";
    }

    @Override
    public String toString() {
        return where();
    }
}
