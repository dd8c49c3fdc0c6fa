package dev.kascade.ptx.passes;

import dev.kascade.ptx.ir.Block;
import dev.kascade.ptx.ir.Function;
import dev.kascade.ptx.ir.Insn;
import dev.kascade.ptx.ir.Operand;
import dev.kascade.ptx.ir.Reg;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tidies the CFG the front end builds: threads jumps through empty blocks (the per-edge blocks that carried
 * no copies), drops unreachable blocks, merges a block into its only predecessor, and deletes pure
 * instructions whose results nobody reads (unused parameters, dead merge copies).
 */
public final class Cleanup {
    private Cleanup() {
    }

    public static void run(Function fn) {
        boolean changed = true;
        while (changed) {
            changed = threadJumps(fn);
            changed |= removeUnreachable(fn);
            changed |= mergeChains(fn);
            changed |= deadCode(fn);
        }
    }

    private static boolean threadJumps(Function fn) {
        boolean changed = false;
        for (Block b : fn.blocks) {
            if (b.term == Block.Term.JUMP) {
                Block t = follow(b.target);
                if (t != b.target) {
                    b.target = t;
                    changed = true;
                }
            } else if (b.term == Block.Term.BRANCH) {
                Block t = follow(b.target);
                Block e = follow(b.elseTarget);
                if (t != b.target || e != b.elseTarget) {
                    b.target = t;
                    b.elseTarget = e;
                    changed = true;
                }
                if (b.target == b.elseTarget) {
                    b.term = Block.Term.JUMP;
                    b.cond = null;
                    changed = true;
                }
            }
        }
        return changed;
    }

    private static Block follow(Block b) {
        Set<Block> seen = new HashSet<>();
        while (b.insns.isEmpty() && b.term == Block.Term.JUMP && seen.add(b)) b = b.target;
        return b;
    }

    private static boolean removeUnreachable(Function fn) {
        Set<Block> reach = new HashSet<>();
        Deque<Block> work = new ArrayDeque<>();
        work.add(fn.entry());
        reach.add(fn.entry());
        while (!work.isEmpty()) {
            for (Block s : work.pop().successors()) if (reach.add(s)) work.add(s);
        }
        return fn.blocks.removeIf(b -> !reach.contains(b));
    }

    private static boolean mergeChains(Function fn) {
        Map<Block, Integer> preds = new HashMap<>();
        for (Block b : fn.blocks) for (Block s : b.successors()) preds.merge(s, 1, Integer::sum);
        boolean changed = false;
        for (Block b : fn.blocks) {
            while (b.term == Block.Term.JUMP && b.target != b && b.target != fn.entry()
                    && preds.getOrDefault(b.target, 0) == 1) {
                Block t = b.target;
                b.insns.addAll(t.insns);
                t.insns.clear();
                b.term = t.term;
                b.target = t.target;
                b.elseTarget = t.elseTarget;
                b.cond = t.cond;
                b.termPos = t.termPos;
                t.term = Block.Term.RET; // now unreachable; removed below
                changed = true;
            }
        }
        if (changed) removeUnreachable(fn);
        return changed;
    }

    private static boolean deadCode(Function fn) {
        boolean any = false;
        while (true) {
            Set<Reg> used = new HashSet<>();
            for (Block b : fn.blocks) {
                for (Insn i : b.insns) for (Operand o : i.uses) if (o instanceof Reg r) used.add(r);
                if (b.cond != null) used.add(b.cond);
            }
            boolean changed = false;
            for (Block b : fn.blocks) {
                changed |= b.insns.removeIf(i -> i.op.pure() && i.defs.length > 0 && !anyUsed(i.defs, used));
            }
            if (!changed) return any;
            any = true;
        }
    }

    private static boolean anyUsed(Reg[] defs, Set<Reg> used) {
        for (Reg r : defs) if (used.contains(r)) return true;
        return false;
    }

    /** Predecessor lists, in block order. */
    public static Map<Block, List<Block>> predecessors(Function fn) {
        Map<Block, List<Block>> p = new HashMap<>();
        for (Block b : fn.blocks) p.put(b, new java.util.ArrayList<>());
        for (Block b : fn.blocks) for (Block s : b.successors()) p.get(s).add(b);
        return p;
    }
}
