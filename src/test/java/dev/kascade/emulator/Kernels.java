package dev.kascade.emulator;

import java.lang.reflect.Method;

/** Finds a test kernel by name. */
final class Kernels {
    private Kernels() {
    }

    static Method named(Class<?> owner, String name) {
        for (Method m : owner.getDeclaredMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("no kernel " + name + " in " + owner.getName());
    }
}
