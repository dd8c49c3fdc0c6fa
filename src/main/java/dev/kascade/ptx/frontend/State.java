package dev.kascade.ptx.frontend;

import dev.kascade.ptx.ir.Operand;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The abstract machine state at one program point: locals, operand stack and register-array contents. */
final class State {
    final Value[] locals;
    final List<Value> stack;
    /** Register-array contents, by array id (shared with inlined callees). */
    final Map<Integer, Operand[]> arrays;

    State(int maxLocals) {
        locals = new Value[maxLocals];
        Arrays.fill(locals, Value.TOP);
        stack = new ArrayList<>();
        arrays = new HashMap<>();
    }

    private State(Value[] locals, List<Value> stack, Map<Integer, Operand[]> arrays) {
        this.locals = locals;
        this.stack = stack;
        this.arrays = arrays;
    }

    State copy() {
        Map<Integer, Operand[]> a = new HashMap<>();
        for (var e : arrays.entrySet()) a.put(e.getKey(), e.getValue().clone());
        return new State(locals.clone(), new ArrayList<>(stack), a);
    }

    /** A state with fresh locals/stack for a callee frame, sharing (a copy of) the array contents. */
    State calleeFrame(int maxLocals) {
        State s = new State(maxLocals);
        for (var e : arrays.entrySet()) s.arrays.put(e.getKey(), e.getValue().clone());
        return s;
    }

    void push(Value v) {
        stack.add(v);
    }

    Value pop() {
        return stack.removeLast();
    }

    Value peek() {
        return stack.getLast();
    }
}
