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
}
