package dev.kascade.kernel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a buffer parameter the kernel never writes: loads go through the read-only (non-coherent) data
 * path ({@code ld.global.nc}), which is only legal for memory nothing writes during the launch. Writing
 * through a read-only buffer is a compile error (GPU) and an exception (CPU emulator).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface ReadOnly {
}
