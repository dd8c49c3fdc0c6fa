package dev.kascade.ptx;

/** The PTX target architecture of a compiled module. */
public enum PtxTarget {
    /** Hopper (H100, H200): {@code .target sm_90}. The default. */
    SM_90("sm_90"),
    /** Ampere (A100): {@code .target sm_80}. */
    SM_80("sm_80");

    private final String name;

    PtxTarget(String name) {
        this.name = name;
    }

    /** The name used after {@code .target} and by {@code ptxas -arch}. */
    public String ptxName() {
        return name;
    }
}
