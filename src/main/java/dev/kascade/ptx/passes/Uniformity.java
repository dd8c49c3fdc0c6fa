package dev.kascade.ptx.passes;

import dev.kascade.ptx.PtxCompileException;
import dev.kascade.ptx.ir.Block;
import dev.kascade.ptx.ir.Function;
import dev.kascade.ptx.ir.Insn;
import dev.kascade.ptx.ir.Op;
import dev.kascade.ptx.ir.Operand;
import dev.kascade.ptx.ir.Reg;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The uniformity check (forward data flow), which ptxas does not do: every register gets a level,
 * 0 = the same in the whole block, 1 = the same on the 32 lanes of a warp, 2 = varying per thread.
 * Thread and lane ids, shuffles and atomics are varying; warp reductions, ballot and the warp index are
 * warp-uniform; everything else takes the highest level of its operands, and of the branches it is
 * control-dependent on (a value assigned under a varying branch is varying after the merge).
 *
 * <p>Errors: {@code barrier()} control-dependent on a branch of level above 0, and warp collectives
 * (shuffles, reductions, ballot, mma) control-dependent on a branch of level 2.
 */
public final class Uniformity {
    private Uniformity() {
    }

    public static void check(Function fn, String kernelName) {
        List<Block> blocks = fn.blocks;
        int n = blocks.size();
        Map<Block, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) index.put(blocks.get(i), i);
        List<List<Integer>> cdeps = controlDependences(blocks, index);

        Map<Reg, Insn> single = new HashMap<>();
        Map<Reg, Integer> defCount = new HashMap<>();
        for (Block b : blocks) {
            for (Insn i : b.insns) {
                for (Reg d : i.defs) {
                    single.put(d, i);
                    defCount.merge(d, 1, Integer::sum);
                }
            }
        }
        for (Block b : blocks) {
            for (Insn i : b.insns) {
                if (i.op == Op.SETP && warpAlignedThreadTest(i, single, defCount)) i.uniformityCap = 1;
            }
        }
        Map<Reg, Integer> level = new HashMap<>();
        int[] ctrl = new int[n];
        int[] ctrlFrom = new int[n];
        java.util.Arrays.fill(ctrlFrom, -1);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int bi = 0; bi < n; bi++) {
                Block b = blocks.get(bi);
                for (Insn i : b.insns) {
                    if (i.defs.length == 0) continue;
                    int l = intrinsicFloor(i);
                    for (Operand o : i.uses) if (o instanceof Reg r) l = Math.max(l, level.getOrDefault(r, 0));
                    l = Math.min(l, i.uniformityCap);
                    l = Math.max(l, ctrl[bi]);
                    for (Reg d : i.defs) {
                        if (l > level.getOrDefault(d, 0)) {
                            level.put(d, l);
                            changed = true;
                        }
                    }
                }
            }
            for (int bi = 0; bi < n; bi++) {
                int l = 0;
                int from = -1;
                for (int a : cdeps.get(bi)) {
                    Block br = blocks.get(a);
                    int bl = Math.max(level.getOrDefault(br.cond, 0), ctrl[a]);
                    if (bl > l) {
                        l = bl;
                        from = a;
                    }
                }
                if (l > ctrl[bi]) {
                    ctrl[bi] = l;
                    ctrlFrom[bi] = from;
                    changed = true;
                }
            }
        }
        for (int bi = 0; bi < n; bi++) {
            Block b = blocks.get(bi);
            for (Insn i : b.insns) {
                boolean barrier = i.op == Op.BAR;
                boolean warp = i.op == Op.SHFL || i.op == Op.REDUX || i.op == Op.BALLOT || i.op == Op.MMA
                        || i.op == Op.WARP_SYNC || i.op == Op.LDMATRIX;
                if ((barrier && ctrl[bi] > 0) || (warp && ctrl[bi] > 1)) {
                    Block br = blocks.get(rootCause(ctrlFrom, bi, blocks, level));
                    String what = barrier ? "barrier()" : "warp collective (" + i.op.name().toLowerCase() + ")";
                    throw new PtxCompileException(i.pos.file() + ":" + i.pos.line() + " in kernel " + kernelName + ": "
                            + what + " is under a " + (barrier ? "thread-dependent" : "lane-dependent") + " branch (the branch at "
                            + br.termPos.file() + ":" + br.termPos.line() + "); every thread of the "
                            + (barrier ? "block" : "warp") + " must reach it");
                }
            }
        }
    }

    /**
     * {@code threadIdx() < c} with c a multiple of 32 (or {@code <= c} with c+1 a multiple of 32) splits the
     * block at a warp boundary, so it is the same on every lane of a warp. This assumes blockDim.x is a
     * multiple of 32, as KernelContext advises.
     */
    private static boolean warpAlignedThreadTest(Insn i, Map<Reg, Insn> single, Map<Reg, Integer> defCount) {
        if (!(i.uses[0] instanceof Reg r) || !(i.uses[1] instanceof dev.kascade.ptx.ir.Imm k)) return false;
        Insn d = single.get(r);
        if (d == null || defCount.get(r) != 1 || d.op != Op.SREG || !"%tid.x".equals(d.attr)) return false;
        String cond = ((Op.Cmp) i.attr).cond();
        int v = k.asInt();
        return switch (cond) {
            case "lt", "ge" -> Math.floorMod(v, 32) == 0;
            case "le", "gt" -> Math.floorMod(v, 32) == 31;
            default -> false;
        };
    }

    private static int rootCause(int[] ctrlFrom, int bi, List<Block> blocks, Map<Reg, Integer> level) {
        int b = ctrlFrom[bi];
        return b < 0 ? bi : b;
    }

    private static int intrinsicFloor(Insn i) {
        return switch (i.op) {
            case SREG -> {
                String s = (String) i.attr;
                yield s.startsWith("%tid") || s.equals("%laneid") ? 2 : 0;
            }
            case ATOM, SHFL -> 2;
            case REDUX, BALLOT -> 1;
            default -> 0;
        };
    }

    /**
     * For each block, the branch blocks it is control-dependent on: B depends on branch A when B lies on a
     * path from a successor of A up to (not including) A's immediate post-dominator.
     */
    private static List<List<Integer>> controlDependences(List<Block> blocks, Map<Block, Integer> index) {
        int n = blocks.size();
        int exit = n;
        List<List<Integer>> succ = new ArrayList<>();
        for (int i = 0; i <= n; i++) succ.add(new ArrayList<>());
        for (int i = 0; i < n; i++) {
            Block b = blocks.get(i);
            for (Block s : b.successors()) succ.get(i).add(index.get(s));
            if (b.term == Block.Term.RET || b.successors().isEmpty()) succ.get(i).add(exit);
        }
        BitSet[] pdom = new BitSet[n + 1];
        for (int i = 0; i <= n; i++) {
            pdom[i] = new BitSet(n + 1);
            if (i == exit) pdom[i].set(exit);
            else pdom[i].set(0, n + 1);
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = n - 1; i >= 0; i--) {
                BitSet nb = null;
                for (int s : succ.get(i)) {
                    if (nb == null) nb = (BitSet) pdom[s].clone();
                    else nb.and(pdom[s]);
                }
                if (nb == null) nb = new BitSet();
                nb.set(i);
                if (!nb.equals(pdom[i])) {
                    pdom[i] = nb;
                    changed = true;
                }
            }
        }
        int[] ipdom = new int[n];
        for (int i = 0; i < n; i++) {
            ipdom[i] = -1;
            BitSet strict = (BitSet) pdom[i].clone();
            strict.clear(i);
            // the immediate post-dominator is the strict post-dominator that all others post-dominate
            for (int d = strict.nextSetBit(0); d >= 0; d = strict.nextSetBit(d + 1)) {
                BitSet dd = d == exit ? bitsOf(exit) : pdom[d];
                BitSet others = (BitSet) strict.clone();
                others.andNot(dd);
                if (others.isEmpty()) {
                    ipdom[i] = d;
                    break;
                }
            }
        }
        List<List<Integer>> deps = new ArrayList<>();
        for (int i = 0; i < n; i++) deps.add(new ArrayList<>());
        for (int a = 0; a < n; a++) {
            Block b = blocks.get(a);
            if (b.term != Block.Term.BRANCH) continue;
            for (int s : succ.get(a)) {
                int runner = s;
                while (runner != exit && runner != ipdom[a] && runner >= 0) {
                    if (!deps.get(runner).contains(a)) deps.get(runner).add(a);
                    runner = ipdom[runner];
                }
            }
        }
        return deps;
    }

    private static BitSet bitsOf(int i) {
        BitSet b = new BitSet();
        b.set(i);
        return b;
    }
}
