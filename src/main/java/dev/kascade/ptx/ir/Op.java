package dev.kascade.ptx.ir;

/**
 * Operations of the IR. Arithmetic ops are typed by their destination register; the printer picks the PTX
 * spelling that keeps Java semantics (see docs/compiler.md, "Java semantics"). {@code pure} ops may be
 * deleted when nothing reads their result.
 */
public enum Op {
    /** d = a (same type). */
    MOV(true),
    ADD(true), SUB(true), MUL(true),
    /** Integer: truncating like Java. Float: IEEE {@code div.rn}. */
    DIV(true),
    /** Integer remainder, sign of the dividend like Java. */
    REM(true),
    NEG(true), AND(true), OR(true), XOR(true), NOT(true),
    /** Shift amount already masked by the front end (Java masks, PTX clamps). */
    SHL(true), SHR(true), USHR(true),
    /** Integer min/max. */
    MIN(true), MAX(true),
    /** f32 min/max with NaN propagation ({@code min.NaN.f32}) like {@link Math#min(float, float)}. */
    FMIN(true), FMAX(true),
    ABS(true), SQRT(true), EX2(true), LG2(true), RSQRT(true),
    /** d = a * b + c, one rounding. */
    FMA(true),
    /** d(s64) = a(s32) * b(s32). */
    MUL_WIDE(true),
    /** d = a * b + c, integer low half. */
    MAD_LO(true),
    /** Conversion; attr is the PTX suffix, e.g. {@code rzi.s32.f32}. */
    CVT(true),
    /** Predicate compare; attr is a {@link Cmp}. */
    SETP(true),
    /** d = p ? a : b; uses are a, b, p. */
    SELP(true),
    /** Reinterpret bits between same-width registers ({@code mov.b32}). */
    BITCAST(true),
    POPC(true), CLZ(true),
    /** Sign-extend the low attr bits ({@code bfe.s32 d, a, 0, bits}). */
    SEXT(true),
    /** Special register read; attr is the name, e.g. {@code %tid.x}. */
    SREG(true),
    /** Address of a shared symbol; attr is the symbol. */
    ADDR_OF(true),
    /** Kernel parameter read; attr is the parameter name. */
    LD_PARAM(true),
    CVTA_GLOBAL(true),
    /** Memory load; attr is a {@link Mem}; uses[0] is the address. One def, or four for vector loads. */
    LD(false),
    /** Memory store; attr is a {@link Mem}; uses[0] is the address, then the values. */
    ST(false),
    /** Atomic; attr is an {@link Atom}; uses are address, value (, new value for cas). */
    ATOM(false),
    /** {@code bar.sync 0}. */
    BAR(false),
    /** {@code bar.warp.sync -1}: a meeting of the warp's 32 lanes, no data. */
    WARP_SYNC(false),
    /** Warp shuffle; attr is the mode (bfly, down, idx); uses are value, lane/mask operand, clamp. */
    SHFL(false),
    /** {@code vote.sync.ballot.b32}; uses[0] is a predicate. */
    BALLOT(false),
    /** {@code redux.sync}; attr is add or max. */
    REDUX(false),
    /** Tensor-core product; attr is bf16 or f16; defs d0..3, uses a0..3, b0..1, c0..3. */
    MMA(false),
    /**
     * {@code ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16}: a warp collective; defs are the four fragment words,
     * the use is the lane's row address, attr the constant byte offset (Long).
     */
    LDMATRIX(false),
    /** {@code cp.async.cg.shared.global}: 16 bytes; attr is a {@link Copy}; uses are the shared and global address. */
    CP_ASYNC(false),
    /** {@code cp.async.bulk.prefetch.L2.global}; attr is the address offset (Long); uses are the address and the size. */
    PREFETCH_L2(false),
    /** {@code griddepcontrol.<attr>}; attr is wait or launch_dependents (sm_90; a comment on sm_80). */
    GRID_DEP(false),
    /**
     * {@code mbarrier.init.shared::cta.b64} then {@code fence.mbarrier_init.release.cluster}; attr is the address
     * offset (Long); uses are the barrier's shared address and the arrival count.
     */
    MBAR_INIT(false),
    /** {@code mbarrier.arrive.expect_tx.shared::cta.b64 _}; attr the offset (Long); uses the address and the bytes. */
    MBAR_EXPECT(false),
    /** A loop on {@code mbarrier.try_wait.parity.shared::cta.b64}; attr the offset (Long); uses address and parity. */
    MBAR_WAIT(false),
    /**
     * {@code cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes}; attr is a {@link BulkCopy}; uses are
     * the shared destination, the global source, the size in bytes and the barrier's shared address.
     */
    CP_BULK(false),
    /** {@code fence.proxy.async.shared::cta}. */
    FENCE_PROXY_ASYNC(false),
    /** {@code fence.acq_rel.gpu}: orders this thread's global-memory accesses GPU-wide. */
    FENCE_GPU(false),
    /** {@code nanosleep.u32}; the use is the duration in nanoseconds. */
    NANOSLEEP(false),
    /** {@code cp.async.commit_group}. */
    CP_ASYNC_COMMIT(false),
    /** {@code cp.async.wait_group N}; attr is N (Integer). */
    CP_ASYNC_WAIT(false),
    /** Split a b32 into two b16 halves ({@code mov.b32 {lo, hi}, a}). */
    UNPACK(true),
    /** {@code cvt.rn.<attr>.f32 d, hi, lo}; attr is bf16x2 or f16x2; uses are hi, lo (PTX order). */
    CVT_PACK(true);

    private final boolean pure;

    Op(boolean pure) {
        this.pure = pure;
    }

    public boolean pure() {
        return pure;
    }

    /** Comparison for {@link #SETP}: the PTX condition (lt, ltu, ...) and operand type (s32, f32, ...). */
    public record Cmp(String cond, String type) {
    }

    /**
     * Memory access attributes for {@link #LD}, {@link #ST}: {@code nc} reads through the non-coherent (read-only)
     * path, {@code strong} is a {@code .relaxed.gpu} access (seen GPU-wide, never from a stale L1 line).
     */
    public record Mem(Space space, String type, int vec, boolean nc, boolean strong, long offset) {
        /** A plain (weak) access. */
        public Mem(Space space, String type, int vec, boolean nc, long offset) {
            this(space, type, vec, nc, false, offset);
        }
    }

    /** Asynchronous copy attributes: constant byte offsets added to the shared (destination) and global address. */
    public record Copy(long dstOffset, long srcOffset) {
    }

    /** Bulk copy attributes: the constant byte offsets of the destination, source and barrier addresses. */
    public record BulkCopy(long dstOffset, long srcOffset, long barrierOffset) {
    }

    /** Atomic attributes: space, operation (add, max, cas, exch) and type (s32, f32, b32). */
    public record Atom(Space space, String op, String type, long offset) {
    }

    /** Memory state spaces. */
    public enum Space {
        GLOBAL("global"), SHARED("shared");

        public final String ptx;

        Space(String ptx) {
            this.ptx = ptx;
        }
    }
}
