package dev.kascade.ptx;

/**
 * One parameter of a compiled {@code .entry}, in order. Specialisation constants ({@code @Const}) and the
 * {@code KernelContext} are not entry parameters.
 *
 * @param javaIndex index of the parameter in the Java method's parameter list (the context is index 0)
 * @param name      the Java parameter name
 * @param kind      how the launcher passes the value
 */
public record PtxParam(int javaIndex, String name, Kind kind) {
    /** Launcher-side representation of a parameter. */
    public enum Kind {
        /** A buffer view: a 64-bit device pointer ({@code .param .u64}). */
        POINTER(8),
        /** {@code int} ({@code .param .s32}); {@code boolean} is passed as 0/1 in this form. */
        S32(4),
        /** {@code long} ({@code .param .s64}). */
        S64(8),
        /** {@code float} ({@code .param .f32}). */
        F32(4);

        private final int bytes;

        Kind(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }
}
