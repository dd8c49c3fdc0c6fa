package dev.kascade.ptx.interp;

import dev.kascade.kernel.Const;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.KernelLauncher;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.ptx.PtxCompileException;
import dev.kascade.ptx.PtxCompiler;
import dev.kascade.ptx.PtxParam;
import dev.kascade.ptx.frontend.KernelFrontEnd;
import dev.kascade.ptx.ir.Block;
import dev.kascade.ptx.ir.Function;
import dev.kascade.ptx.ir.Insn;
import dev.kascade.ptx.passes.Pipeline;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a kernel's compiled IR (after every pass, exactly what the PTX printer prints) on the CPU, with
 * <b>PTX</b> semantics rather than Java's (shifts clamp, a NaN converted to an integer gives
 * {@code 0x80000000}, integer division by zero gives -1), so that a Java-semantics bug in the lowering shows up
 * as a wrong result. This is test layer 2 of ptx-notes 6.7: the same corpus cases that run on the emulator
 * and on the GPU run here.
 *
 * <p>Threads of a block are interpreted one at a time up to their next synchronisation point: a barrier
 * releases when every live thread of the block waits at one; a warp collective executes when all 32 lanes of
 * the warp wait at the same instruction. Anything else is reported as divergence.
 */
public final class IrInterpreter implements KernelLauncher {
    /** A kernel compiled for the interpreter: the IR and its parameter order. */
    record Program(Function fn, List<PtxParam> params) {
    }

    private final Map<String, Program> cache = new HashMap<>();

    @Override
    public void launch(Method kernel, LaunchConfig config, Object... args) {
        Parameter[] ps = kernel.getParameters();
        if (args.length != ps.length - 1) {
            throw new IllegalArgumentException("args: kernel " + kernel.getName() + " takes " + (ps.length - 1)
                    + " arguments after the context but got " + args.length);
        }
        Map<String, Object> constants = new HashMap<>();
        for (int i = 1; i < ps.length; i++) {
            if (ps[i].isAnnotationPresent(Const.class)) constants.put(ps[i].getName(), args[i - 1]);
        }
        Program prog = compile(kernel, constants);
        Memory mem = new Memory();
        Map<String, Long> paramBits = new HashMap<>();
        for (PtxParam p : prog.params()) {
            Object a = args[p.javaIndex() - 1];
            String name = "p_" + p.name();
            paramBits.put(name, switch (p.kind()) {
                case POINTER -> mem.map(((KernelBuffer) a).segment());
                case S32 -> a instanceof Boolean b ? (b ? 1L : 0L) : (long) (Integer) a;
                case S64 -> (Long) a;
                case F32 -> Float.floatToRawIntBits((Float) a) & 0xFFFFFFFFL;
            });
        }
        for (int bz = 0; bz < config.gridZ(); bz++) {
            for (int by = 0; by < config.gridY(); by++) {
                for (int bx = 0; bx < config.gridX(); bx++) {
                    new BlockRun(prog.fn(), config, new int[] {bx, by, bz}, paramBits, mem).run();
                }
            }
        }
    }

    private Program compile(Method kernel, Map<String, Object> constants) {
        String key = kernel.toGenericString() + constants;
        return cache.computeIfAbsent(key, k -> {
            String entry = PtxCompiler.entryName(kernel, constants);
            KernelFrontEnd.Output out = KernelFrontEnd.translate(kernel, constants, entry);
            Pipeline.run(out.fn(), kernel.getName());
            return new Program(out.fn(), out.params());
        });
    }

    /** Global memory: each buffer gets a fake 64-bit base address; addresses resolve back to its segment. */
    static final class Memory {
        private final List<MemorySegment> segments = new ArrayList<>();

        long map(MemorySegment s) {
            segments.add(s);
            return (long) segments.size() << 40;
        }

        MemorySegment segment(long addr) {
            int i = (int) (addr >>> 40) - 1;
            if (i < 0 || i >= segments.size()) throw new PtxCompileException("interpreter: wild global address 0x" + Long.toHexString(addr));
            return segments.get(i);
        }

        static long offset(long addr) {
            return addr & ((1L << 40) - 1);
        }
    }

    /** Fails a launch that would hang or misbehave on the GPU. */
    static RuntimeException divergence(Insn at, String what) {
        return new PtxCompileException("interpreter: " + what + " at " + (at == null ? "?" : at.pos));
    }

    static List<Block> blocks(Function fn) {
        return fn.blocks;
    }
}
