package dev.kascade.ptx.passes;

import dev.kascade.ptx.ir.Block;
import dev.kascade.ptx.ir.Function;
import dev.kascade.ptx.ir.Insn;
import dev.kascade.ptx.ir.Op;
import dev.kascade.ptx.ir.Operand;
import dev.kascade.ptx.ir.Reg;
import java.util.HashMap;
import java.util.Map;

/**
 * Folds {@code t = op(...); mov x, t} into {@code x = op(...)} when t is a temporary read only by that copy and
 * x is neither read nor written in between: the loop-carried and merge copies the front end emits
 * ({@code add.s32 %r8, %r7, %r3; mov.b32 %r7, %r8}) become one instruction ({@code add.s32 %r7, %r7, %r3}).
 * Runs after the uniformity check, since it gives registers more than one definition.
 */
public final class CoalesceCopies {
    private CoalesceCopies() {
    }

    public static void run(Function fn) {
        Map<Reg, Integer> uses = new HashMap<>();
        Map<Reg, Integer> defs = new HashMap<>();
        for (Block b : fn.blocks) {
            for (Insn i : b.insns) {
                for (Operand o : i.uses) if (o instanceof Reg r) uses.merge(r, 1, Integer::sum);
                for (Reg d : i.defs) defs.merge(d, 1, Integer::sum);
            }
            if (b.cond != null) uses.merge(b.cond, 1, Integer::sum);
        }
        for (Block b : fn.blocks) {
            for (int m = 0; m < b.insns.size(); m++) {
                Insn mov = b.insns.get(m);
                if (mov.op != Op.MOV || !(mov.uses[0] instanceof Reg t)) continue;
                Reg x = mov.defs[0];
                if (x.equals(t) || x.ty() != t.ty() || uses.getOrDefault(t, 0) != 1 || defs.getOrDefault(t, 0) != 1) continue;
                int d = m - 1;
                while (d >= 0 && !defines(b.insns.get(d), t)) d--;
                if (d < 0) continue;
                Insn def = b.insns.get(d);
                if (def.defs.length != 1) continue;
                boolean clear = true;
                for (int k = d + 1; k < m && clear; k++) clear = !touches(b.insns.get(k), x);
                if (!clear) continue;
                def.defs[0] = x;
                b.insns.remove(m);
                m--;
            }
        }
    }

    private static boolean defines(Insn i, Reg r) {
        for (Reg d : i.defs) if (d.equals(r)) return true;
        return false;
    }

    private static boolean touches(Insn i, Reg r) {
        if (defines(i, r)) return true;
        for (Operand o : i.uses) if (o.equals(r)) return true;
        return false;
    }
}
