package dev.kascade.kernels;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * A built-in kernel with the specialisation constants it is usually compiled with.
 *
 * @param name        short name used by {@code kascade ptx --kernel NAME}
 * @param method      the static kernel method
 * @param constants   values for its {@code @Const} parameters, keyed by parameter name
 * @param description one line for listings
 */
public record KernelSpec(String name, Method method, Map<String, Object> constants, String description) {
    /** Looks up {@code owner.methodName} (the only method of that name) as a kernel spec. */
    public static KernelSpec of(String name, Class<?> owner, String methodName, Map<String, Object> constants,
                                String description) {
        Method found = null;
        for (Method m : owner.getDeclaredMethods()) {
            if (m.getName().equals(methodName)) {
                if (found != null) {
                    throw new IllegalArgumentException("methodName: " + owner.getName() + "." + methodName + " is overloaded");
                }
                found = m;
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("methodName: no method " + methodName + " in " + owner.getName());
        }
        return new KernelSpec(name, found, Map.copyOf(constants), description);
    }
}
