package dev.kascade.ptx.frontend;

import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Instruction;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.attribute.SourceFileAttribute;
import java.lang.classfile.instruction.ArrayLoadInstruction;
import java.lang.classfile.instruction.ArrayStoreInstruction;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ExceptionCatch;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LineNumber;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LocalVariable;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One method's bytecode prepared for translation: the real instructions in order, their source lines,
 * branch targets, local-variable liveness and the loops (a loop is a backward branch; javac emits the
 * header test at the top, so the header is the backward branch's target).
 */
final class MethodCode {
    /** A loop found in the bytecode. */
    static final class Loop {
        final int header;
        int end;
        final BitSet storedSlots = new BitSet();
        boolean writesArrays;
        boolean unrollMarked;
        boolean readsArrays;

        Loop(int header, int end) {
            this.header = header;
            this.end = end;
        }
    }

    final ClassModel owner;
    final MethodModel method;
    final String ownerName;
    final String sourceFile;
    final List<Instruction> insns = new ArrayList<>();
    final int[] lines;
    final boolean[] isTarget;
    final Map<Label, Integer> labels = new HashMap<>();
    final BitSet[] liveIn;
    final Map<Integer, Loop> loops = new HashMap<>();
    final Map<Integer, String> slotNames = new HashMap<>();
    final int maxLocals;

    MethodCode(ClassModel owner, MethodModel method) {
        this.owner = owner;
        this.method = method;
        this.ownerName = owner.thisClass().asInternalName();
        this.sourceFile = owner.findAttribute(java.lang.classfile.Attributes.sourceFile())
                .map(SourceFileAttribute::sourceFile).map(u -> u.stringValue())
                .orElse(ownerName.substring(ownerName.lastIndexOf('/') + 1) + ".java");
        CodeModel code = method.code().orElseThrow(() -> new IllegalStateException("no code"));
        this.maxLocals = ((java.lang.classfile.attribute.CodeAttribute) code).maxLocals();
        List<Integer> lineList = new ArrayList<>();
        int line = 0;
        boolean hasCatch = false;
        List<LocalVariable> lvs = new ArrayList<>();
        for (CodeElement e : code) {
            switch (e) {
                case LabelTarget lt -> labels.put(lt.label(), insns.size());
                case LineNumber ln -> line = ln.line();
                case ExceptionCatch ec -> hasCatch = true;
                case LocalVariable lv -> lvs.add(lv);
                case Instruction ins -> {
                    insns.add(ins);
                    lineList.add(line);
                }
                default -> {
                }
            }
        }
        this.hasCatch = hasCatch;
        int n = insns.size();
        lines = new int[n + 1];
        for (int i = 0; i < n; i++) lines[i] = lineList.get(i);
        lines[n] = n > 0 ? lines[n - 1] : 0;
        for (LocalVariable lv : lvs) slotNames.putIfAbsent(lv.slot(), lv.name().stringValue());
        isTarget = new boolean[n + 1];
        List<int[]> backEdges = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int t : targets(i)) {
                isTarget[t] = true;
                if (t <= i) backEdges.add(new int[] {t, i});
            }
        }
        for (int[] be : backEdges) {
            Loop l = loops.computeIfAbsent(be[0], h -> new Loop(h, be[1]));
            l.end = Math.max(l.end, be[1]);
        }
        for (Loop l : loops.values()) scanLoop(l);
        liveIn = liveness();
    }

    final boolean hasCatch;

    int label(Label l) {
        return labels.get(l);
    }

    /** Branch/switch targets of instruction i (not the fall-through). */
    List<Integer> targets(int i) {
        Instruction ins = insns.get(i);
        List<Integer> out = new ArrayList<>();
        switch (ins) {
            case BranchInstruction b -> out.add(label(b.target()));
            case TableSwitchInstruction ts -> {
                out.add(label(ts.defaultTarget()));
                for (SwitchCase c : ts.cases()) out.add(label(c.target()));
            }
            case LookupSwitchInstruction ls -> {
                out.add(label(ls.defaultTarget()));
                for (SwitchCase c : ls.cases()) out.add(label(c.target()));
            }
            default -> {
            }
        }
        return out;
    }

    /** Every successor index of instruction i (n = past the end means "returns"). */
    List<Integer> successors(int i) {
        Instruction ins = insns.get(i);
        List<Integer> out = targets(i);
        boolean falls = switch (ins) {
            case BranchInstruction b -> b.opcode() != Opcode.GOTO && b.opcode() != Opcode.GOTO_W;
            case TableSwitchInstruction t -> false;
            case LookupSwitchInstruction l -> false;
            case ReturnInstruction r -> false;
            case ThrowInstruction t -> false;
            default -> true;
        };
        if (falls && i + 1 < insns.size()) out.add(i + 1);
        return out;
    }

    private void scanLoop(Loop l) {
        boolean headerTest = true;
        for (int i = l.header; i <= l.end; i++) {
            Instruction ins = insns.get(i);
            switch (ins) {
                case StoreInstruction s -> l.storedSlots.set(s.slot());
                case IncrementInstruction inc -> l.storedSlots.set(inc.slot());
                case ArrayStoreInstruction a -> l.writesArrays = true;
                case ArrayLoadInstruction a -> l.readsArrays = true;
                case InvokeInstruction inv -> {
                    l.writesArrays = true;
                    l.readsArrays = true;
                    if (headerTest && inv.owner().asInternalName().equals("dev/kascade/kernel/KernelContext")
                            && inv.name().stringValue().equals("unroll")) {
                        l.unrollMarked = true;
                    }
                }
                default -> {
                }
            }
            if (ins instanceof BranchInstruction) headerTest = false;
        }
    }

    private BitSet[] liveness() {
        int n = insns.size();
        BitSet[] in = new BitSet[n];
        List<List<Integer>> succ = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            in[i] = new BitSet();
            succ.add(successors(i));
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = n - 1; i >= 0; i--) {
                BitSet live = new BitSet();
                for (int s : succ.get(i)) if (s < n) live.or(in[s]);
                Instruction ins = insns.get(i);
                switch (ins) {
                    case StoreInstruction s -> {
                        live.clear(s.slot());
                        if (s.typeKind().slotSize() == 2) live.clear(s.slot() + 1);
                    }
                    case LoadInstruction ld -> live.set(ld.slot());
                    case IncrementInstruction inc -> live.set(inc.slot());
                    default -> {
                    }
                }
                if (!live.equals(in[i])) {
                    in[i] = live;
                    changed = true;
                }
            }
        }
        return in;
    }

    boolean isLive(int slot, int at) {
        return at < liveIn.length && liveIn[at].get(slot);
    }

    String slotName(int slot) {
        return slotNames.getOrDefault(slot, "local" + slot);
    }

    String methodName() {
        return method.methodName().stringValue();
    }
}
