package dev.kascade.ptx.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * A basic block: straight-line instructions and one terminator (jump, conditional branch on a predicate,
 * or return).
 */
public final class Block {
    /** Terminator kinds. */
    public enum Term { NONE, JUMP, BRANCH, RET }

    public final int id;
    public final List<Insn> insns = new ArrayList<>();
    public Term term = Term.NONE;
    /** JUMP target, or BRANCH target when {@link #cond} holds. */
    public Block target;
    /** BRANCH target when {@link #cond} is false. */
    public Block elseTarget;
    public Reg cond;
    public SrcPos termPos = SrcPos.UNKNOWN;

    public Block(int id) {
        this.id = id;
    }

    public void jump(Block t) {
        term = Term.JUMP;
        target = t;
    }

    public void branch(Reg p, Block ifTrue, Block ifFalse, SrcPos pos) {
        term = Term.BRANCH;
        cond = p;
        target = ifTrue;
        elseTarget = ifFalse;
        termPos = pos;
    }

    public void ret() {
        term = Term.RET;
    }

    public List<Block> successors() {
        return switch (term) {
            case JUMP -> List.of(target);
            case BRANCH -> target == elseTarget ? List.of(target) : List.of(target, elseTarget);
            default -> List.of();
        };
    }

    public String label() {
        return "$L" + id;
    }

    @Override
    public String toString() {
        return label();
    }
}
