package dev.kascade.ptx.ir;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One kernel in IR form: its blocks (the first is the entry), parameters, shared-memory declarations and a
 * register factory.
 */
public final class Function {
    /** An entry parameter as PTX sees it. */
    public record Param(String name, String ptxType) {
    }

    /** A shared-memory array: static with a byte size, or dynamic (size set at launch, bytes = -1). */
    public record Shared(String name, int bytes) {
        public boolean dynamic() {
            return bytes < 0;
        }
    }

    public final String name;
    public final List<Block> blocks = new ArrayList<>();
    public final List<Param> params = new ArrayList<>();
    public final Map<String, Shared> shared = new LinkedHashMap<>();
    /** {@code .maxntid} (0: none), from {@code @Kernel(maxThreads)}. */
    public int maxThreads;
    /** {@code .minnctapersm} (0: none), from {@code @Kernel(minBlocksPerSm)}; needs {@link #maxThreads}. */
    public int minBlocksPerSm;
    private int nextReg;
    private int nextBlock;

    public Function(String name) {
        this.name = name;
    }

    public Reg reg(Ty ty) {
        return new Reg(nextReg++, ty);
    }

    public Block newBlock() {
        Block b = new Block(nextBlock++);
        blocks.add(b);
        return b;
    }

    /** Number of virtual registers created (register ids are 0 .. regCount()-1). */
    public int regCount() {
        return nextReg;
    }

    public Block entry() {
        return blocks.get(0);
    }

    public int staticSharedBytes() {
        int total = 0;
        for (Shared s : shared.values()) {
            if (!s.dynamic()) total += s.bytes();
        }
        return total;
    }
}
