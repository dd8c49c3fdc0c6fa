package dev.kascade.kernel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a static method as a kernel entry point. Its first parameter is a {@link KernelContext};
 * the others are buffer views ({@link F32Buffer}, {@link F16Buffer}, {@link BF16Buffer}, {@link I32Buffer},
 * {@link I64Buffer}) and primitives ({@code int}, {@code long}, {@code float}, {@code boolean}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Kernel {
    /** Optional PTX entry name; defaults to {@code ClassName_methodName}. */
    String name() default "";

    /**
     * Most threads per block the kernel is launched with (0: unstated). GPU: {@code .maxntid N, 1, 1}, which lets
     * ptxas budget registers for exactly that block size; a launch with more threads per block is rejected by the
     * driver.
     */
    int maxThreads() default 0;

    /**
     * Blocks of {@link #maxThreads()} threads that should fit on one SM at once (0: unstated). GPU:
     * {@code .minnctapersm M}: ptxas caps registers at 64K / (M x maxThreads), spilling if it must (the kernel's
     * ptxas test then asserts no spills).
     */
    int minBlocksPerSm() default 0;
}
