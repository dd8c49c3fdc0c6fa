package dev.kascade.runtime;

import dev.kascade.kernel.KernelContext;

/**
 * Serializable functional interfaces a kernel method reference is written against, one per arity (TornadoVM
 * calls these {@code Task1..TaskN}). {@code graph.task("add", Kernels::add, a, b, c, n)} picks
 * {@link Task4} from the number of arguments; the runtime recovers the referenced static method from the
 * reference's {@code SerializedLambda} (see {@link KernelMethods#resolve(KernelRef)}). Only method
 * references to static kernel methods are accepted; a lambda body has no kernel method to compile.
 */
public final class Tasks {
    private Tasks() {
    }

    /** A kernel taking a context and 1 argument. */
    @FunctionalInterface
    public interface Task1<A> extends KernelRef {
        void apply(KernelContext context, A a);
    }

    /** A kernel taking a context and 2 arguments. */
    @FunctionalInterface
    public interface Task2<A, B> extends KernelRef {
        void apply(KernelContext context, A a, B b);
    }

    /** A kernel taking a context and 3 arguments. */
    @FunctionalInterface
    public interface Task3<A, B, C> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c);
    }

    /** A kernel taking a context and 4 arguments. */
    @FunctionalInterface
    public interface Task4<A, B, C, D> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d);
    }

    /** A kernel taking a context and 5 arguments. */
    @FunctionalInterface
    public interface Task5<A, B, C, D, E> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d, E e);
    }

    /** A kernel taking a context and 6 arguments. */
    @FunctionalInterface
    public interface Task6<A, B, C, D, E, F> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d, E e, F f);
    }

    /** A kernel taking a context and 7 arguments. */
    @FunctionalInterface
    public interface Task7<A, B, C, D, E, F, G> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d, E e, F f, G g);
    }

    /** A kernel taking a context and 8 arguments. */
    @FunctionalInterface
    public interface Task8<A, B, C, D, E, F, G, H> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d, E e, F f, G g, H h);
    }

    /** A kernel taking a context and 9 arguments. */
    @FunctionalInterface
    public interface Task9<A, B, C, D, E, F, G, H, I> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d, E e, F f, G g, H h, I i);
    }

    /** A kernel taking a context and 10 arguments. */
    @FunctionalInterface
    public interface Task10<A, B, C, D, E, F, G, H, I, J> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j);
    }

    /** A kernel taking a context and 11 arguments. */
    @FunctionalInterface
    public interface Task11<A, B, C, D, E, F, G, H, I, J, K> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k);
    }

    /** A kernel taking a context and 12 arguments. */
    @FunctionalInterface
    public interface Task12<A, B, C, D, E, F, G, H, I, J, K, L> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l);
    }

    /** A kernel taking a context and 13 arguments. */
    @FunctionalInterface
    public interface Task13<A, B, C, D, E, F, G, H, I, J, K, L, M> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m);
    }

    /** A kernel taking a context and 14 arguments. */
    @FunctionalInterface
    public interface Task14<A, B, C, D, E, F, G, H, I, J, K, L, M, N> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n);
    }

    /** A kernel taking a context and 15 arguments. */
    @FunctionalInterface
    public interface Task15<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O> extends KernelRef {
        void apply(KernelContext context, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o);
    }
}
