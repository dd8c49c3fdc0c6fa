package dev.kascade.runtime;

import java.lang.reflect.Method;

/**
 * One task of a graph: a kernel and its arguments (after the context).
 *
 * @param name   task name, unique in its graph
 * @param kernel the static kernel method
 * @param args   buffers and primitives in parameter order
 */
public record TaskSpec(String name, Method kernel, Object[] args) {
    public TaskSpec {
        args = args.clone();
    }

    @Override
    public Object[] args() {
        return args.clone();
    }
}
