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
 * Common-subexpression elimination inside each block for pure single-result instructions: the front end
 * recomputes addresses and special registers at every use (e.g. {@code mul.wide.s32} of the same index for
 * three buffers); the repeat is dropped and its uses renamed. Registers assigned more than once (merge and
 * loop copies) end the life of every expression that reads them.
 */
public final class LocalCse {
    private LocalCse() {
    }

    private record Key(Op op, Object attr, List<Operand> uses) {
    }

    public static void run(Function fn) {
        Map<Reg, Integer> defCount = new HashMap<>();
        for (Block b : fn.blocks) for (Insn i : b.insns) for (Reg d : i.defs) defCount.merge(d, 1, Integer::sum);
        Map<Reg, Operand> rename = new HashMap<>();
        for (Block b : fn.blocks) {
            Map<Key, Reg> seen = new HashMap<>();
            List<Insn> kept = new ArrayList<>();
            for (Insn i : b.insns) {
                Operand[] uses = i.uses;
                for (int k = 0; k < uses.length; k++) {
                    if (uses[k] instanceof Reg r && rename.containsKey(r)) uses[k] = rename.get(r);
                }
                boolean candidate = i.op.pure() && i.op != Op.MOV && i.defs.length == 1 && defCount.get(i.defs[0]) == 1;
                if (candidate) {
                    Key key = new Key(i.op, i.attr, Arrays.asList(uses.clone()));
                    Reg prev = seen.get(key);
                    if (prev != null && prev.ty() == i.defs[0].ty() && i.uniformityCap >= 2) {
                        rename.put(i.defs[0], prev);
                        continue;
                    }
                    if (i.uniformityCap >= 2) seen.put(key, i.defs[0]);
                }
                kept.add(i);
                for (Reg d : i.defs) {
                    if (defCount.get(d) > 1) seen.keySet().removeIf(k -> k.uses().contains(d));
                }
            }
            b.insns.clear();
            b.insns.addAll(kept);
            if (b.cond != null && rename.containsKey(b.cond)) b.cond = (Reg) rename.get(b.cond);
        }
        // a renamed register may be read in a later block that was visited earlier (loops)
        for (Block b : fn.blocks) {
            for (Insn i : b.insns) {
                for (int k = 0; k < i.uses.length; k++) {
                    if (i.uses[k] instanceof Reg r && rename.containsKey(r)) i.uses[k] = rename.get(r);
                }
            }
            if (b.cond != null && rename.containsKey(b.cond)) b.cond = (Reg) rename.get(b.cond);
        }
    }
}
