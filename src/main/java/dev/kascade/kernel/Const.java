package dev.kascade.kernel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an {@code int} (or {@code long}/{@code boolean}) kernel parameter as a specialisation constant:
 * the compiler bakes its value into the PTX (one module per distinct set of constants, like a C++ template
 * argument) and drops it from the entry's parameter list. On the CPU it is an ordinary argument.
 * Typical uses: head dim, tile sizes, GQA group size.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Const {
}
