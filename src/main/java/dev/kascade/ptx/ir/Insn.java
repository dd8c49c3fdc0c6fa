package dev.kascade.ptx.ir;

import java.util.Arrays;

/** One three-address instruction: an op, the registers it defines, its operands, op-specific attributes. */
public final class Insn {
    public final Op op;
    public final Reg[] defs;
    public final Operand[] uses;
    public final Object attr;
    public final SrcPos pos;
    /**
     * Upper bound on how thread-dependent the result can be, for the uniformity check: 2 varying,
     * 1 the same on every lane of a warp (warp reductions, ballot, warp index), 0 block-uniform.
     */
    public int uniformityCap = 2;

    public Insn(Op op, Reg[] defs, Operand[] uses, Object attr, SrcPos pos) {
        this.op = op;
        this.defs = defs;
        this.uses = uses;
        this.attr = attr;
        this.pos = pos;
    }

    public Reg def() {
        return defs.length == 0 ? null : defs[0];
    }

    @Override
    public String toString() {
        return op + (attr == null ? "" : "[" + attr + "]") + " " + Arrays.toString(defs) + " <- " + Arrays.toString(uses)
                + " @" + pos;
    }
}
