package dev.kascade.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.kascade.ptx.PtxParam;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The arguments of one launch in the form {@code cuLaunchKernel} takes: an array of pointers, one per
 * {@code .param} in order, each pointing at that argument's storage. Storage is one 8-byte slot per
 * parameter (device pointers and s64 fill it, s32 and f32 use its first four bytes), so the layout is
 * {@code storage[8 * n]} followed by {@code pointers[n]}, both in the caller's arena.
 *
 * <p>Values are checked against the compiled parameter kinds here, so a wrong Java argument is an
 * {@link IllegalArgumentException} naming the parameter, never garbage handed to the GPU.
 */
public final class KernelParams {
    /** Bytes of storage per parameter. */
    public static final int SLOT_BYTES = 8;

    private final PtxParam.Kind[] kinds;
    private final long[] bits;
    private volatile MemorySegment written;

    private KernelParams(PtxParam.Kind[] kinds, long[] bits) {
        this.kinds = kinds;
        this.bits = bits;
    }

    /**
     * Marshals a kernel's Java arguments for its compiled parameters.
     *
     * @param kernel name for messages
     * @param params the compiled entry's parameters, in {@code .param} order
     * @param args   the Java arguments after the {@code KernelContext}: {@code args[p.javaIndex() - 1]} is
     *               parameter {@code p}'s value; buffers must already be {@link DeviceMemory}
     */
    public static KernelParams marshal(String kernel, List<PtxParam> params, Object[] args) {
        PtxParam.Kind[] kinds = new PtxParam.Kind[params.size()];
        long[] bits = new long[params.size()];
        for (int i = 0; i < params.size(); i++) {
            PtxParam p = params.get(i);
            int at = p.javaIndex() - 1;
            if (at < 0 || at >= args.length) {
                throw new IllegalArgumentException("args: kernel " + kernel + " parameter '" + p.name() + "' is Java argument "
                        + p.javaIndex() + " but only " + args.length + " arguments (after the context) were given");
            }
            kinds[i] = p.kind();
            bits[i] = encode(kernel, p, args[at]);
        }
        return new KernelParams(kinds, bits);
    }

    private static long encode(String kernel, PtxParam p, Object v) {
        String where = "kernel " + kernel + " parameter '" + p.name() + "'";
        return switch (p.kind()) {
            case POINTER -> {
                if (v instanceof DeviceMemory m) yield m.address();
                throw new IllegalArgumentException(where + ": expected device memory but got " + describe(v));
            }
            case S32 -> switch (v) {
                case Integer x -> x;
                case Short x -> x;
                case Byte x -> x;
                case Boolean x -> x ? 1 : 0;
                case null, default -> throw new IllegalArgumentException(where + ": expected an int but got " + describe(v));
            };
            case S64 -> switch (v) {
                case Long x -> x;
                case Integer x -> x;
                case null, default -> throw new IllegalArgumentException(where + ": expected a long but got " + describe(v));
            };
            case F32 -> {
                if (v instanceof Float f) yield Float.floatToRawIntBits(f) & 0xFFFF_FFFFL;
                throw new IllegalArgumentException(where + ": expected a float but got " + describe(v));
            }
        };
    }

    private static String describe(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName() + " " + v;
    }

    public int count() {
        return kinds.length;
    }

    /**
     * Writes the pointer array once into memory that lives as long as this object is reachable, so that
     * repeated launches with the same arguments marshal nothing ({@link CudaFunction#launch} uses it).
     */
    public MemorySegment prepare() {
        MemorySegment s = written;
        if (s == null) {
            s = write(Arena.ofAuto());
            written = s;
        }
        return s;
    }

    /** The array written by {@link #prepare()}, or null when it was not called. */
    MemorySegment prepared() {
        return written;
    }

    /**
     * Writes storage and pointer array into {@code arena} and returns the pointer array (what
     * {@code cuLaunchKernel}'s {@code kernelParams} receives). The arena must outlive the launch call.
     */
    public MemorySegment write(Arena arena) {
        int n = kinds.length;
        if (n == 0) return MemorySegment.NULL;
        MemorySegment storage = arena.allocate((long) SLOT_BYTES * n, 8);
        MemorySegment pointers = arena.allocate(ADDRESS, n);
        for (int i = 0; i < n; i++) {
            long off = (long) SLOT_BYTES * i;
            switch (kinds[i]) {
                case POINTER, S64 -> storage.set(JAVA_LONG, off, bits[i]);
                case S32 -> storage.set(JAVA_INT, off, (int) bits[i]);
                case F32 -> storage.set(JAVA_FLOAT, off, Float.intBitsToFloat((int) bits[i]));
            }
            pointers.setAtIndex(ADDRESS, i, storage.asSlice(off, SLOT_BYTES));
        }
        return pointers;
    }
}
