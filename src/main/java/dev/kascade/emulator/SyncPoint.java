package dev.kascade.emulator;

/**
 * One place threads meet: the block barrier or one warp's collective. Guarded by the block's lock, except
 * {@code generation}, which counts completed meetings and is read without the lock by parked threads: a
 * woken thread knows its own meeting is over even when others have already arrived at the next one.
 */
final class SyncPoint {
    /** Threads that must arrive for the meeting to complete. */
    final int parties;
    int arrived;
    volatile int generation;
    /** Where the threads of the current meeting are waiting; null while nobody is. */
    CallSite site;
    String op;

    SyncPoint(int parties) {
        this.parties = parties;
    }
}
