package dev.kascade.ptx.ir;

/** An instruction operand: a virtual register or an immediate. */
public sealed interface Operand permits Reg, Imm {
    Ty ty();
}
