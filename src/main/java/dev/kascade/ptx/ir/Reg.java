package dev.kascade.ptx.ir;

/** A virtual register; ptxas allocates physical registers. Identity is the id. */
public record Reg(int id, Ty ty) implements Operand {
    @Override
    public String toString() {
        return ty.prefix() + "v" + id;
    }
}
