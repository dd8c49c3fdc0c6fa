package dev.kascade.ptx.passes;

import dev.kascade.ptx.ir.Block;
import dev.kascade.ptx.ir.Function;
import dev.kascade.ptx.ir.Insn;
import dev.kascade.ptx.ir.Op;
import dev.kascade.ptx.ir.Operand;
import dev.kascade.ptx.ir.Reg;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Common-subexpression elimination for pure single-result instructions, over the dominator tree: the front
 * end recomputes addresses, conversions and special registers at every use (e.g. {@code mul.wide.s32} of the
 * same index for three buffers, or the same {@code cvt} in every unrolled iteration); a repeat that is
 * dominated by an identical computation is dropped and its uses renamed.
 *
 * <p>Only expressions over constants and single-assignment registers are shared across blocks (their value
 * is the same wherever they are dominated). Expressions that read a register assigned more than once (merge
 * and loop copies) are shared only inside one block, until that register is assigned again.
 */
public final class LocalCse {
    private LocalCse() {
    }

    private record Key(Op op, Object attr, List<Operand> uses) {
    }

    public static void run(Function fn) {
        Map<Reg, Integer> defCount = new HashMap<>();
        for (Block b : fn.blocks) for (Insn i : b.insns) for (Reg d : i.defs) defCount.merge(d, 1, Integer::sum);
        Map<Block, List<Block>> children = Dominators.tree(fn);
        Map<Reg, Operand> rename = new HashMap<>();
        walk(fn.entry(), new HashMap<>(), children, defCount, rename);
        for (Block b : fn.blocks) {
            for (Insn i : b.insns) {
                for (int k = 0; k < i.uses.length; k++) {
                    if (i.uses[k] instanceof Reg r && rename.containsKey(r)) i.uses[k] = rename.get(r);
                }
            }
            if (b.cond != null && rename.containsKey(b.cond)) b.cond = (Reg) rename.get(b.cond);
        }
    }

    private static void walk(Block b, Map<Key, Reg> inherited, Map<Block, List<Block>> children,
                             Map<Reg, Integer> defCount, Map<Reg, Operand> rename) {
        Map<Key, Reg> global = new HashMap<>(inherited); // visible in dominated blocks
        Map<Key, Reg> local = new HashMap<>();            // reads multi-assigned registers: this block only
        List<Insn> kept = new ArrayList<>();
        for (Insn i : b.insns) {
            Operand[] uses = i.uses;
            for (int k = 0; k < uses.length; k++) {
                if (uses[k] instanceof Reg r && rename.containsKey(r)) uses[k] = rename.get(r);
            }
            boolean candidate = i.op.pure() && i.op != Op.MOV && i.defs.length == 1 && defCount.get(i.defs[0]) == 1
                    && i.uniformityCap >= 2;
            if (candidate) {
                Key key = new Key(i.op, i.attr, Arrays.asList(uses.clone()));
                Reg prev = global.containsKey(key) ? global.get(key) : local.get(key);
                if (prev != null && prev.ty() == i.defs[0].ty()) {
                    rename.put(i.defs[0], prev);
                    continue;
                }
                boolean stable = true;
                for (Operand o : uses) if (o instanceof Reg r && defCount.getOrDefault(r, 0) > 1) stable = false;
                (stable ? global : local).put(key, i.defs[0]);
            }
            kept.add(i);
            for (Reg d : i.defs) {
                if (defCount.get(d) > 1) local.keySet().removeIf(k -> k.uses().contains(d));
            }
        }
        b.insns.clear();
        b.insns.addAll(kept);
        if (b.cond != null && rename.containsKey(b.cond)) b.cond = (Reg) rename.get(b.cond);
        for (Block c : children.getOrDefault(b, List.of())) walk(c, global, children, defCount, rename);
    }
}
