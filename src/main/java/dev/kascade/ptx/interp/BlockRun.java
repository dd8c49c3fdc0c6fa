package dev.kascade.ptx.interp;

import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.ptx.ir.Block;
import dev.kascade.ptx.ir.Function;
import dev.kascade.ptx.ir.Imm;
import dev.kascade.ptx.ir.Insn;
import dev.kascade.ptx.ir.Op;
import dev.kascade.ptx.ir.Operand;
import dev.kascade.ptx.ir.Reg;
import dev.kascade.ptx.ir.Ty;
import dev.kascade.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One thread block of an {@link IrInterpreter} launch: its threads, shared memory and scheduler. */
final class BlockRun {
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** One GPU thread: its ids, registers and position. */
    private static final class Thread {
        final int x;
        final int y;
        final int lane;
        final long[] r;
        Block block;
        int pc;
        boolean done;
        Insn waiting;

        Thread(int x, int y, int linear, int regs, Block entry) {
            this.x = x;
            this.y = y;
            this.lane = linear & 31;
            this.r = new long[regs];
            this.block = entry;
        }
    }

    private final Function fn;
    private final LaunchConfig cfg;
    private final int[] ctaid;
    private final Map<String, Long> params;
    private final IrInterpreter.Memory mem;
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, Integer> sharedIndex = new HashMap<>();
    private final List<MemorySegment> shared = new ArrayList<>();
    /** The block's transaction barriers (mbarrier) by shared address. */
    private final Map<Long, TxBarrier> txBarriers = new HashMap<>();

    /**
     * A transaction barrier: a phase completes when its {@code arrivals} arrivals have come and the bytes they
     * announced have landed ({@code bytes} back at 0); {@code phase} counts completed phases.
     */
    private static final class TxBarrier {
        final int arrivals;
        int pending;
        long bytes;
        int phase;

        TxBarrier(int arrivals) {
            this.arrivals = arrivals;
            this.pending = arrivals;
        }

        void maybeComplete() {
            if (pending == 0 && bytes == 0) {
                phase++;
                pending = arrivals;
            }
        }
    }

    BlockRun(Function fn, LaunchConfig cfg, int[] ctaid, Map<String, Long> params, IrInterpreter.Memory mem) {
        this.fn = fn;
        this.cfg = cfg;
        this.ctaid = ctaid;
        this.params = params;
        this.mem = mem;
        for (var s : fn.shared.values()) {
            sharedIndex.put(s.name(), shared.size());
            // Poisoned like the emulator's (on the GPU it holds whatever was there).
            MemorySegment block = MemorySegment.ofArray(new byte[s.dynamic() ? cfg.dynamicSharedBytes() : s.bytes()]);
            for (long at = 0; at + 4 <= block.byteSize(); at += 4) {
                block.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, at, KernelContext.SHARED_POISON);
            }
            shared.add(block);
        }
        for (int y = 0; y < cfg.blockY(); y++) {
            for (int x = 0; x < cfg.blockX(); x++) {
                threads.add(new Thread(x, y, x + y * cfg.blockX(), fn.regCount(), fn.entry()));
            }
        }
    }

    void run() {
        while (true) {
            boolean progress = false;
            boolean allDone = true;
            for (Thread t : threads) {
                if (!t.done && t.waiting == null) {
                    step(t);
                    progress = true;
                }
                allDone &= t.done;
            }
            if (allDone) return;
            for (int w = 0; w * 32 < threads.size(); w++) progress |= warpCollective(w);
            progress |= barrier();
            progress |= txBarrierWaits();
            if (!progress) {
                Insn at = null;
                for (Thread t : threads) if (t.waiting != null) at = t.waiting;
                throw IrInterpreter.divergence(at, "threads wait at different synchronisation points (divergence)");
            }
        }
    }

    /** Runs one thread until it exits or reaches a barrier or warp collective. */
    private void step(Thread t) {
        while (true) {
            if (t.pc == t.block.insns.size()) {
                Block b = t.block;
                switch (b.term) {
                    case RET -> {
                        t.done = true;
                        return;
                    }
                    case JUMP -> t.block = b.target;
                    case BRANCH -> t.block = t.r[b.cond.id()] != 0 ? b.target : b.elseTarget;
                    default -> throw new IllegalStateException("unterminated block " + b);
                }
                t.pc = 0;
                continue;
            }
            Insn i = t.block.insns.get(t.pc);
            switch (i.op) {
                case BAR, SHFL, BALLOT, REDUX, MMA, WARP_SYNC, LDMATRIX -> {
                    t.waiting = i;
                    return;
                }
                case MBAR_WAIT -> {
                    if (!phaseOver(t, i)) {
                        t.waiting = i; // until other threads' arrivals and copies complete the phase
                        return;
                    }
                }
                default -> exec(t, i);
            }
            t.pc++;
        }
    }

    /** Releases the threads whose awaited barrier phase is over. */
    private boolean txBarrierWaits() {
        boolean progress = false;
        for (Thread t : threads) {
            if (t.waiting != null && t.waiting.op == Op.MBAR_WAIT && phaseOver(t, t.waiting)) {
                t.waiting = null;
                t.pc++;
                progress = true;
            }
        }
        return progress;
    }

    /** Whether the phase of parity {@code uses[1]} of the barrier at {@code uses[0]} is over (try_wait.parity). */
    private boolean phaseOver(Thread t, Insn i) {
        TxBarrier b = txBarrier(i, val(t, i.uses[0]) + (Long) i.attr);
        return (b.phase & 1) != (int) val(t, i.uses[1]);
    }

    private TxBarrier txBarrier(Insn i, long addr) {
        checkBarrier(i, addr);
        TxBarrier b = txBarriers.get(addr);
        if (b == null) {
            throw new IllegalStateException("interpreter: " + i.op + " on shared byte " + off(Op.Space.SHARED, addr)
                    + ", which no mbarrier.init has set up");
        }
        return b;
    }

    private boolean barrier() {
        Insn bar = null;
        for (Thread t : threads) {
            if (t.done) continue;
            if (t.waiting == null || t.waiting.op != Op.BAR) return false;
            bar = t.waiting;
        }
        if (bar == null) return false;
        for (Thread t : threads) {
            if (!t.done) {
                t.waiting = null;
                t.pc++;
            }
        }
        return true;
    }

    private boolean warpCollective(int w) {
        int from = w * 32;
        int to = Math.min(threads.size(), from + 32);
        Insn at = threads.get(from).waiting;
        if (at == null || at.op == Op.BAR || at.op == Op.MBAR_WAIT) return false;
        for (int k = from; k < to; k++) {
            Thread t = threads.get(k);
            if (t.done) throw IrInterpreter.divergence(at, "warp collective with exited lanes");
            if (t.waiting != at) return false;
        }
        if (to - from != 32) throw IrInterpreter.divergence(at, "warp collective in a partial warp (block size not a multiple of 32)");
        List<Thread> lanes = threads.subList(from, to);
        switch (at.op) {
            case SHFL -> {
                long[] v = new long[32];
                for (Thread t : lanes) v[t.lane] = val(t, at.uses[0]);
                for (Thread t : lanes) {
                    int b = (int) val(t, at.uses[1]);
                    int src = switch ((String) at.attr) {
                        case "bfly" -> t.lane ^ b;
                        case "down" -> t.lane + b > 31 ? t.lane : t.lane + b;
                        case "idx" -> b & 31;
                        default -> throw new IllegalStateException("shfl mode " + at.attr);
                    };
                    set(t, at.defs[0], v[src & 31]);
                }
            }
            case BALLOT -> {
                long mask = 0;
                for (Thread t : lanes) if (val(t, at.uses[0]) != 0) mask |= 1L << t.lane;
                for (Thread t : lanes) set(t, at.defs[0], (int) mask);
            }
            case REDUX -> {
                int acc = "add".equals(at.attr) ? 0 : Integer.MIN_VALUE;
                for (Thread t : lanes) {
                    int v = (int) val(t, at.uses[0]);
                    acc = "add".equals(at.attr) ? acc + v : Math.max(acc, v);
                }
                for (Thread t : lanes) set(t, at.defs[0], acc);
            }
            case MMA -> mma(lanes, at);
            case LDMATRIX -> ldmatrix(lanes, at);
            case WARP_SYNC -> {
                // a meeting only: every lane has executed everything before it
            }
            default -> throw new IllegalStateException(at.op.name());
        }
        for (Thread t : lanes) {
            t.waiting = null;
            t.pc++;
        }
        return true;
    }

    /** ldmatrix.x4.trans: lane l's word m = matrix m's elements (2 (l & 3), l >> 2) and (2 (l & 3) + 1, l >> 2). */
    private void ldmatrix(List<Thread> lanes, Insn at) {
        long[] row = new long[KernelContext.WARP_SIZE];
        for (Thread th : lanes) row[th.lane] = val(th, at.uses[0]) + (Long) at.attr;
        for (Thread th : lanes) {
            int col = th.lane >> 2;
            for (int m = 0; m < 4; m++) {
                long lo = row[8 * m + 2 * (th.lane & 3)] + 2L * col;
                long hi = row[8 * m + 2 * (th.lane & 3) + 1] + 2L * col;
                int word = sharedHalf(lo) | sharedHalf(hi) << 16;
                set(th, at.defs[m], word & 0xFFFFFFFFL);
            }
        }
    }

    private int sharedHalf(long addr) {
        return seg(Op.Space.SHARED, addr).get(S, off(Op.Space.SHARED, addr)) & 0xFFFF;
    }

    /** m16n8k16 with the PTX fragment layout (g = lane / 4, t = lane % 4). */
    private void mma(List<Thread> lanes, Insn at) {
        boolean bf = "bf16".equals(at.attr);
        float[][] a = new float[16][16];
        float[][] b = new float[16][8];
        float[][] c = new float[16][8];
        for (Thread th : lanes) {
            int g = th.lane >> 2;
            int t = th.lane & 3;
            for (int w = 0; w < 4; w++) {
                int word = (int) val(th, at.uses[w]);
                int row = (w & 1) == 0 ? g : g + 8;
                int col = 2 * t + (w >= 2 ? 8 : 0);
                a[row][col] = half(word, false, bf);
                a[row][col + 1] = half(word, true, bf);
            }
            for (int w = 0; w < 2; w++) {
                int word = (int) val(th, at.uses[4 + w]);
                int k = 2 * t + 8 * w;
                b[k][g] = half(word, false, bf);
                b[k + 1][g] = half(word, true, bf);
            }
            for (int i = 0; i < 4; i++) c[i < 2 ? g : g + 8][2 * t + (i & 1)] = Float.intBitsToFloat((int) val(th, at.uses[6 + i]));
        }
        for (Thread th : lanes) {
            int g = th.lane >> 2;
            int t = th.lane & 3;
            for (int i = 0; i < 4; i++) {
                int row = i < 2 ? g : g + 8;
                int col = 2 * t + (i & 1);
                double s = c[row][col];
                for (int k = 0; k < 16; k++) s += (double) a[row][k] * b[k][col];
                set(th, at.defs[i], Float.floatToRawIntBits((float) s) & 0xFFFFFFFFL);
            }
        }
    }

    private static float half(int word, boolean high, boolean bf) {
        int h = high ? word >>> 16 : word & 0xFFFF;
        return bf ? Float.intBitsToFloat(h << 16) : Float.float16ToFloat((short) h);
    }

    // ------------------------------------------------------------------ values

    private static long val(Thread t, Operand o) {
        return o instanceof Reg r ? t.r[r.id()] : ((Imm) o).bits();
    }

    private static void set(Thread t, Reg d, long bits) {
        t.r[d.id()] = switch (d.ty()) {
            case I32 -> (int) bits;
            case F32 -> bits & 0xFFFFFFFFL;
            case B16 -> bits & 0xFFFF;
            case PRED -> bits != 0 ? 1 : 0;
            default -> bits;
        };
    }

    private static float f(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    private static long fb(float v) {
        return Float.floatToRawIntBits(v) & 0xFFFFFFFFL;
    }

    private static double d(long bits) {
        return Double.longBitsToDouble(bits);
    }

    private static long db(double v) {
        return Double.doubleToRawLongBits(v);
    }

    private void exec(Thread t, Insn i) {
        Reg d = i.def();
        Ty ty = d == null ? null : d.ty();
        Operand[] u = i.uses;
        long a = u.length > 0 ? val(t, u[0]) : 0;
        long b = u.length > 1 ? val(t, u[1]) : 0;
        long r = switch (i.op) {
            case MOV, BITCAST, CVTA_GLOBAL -> a;
            case ADD, SUB, MUL, DIV, REM -> arith(i.op, ty, a, b);
            case NEG -> switch (ty) {
                case F32 -> fb(-f(a));
                case F64 -> db(-d(a));
                default -> -a;
            };
            case AND -> a & b;
            case OR -> a | b;
            case XOR -> a ^ b;
            case NOT -> ty == Ty.PRED ? (a == 0 ? 1 : 0) : ~a;
            case SHL -> ty == Ty.I32 ? ((int) b >= 32 || (int) b < 0 ? 0 : (int) a << b) : ((int) b >= 64 || (int) b < 0 ? 0 : a << b);
            case SHR -> ty == Ty.I32 ? (int) a >> Math.min(b & 0xFFFFFFFFL, 31) : a >> Math.min(b & 0xFFFFFFFFL, 63);
            case USHR -> ty == Ty.I32 ? ((b & 0xFFFFFFFFL) >= 32 ? 0 : (int) a >>> b) : ((b & 0xFFFFFFFFL) >= 64 ? 0 : a >>> b);
            case MIN -> ty == Ty.I32 ? Math.min((int) a, (int) b) : Math.min(a, b);
            case MAX -> ty == Ty.I32 ? Math.max((int) a, (int) b) : Math.max(a, b);
            case FMIN, FMAX -> minMax(i.op == Op.FMAX, ty, a, b);
            case ABS -> switch (ty) {
                case F32 -> a & 0x7FFFFFFFL;
                case F64 -> a & Long.MAX_VALUE;
                case I32 -> Math.abs((int) a);
                default -> Math.abs(a);
            };
            case SQRT -> ty == Ty.F32 ? fb((float) Math.sqrt(f(a))) : db(Math.sqrt(d(a)));
            case EX2 -> fb((float) Math.pow(2, f(a)));
            case LG2 -> fb((float) (Math.log(f(a)) / Math.log(2)));
            case RSQRT -> fb((float) (1 / Math.sqrt(f(a))));
            case FMA -> ty == Ty.F32 ? fb(Math.fma(f(a), f(b), f(val(t, u[2])))) : db(Math.fma(d(a), d(b), d(val(t, u[2]))));
            case MUL_WIDE -> (long) (int) a * (long) (int) b;
            case MAD_LO -> (int) a * (int) b + (int) val(t, u[2]);
            case CVT -> cvt((String) i.attr, a);
            case SETP -> setp((Op.Cmp) i.attr, a, b) ? 1 : 0;
            case SELP -> val(t, u[2]) != 0 ? a : b;
            case POPC -> u[0].ty() == Ty.I64 ? Long.bitCount(a) : Integer.bitCount((int) a);
            case CLZ -> u[0].ty() == Ty.I64 ? Long.numberOfLeadingZeros(a) : Integer.numberOfLeadingZeros((int) a);
            case SEXT -> {
                int bits = (Integer) i.attr;
                yield ((int) a << (32 - bits)) >> (32 - bits);
            }
            case SREG -> sreg(t, (String) i.attr);
            case ADDR_OF -> (long) (sharedIndex.get((String) i.attr) + 1) << 24;
            case LD_PARAM -> params.get((String) i.attr);
            case LD -> {
                load(t, i);
                yield Long.MIN_VALUE;
            }
            case ST -> {
                store(t, i);
                yield Long.MIN_VALUE;
            }
            case ATOM -> atom(i, a, b, u.length > 2 ? val(t, u[2]) : 0);
            case CP_ASYNC -> {
                copyAsync(i, a, b);
                yield Long.MIN_VALUE;
            }
            case PREFETCH_L2 -> {
                prefetch(i, a, (int) b);
                yield Long.MIN_VALUE;
            }
            case CP_ASYNC_COMMIT, CP_ASYNC_WAIT -> Long.MIN_VALUE; // the copy above completed at once
            case CP_BULK -> {
                int bytes = (int) val(t, u[2]);
                copyBulk(i, a, b, bytes); // at once; its bytes then count towards the barrier's phase
                TxBarrier bar = txBarrier(i, val(t, u[3]) + ((Op.BulkCopy) i.attr).barrierOffset());
                bar.bytes -= bytes;
                bar.maybeComplete();
                yield Long.MIN_VALUE;
            }
            case MBAR_INIT -> {
                checkBarrier(i, a + (Long) i.attr);
                if (b < 1) throw new IllegalStateException("interpreter: mbarrier.init with " + b + " arrivals");
                txBarriers.put(a + (Long) i.attr, new TxBarrier((int) b));
                yield Long.MIN_VALUE;
            }
            case MBAR_EXPECT -> {
                TxBarrier bar = txBarrier(i, a + (Long) i.attr);
                bar.bytes += b;
                if (--bar.pending < 0) {
                    throw new IllegalStateException("interpreter: more arrivals on an mbarrier phase than its "
                            + bar.arrivals);
                }
                bar.maybeComplete();
                yield Long.MIN_VALUE;
            }
            case FENCE_PROXY_ASYNC -> Long.MIN_VALUE;
            case FENCE_GPU, NANOSLEEP -> Long.MIN_VALUE; // blocks run one after another: every earlier write is seen
            case GRID_DEP -> Long.MIN_VALUE; // launches run one after the other here
            case UNPACK -> {
                set(t, i.defs[1], a >>> 16 & 0xFFFF);
                yield a & 0xFFFF;
            }
            case CVT_PACK -> {
                boolean bf = "bf16x2".equals(i.attr);
                int hi = (bf ? DType.floatToBf16(f(a)) : Float.floatToFloat16(f(a))) & 0xFFFF;
                int lo = (bf ? DType.floatToBf16(f(b)) : Float.floatToFloat16(f(b))) & 0xFFFF;
                yield hi << 16 | lo;
            }
            default -> throw new IllegalStateException("interpreter: op " + i.op);
        };
        if (d != null && i.op != Op.LD) set(t, d, r);
    }

    private static long arith(Op op, Ty ty, long a, long b) {
        return switch (ty) {
            case I32 -> {
                int x = (int) a;
                int y = (int) b;
                yield switch (op) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case MUL -> x * y;
                    case DIV -> y == 0 ? -1 : x / y;    // undefined in PTX; any value
                    default -> y == 0 ? x : x % y;
                };
            }
            case I64 -> switch (op) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case DIV -> b == 0 ? -1 : a / b;
                default -> b == 0 ? a : a % b;
            };
            case F32 -> {
                float x = f(a);
                float y = f(b);
                yield fb(switch (op) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case MUL -> x * y;
                    case DIV -> x / y;
                    default -> throw new IllegalStateException("rem.f32");
                });
            }
            case F64 -> {
                double x = d(a);
                double y = d(b);
                yield db(switch (op) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case MUL -> x * y;
                    case DIV -> x / y;
                    default -> throw new IllegalStateException("rem.f64");
                });
            }
            default -> throw new IllegalStateException("arith on " + ty);
        };
    }

    /** min/max.NaN.f32 propagate NaN; plain min/max.f64 return the non-NaN operand (PTX semantics). */
    private static long minMax(boolean max, Ty ty, long a, long b) {
        if (ty == Ty.F32) {
            float x = f(a);
            float y = f(b);
            if (Float.isNaN(x) || Float.isNaN(y)) return fb(Float.NaN);
            return fb(max ? Math.max(x, y) : Math.min(x, y));
        }
        double x = d(a);
        double y = d(b);
        if (Double.isNaN(x)) return db(y);
        if (Double.isNaN(y)) return db(x);
        return db(max ? Math.max(x, y) : Math.min(x, y));
    }

    /** cvt with PTX semantics; float-to-int of NaN gives the most negative integer (as x86 does). */
    private static long cvt(String s, long a) {
        return switch (s) {
            case "s64.s32" -> (long) (int) a;
            case "u32.u64" -> (int) a;
            case "rn.f32.s32" -> fb((float) (int) a);
            case "rn.f64.s32" -> db((int) a);
            case "rn.f32.s64" -> fb((float) a);
            case "rn.f64.s64" -> db((double) a);
            case "f64.f32" -> db(f(a));
            case "rn.f32.f64" -> fb((float) d(a));
            case "rzi.s32.f32" -> Float.isNaN(f(a)) ? Integer.MIN_VALUE : (int) f(a);
            case "rzi.s64.f32" -> Float.isNaN(f(a)) ? Long.MIN_VALUE : (long) f(a);
            case "rzi.s32.f64" -> Double.isNaN(d(a)) ? Integer.MIN_VALUE : (int) d(a);
            case "rzi.s64.f64" -> Double.isNaN(d(a)) ? Long.MIN_VALUE : (long) d(a);
            case "rn.bf16.f32" -> DType.floatToBf16(f(a)) & 0xFFFF;
            case "rn.f16.f32" -> Float.floatToFloat16(f(a)) & 0xFFFF;
            case "s32.s16" -> (short) a;
            case "u16.u32" -> a & 0xFFFF;
            case "f32.f16" -> fb(Float.float16ToFloat((short) a));
            case "f32.bf16" -> fb(Float.intBitsToFloat((int) (a & 0xFFFF) << 16));
            default -> throw new IllegalStateException("interpreter: cvt." + s);
        };
    }

    private static boolean setp(Op.Cmp c, long a, long b) {
        String cond = c.cond();
        if (c.type().startsWith("f")) {
            double x = c.type().equals("f32") ? f(a) : d(a);
            double y = c.type().equals("f32") ? f(b) : d(b);
            boolean nan = Double.isNaN(x) || Double.isNaN(y);
            if (cond.equals("num")) return !nan;
            if (cond.equals("nan")) return nan;
            boolean unordered = cond.length() == 3 && cond.endsWith("u");
            if (nan) return unordered;
            return cmp(unordered ? cond.substring(0, 2) : cond, x < y ? -1 : x > y ? 1 : 0);
        }
        long x = c.type().equals("s32") ? (int) a : a;
        long y = c.type().equals("s32") ? (int) b : b;
        return cmp(cond, Long.compare(x, y));
    }

    private static boolean cmp(String c, int r) {
        return switch (c) {
            case "eq" -> r == 0;
            case "ne" -> r != 0;
            case "lt" -> r < 0;
            case "le" -> r <= 0;
            case "gt" -> r > 0;
            case "ge" -> r >= 0;
            default -> throw new IllegalStateException("setp." + c);
        };
    }

    private long sreg(Thread t, String s) {
        return switch (s) {
            case "%tid.x" -> t.x;
            case "%tid.y" -> t.y;
            case "%ntid.x" -> cfg.blockX();
            case "%ntid.y" -> cfg.blockY();
            case "%ctaid.x" -> ctaid[0];
            case "%ctaid.y" -> ctaid[1];
            case "%ctaid.z" -> ctaid[2];
            case "%nctaid.x" -> cfg.gridX();
            case "%nctaid.y" -> cfg.gridY();
            case "%nctaid.z" -> cfg.gridZ();
            case "%laneid" -> t.lane;
            default -> throw new IllegalStateException("interpreter: special register " + s);
        };
    }

    // ------------------------------------------------------------------ memory

    private MemorySegment seg(Op.Space space, long addr) {
        if (space == Op.Space.SHARED) {
            int k = (int) ((addr & 0xFFFFFFFFL) >>> 24) - 1;
            return shared.get(k);
        }
        return mem.segment(addr);
    }

    private static long off(Op.Space space, long addr) {
        return space == Op.Space.SHARED ? addr & 0xFFFFFF : IrInterpreter.Memory.offset(addr);
    }

    private static int size(String type) {
        return switch (type) {
            case "f32", "s32", "b32" -> 4;
            case "s64", "b64" -> 8;
            default -> 2;
        };
    }

    private void load(Thread t, Insn i) {
        Op.Mem m = (Op.Mem) i.attr;
        long addr = val(t, i.uses[0]) + m.offset();
        MemorySegment s = seg(m.space(), addr);
        long o = off(m.space(), addr);
        int sz = size(m.type());
        for (int k = 0; k < i.defs.length; k++) {
            long p = o + (long) k * sz;
            long v = switch (m.type()) {
                case "f32", "s32", "b32" -> s.get(I, p);
                case "s64", "b64" -> s.get(L, p);
                case "s16" -> s.get(S, p);
                default -> s.get(S, p) & 0xFFFF;
            };
            set(t, i.defs[k], v);
        }
    }

    private void store(Thread t, Insn i) {
        Op.Mem m = (Op.Mem) i.attr;
        long addr = val(t, i.uses[0]) + m.offset();
        MemorySegment s = seg(m.space(), addr);
        long o = off(m.space(), addr);
        int sz = size(m.type());
        for (int k = 1; k < i.uses.length; k++) {
            long p = o + (long) (k - 1) * sz;
            long v = val(t, i.uses[k]);
            switch (sz) {
                case 4 -> s.set(I, p, (int) v);
                case 8 -> s.set(L, p, v);
                default -> s.set(S, p, (short) v);
            }
        }
    }

    /** {@code cp.async} as a synchronous 16-byte copy from global to shared memory. */
    private void copyAsync(Insn i, long sharedAddr, long globalAddr) {
        Op.Copy cp = (Op.Copy) i.attr;
        long dst = sharedAddr + cp.dstOffset();
        long src = globalAddr + cp.srcOffset();
        MemorySegment to = seg(Op.Space.SHARED, dst);
        MemorySegment from = seg(Op.Space.GLOBAL, src);
        MemorySegment.copy(from, off(Op.Space.GLOBAL, src), to, off(Op.Space.SHARED, dst), 16);
    }

    /** A bulk copy, done at once: both ends 16-byte aligned, a positive multiple of 16 bytes, inside their memory. */
    private void copyBulk(Insn i, long sharedAddr, long globalAddr, int bytes) {
        Op.BulkCopy cp = (Op.BulkCopy) i.attr;
        long dst = sharedAddr + cp.dstOffset();
        long src = globalAddr + cp.srcOffset();
        MemorySegment to = seg(Op.Space.SHARED, dst);
        MemorySegment from = seg(Op.Space.GLOBAL, src);
        long to0 = off(Op.Space.SHARED, dst);
        long from0 = off(Op.Space.GLOBAL, src);
        if (to0 % 16 != 0 || from0 % 16 != 0 || bytes <= 0 || bytes % 16 != 0 || to0 + bytes > to.byteSize()
                || from0 + bytes > from.byteSize()) {
            throw new IllegalStateException("interpreter: cp.async.bulk of " + bytes + " bytes from byte " + from0
                    + " of a " + from.byteSize() + "-byte buffer to shared byte " + to0 + " (must be 16-byte aligned,"
                    + " a positive multiple of 16, inside both)");
        }
        MemorySegment.copy(from, from0, to, to0, bytes);
    }

    /** A transaction barrier is 8 bytes of shared memory, 8-byte aligned. */
    private void checkBarrier(Insn i, long addr) {
        long o = off(Op.Space.SHARED, addr);
        if (o % 8 != 0 || o + 8 > seg(Op.Space.SHARED, addr).byteSize()) {
            throw new IllegalStateException("interpreter: " + i.op + " on shared byte " + o + " (a barrier must be"
                    + " 8-byte aligned and inside shared memory)");
        }
    }

    /** An L2 prefetch hint: checks that the range is aligned and inside its buffer (as the GPU requires), no more. */
    private void prefetch(Insn i, long addr0, int bytes) {
        long addr = addr0 + (Long) i.attr;
        MemorySegment s;
        try {
            s = seg(Op.Space.GLOBAL, addr);
        } catch (RuntimeException e) {
            throw new IllegalStateException("interpreter: cp.async.bulk.prefetch.L2 outside every buffer: "
                    + e.getMessage(), e);
        }
        long o = off(Op.Space.GLOBAL, addr);
        if (o % 16 != 0 || bytes <= 0 || bytes % 16 != 0 || o + bytes > s.byteSize()) {
            throw new IllegalStateException("interpreter: cp.async.bulk.prefetch.L2 of " + bytes + " bytes at byte "
                    + o + " of a " + s.byteSize() + "-byte buffer (must be 16-byte aligned, a positive multiple of 16,"
                    + " inside)");
        }
    }

    private long atom(Insn i, long addr0, long v, long v2) {
        Op.Atom at = (Op.Atom) i.attr;
        long addr = addr0 + at.offset();
        MemorySegment s = seg(at.space(), addr);
        long o = off(at.space(), addr);
        int old = s.get(I, o);
        int upd = switch (at.op() + "." + at.type()) {
            case "add.f32" -> Float.floatToRawIntBits(Float.intBitsToFloat(old) + f(v));
            case "add.s32" -> old + (int) v;
            case "max.s32" -> Math.max(old, (int) v);
            case "cas.b32" -> old == (int) v ? (int) v2 : old;
            default -> throw new IllegalStateException("interpreter: atom." + at.op() + "." + at.type());
        };
        s.set(I, o, upd);
        return at.type().equals("f32") ? old & 0xFFFFFFFFL : old;
    }
}
