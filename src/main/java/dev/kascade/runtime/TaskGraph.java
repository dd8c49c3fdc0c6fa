package dev.kascade.runtime;

import dev.kascade.kernel.KernelBuffer;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A named sequence of transfers and kernel launches, in TornadoVM's terms:
 *
 * <pre>{@code
 * TaskGraph g = new TaskGraph("s0")
 *         .transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b)
 *         .task("add", Kernels::add, a, b, c, n)
 *         .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
 * try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
 *     plan.withGridScheduler(new GridScheduler("s0.add", WorkerGrid.of1D(n, 256))).execute();
 * }
 * }</pre>
 *
 * Steps run in the order they are declared. A graph is a mutable builder; {@link #snapshot()} freezes it
 * into the {@link ImmutableTaskGraph} an {@link ExecutionPlan} runs. A buffer a task uses that no
 * {@code transferToDevice} names is copied to the device once, when its device copy is created, so a task
 * never reads uninitialised device memory.
 */
public final class TaskGraph {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final String name;
    private final List<GraphStep> steps = new ArrayList<>();
    private final Set<String> taskNames = new HashSet<>();

    /** @param name graph name, a Java-like identifier; tasks are addressed as {@code name.task} */
    public TaskGraph(String name) {
        this.name = checkName(name, "name");
    }

    public String name() {
        return name;
    }

    /** Copies {@code buffers} to the device, once or on every execution. */
    public TaskGraph transferToDevice(DataTransferMode mode, KernelBuffer... buffers) {
        steps.add(new GraphStep.ToDevice(requireMode(mode), checkBuffers(buffers, "transferToDevice")));
        return this;
    }

    /** Copies {@code buffers} back to the host after the steps before it, once or on every execution. */
    public TaskGraph transferToHost(DataTransferMode mode, KernelBuffer... buffers) {
        steps.add(new GraphStep.ToHost(requireMode(mode), checkBuffers(buffers, "transferToHost")));
        return this;
    }

    /**
     * Adds a task running {@code kernel} (a static kernel method; its first parameter, the
     * {@code KernelContext}, is not among {@code args}).
     */
    public TaskGraph task(String name, Method kernel, Object... args) {
        KernelMethods.validate(kernel);
        return addTask(name, kernel, args);
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 1 argument. */
    public <A> TaskGraph task(String name, Tasks.Task1<A> kernel, A a) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 2 arguments. */
    public <A, B> TaskGraph task(String name, Tasks.Task2<A, B> kernel, A a, B b) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 3 arguments. */
    public <A, B, C> TaskGraph task(String name, Tasks.Task3<A, B, C> kernel, A a, B b, C c) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 4 arguments. */
    public <A, B, C, D> TaskGraph task(String name, Tasks.Task4<A, B, C, D> kernel, A a, B b, C c, D d) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 5 arguments. */
    public <A, B, C, D, E> TaskGraph task(String name, Tasks.Task5<A, B, C, D, E> kernel, A a, B b, C c, D d, E e) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d, e});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 6 arguments. */
    public <A, B, C, D, E, F> TaskGraph task(String name, Tasks.Task6<A, B, C, D, E, F> kernel, A a, B b, C c, D d, E e, F f) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d, e, f});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 7 arguments. */
    public <A, B, C, D, E, F, G> TaskGraph task(String name, Tasks.Task7<A, B, C, D, E, F, G> kernel, A a, B b, C c, D d, E e, F f, G g) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d, e, f, g});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 8 arguments. */
    public <A, B, C, D, E, F, G, H> TaskGraph task(String name, Tasks.Task8<A, B, C, D, E, F, G, H> kernel, A a, B b, C c, D d, E e, F f, G g, H h) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d, e, f, g, h});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 9 arguments. */
    public <A, B, C, D, E, F, G, H, I> TaskGraph task(String name, Tasks.Task9<A, B, C, D, E, F, G, H, I> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d, e, f, g, h, i});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 10 arguments. */
    public <A, B, C, D, E, F, G, H, I, J> TaskGraph task(String name, Tasks.Task10<A, B, C, D, E, F, G, H, I, J> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d, e, f, g, h, i, j});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 11 arguments. */
    public <A, B, C, D, E, F, G, H, I, J, K> TaskGraph task(String name, Tasks.Task11<A, B, C, D, E, F, G, H, I, J, K> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d, e, f, g, h, i, j, k});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 12 arguments. */
    public <A, B, C, D, E, F, G, H, I, J, K, L> TaskGraph task(String name, Tasks.Task12<A, B, C, D, E, F, G, H, I, J, K, L> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d, e, f, g, h, i, j, k, l});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 13 arguments. */
    public <A, B, C, D, E, F, G, H, I, J, K, L, M> TaskGraph task(String name, Tasks.Task13<A, B, C, D, E, F, G, H, I, J, K, L, M> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d, e, f, g, h, i, j, k, l, m});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 14 arguments. */
    public <A, B, C, D, E, F, G, H, I, J, K, L, M, N> TaskGraph task(String name, Tasks.Task14<A, B, C, D, E, F, G, H, I, J, K, L, M, N> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d, e, f, g, h, i, j, k, l, m, n});
    }

    /** Adds a task running the static kernel {@code kernel} (a method reference) on 15 arguments. */
    public <A, B, C, D, E, F, G, H, I, J, K, L, M, N, O> TaskGraph task(String name, Tasks.Task15<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o) {
        return addTask(name, KernelMethods.resolve(kernel), new Object[] {a, b, c, d, e, f, g, h, i, j, k, l, m, n, o});
    }

    private TaskGraph addTask(String taskName, Method kernel, Object[] args) {
        checkName(taskName, "task name");
        if (!taskNames.add(taskName)) {
            throw new IllegalArgumentException("task name: graph '" + name + "' already has a task '" + taskName + "'");
        }
        KernelMethods.checkArguments(kernel, args);
        steps.add(new GraphStep.Launch(new TaskSpec(taskName, kernel, args)));
        return this;
    }

    /** An immutable copy of the graph as it is now. */
    public ImmutableTaskGraph snapshot() {
        if (steps.stream().noneMatch(s -> s instanceof GraphStep.Launch)) {
            throw new IllegalStateException("graph '" + name + "' has no task; add one with task(...)");
        }
        return new ImmutableTaskGraph(name, List.copyOf(steps));
    }

    private static DataTransferMode requireMode(DataTransferMode mode) {
        if (mode == null) throw new IllegalArgumentException("mode: expected FIRST_EXECUTION or EVERY_EXECUTION but got null");
        return mode;
    }

    private static List<KernelBuffer> checkBuffers(KernelBuffer[] buffers, String op) {
        if (buffers == null || buffers.length == 0) {
            throw new IllegalArgumentException(op + ": expected at least one buffer");
        }
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] == null) throw new IllegalArgumentException(op + ": buffer " + i + " is null");
        }
        return List.of(buffers);
    }

    private static String checkName(String s, String what) {
        if (s == null || !NAME.matcher(s).matches()) {
            throw new IllegalArgumentException(what + ": expected an identifier (letters, digits, _) but got '" + s + "'");
        }
        return s;
    }
}
