package dev.kascade.ptx.frontend;

import dev.kascade.ptx.ir.Imm;
import dev.kascade.ptx.ir.Operand;
import dev.kascade.ptx.ir.Reg;
import dev.kascade.ptx.ir.Ty;

/**
 * What the translator knows about one Java value (a local or an operand-stack slot) at compile time:
 * a register or constant, or a compile-time-only object (the context, a buffer, a register or shared array).
 */
sealed interface Value {
    /** A primitive value: a virtual register or a constant. */
    record Scalar(Operand op) implements Value {
        Ty ty() {
            return op.ty();
        }

        boolean isConst() {
            return op instanceof Imm;
        }

        Imm imm() {
            return (Imm) op;
        }

        int category() {
            return op.ty().isWide() ? 2 : 1;
        }
    }

    /** The {@code KernelContext} parameter. */
    record Ctx() implements Value {
    }

    /** A buffer parameter: its global pointer (after {@code cvta.to.global}), its kind and whether it is read-only. */
    record Buffer(Reg ptr, Class<?> kind, boolean readOnly, String name) implements Value {
    }

    /** A constant-size local array kept in registers; the element values live in {@link State#arrays}. */
    record LocalArray(int id, Ty elem, int storage, int length, String what) implements Value {
    }

    /** A shared-memory array: its 32-bit base address register, element type and length (-1: dynamic). */
    record SharedArray(String symbol, Reg base, Ty elem, int length) implements Value {
    }

    /** Result of lcmp / fcmpl / fcmpg / dcmpl / dcmpg, consumed by the next if; nanBias is +1 (g), -1 (l) or 0. */
    record Compare(Operand a, Operand b, int nanBias) implements Value {
    }

    /** A dead or conflicting value (e.g. a local slot reused with another type on another path). */
    record Top() implements Value {
    }

    Top TOP = new Top();

    static Scalar of(Operand o) {
        return new Scalar(o);
    }
}
