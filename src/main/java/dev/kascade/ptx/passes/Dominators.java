package dev.kascade.ptx.passes;

import dev.kascade.ptx.ir.Block;
import dev.kascade.ptx.ir.Function;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The dominator tree of a function's CFG (iterative algorithm of Cooper, Harvey and Kennedy). */
public final class Dominators {
    private Dominators() {
    }

    /** Children of each block in the dominator tree, rooted at the entry. */
    public static Map<Block, List<Block>> tree(Function fn) {
        List<Block> rpo = reversePostorder(fn);
        Map<Block, Integer> order = new HashMap<>();
        for (int i = 0; i < rpo.size(); i++) order.put(rpo.get(i), i);
        Map<Block, List<Block>> preds = new HashMap<>();
        for (Block b : rpo) for (Block s : b.successors()) preds.computeIfAbsent(s, k -> new ArrayList<>()).add(b);
        Block[] idom = new Block[rpo.size()];
        idom[0] = rpo.getFirst();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 1; i < rpo.size(); i++) {
                Block b = rpo.get(i);
                Block nd = null;
                for (Block p : preds.getOrDefault(b, List.of())) {
                    Integer pi = order.get(p);
                    if (pi == null || idom[pi] == null) continue;
                    nd = nd == null ? p : intersect(p, nd, idom, order);
                }
                if (nd != null && idom[i] != nd) {
                    idom[i] = nd;
                    changed = true;
                }
            }
        }
        Map<Block, List<Block>> children = new HashMap<>();
        for (int i = 1; i < rpo.size(); i++) {
            if (idom[i] != null) children.computeIfAbsent(idom[i], k -> new ArrayList<>()).add(rpo.get(i));
        }
        return children;
    }

    private static Block intersect(Block a, Block b, Block[] idom, Map<Block, Integer> order) {
        while (a != b) {
            while (order.get(a) > order.get(b)) a = idom[order.get(a)];
            while (order.get(b) > order.get(a)) b = idom[order.get(b)];
        }
        return a;
    }

    private static List<Block> reversePostorder(Function fn) {
        List<Block> post = new ArrayList<>();
        Set<Block> seen = new HashSet<>();
        // iterative DFS
        List<Object[]> stack = new ArrayList<>();
        stack.add(new Object[] {fn.entry(), 0});
        seen.add(fn.entry());
        while (!stack.isEmpty()) {
            Object[] top = stack.getLast();
            Block b = (Block) top[0];
            int next = (int) top[1];
            List<Block> succ = b.successors();
            if (next < succ.size()) {
                top[1] = next + 1;
                Block s = succ.get(next);
                if (seen.add(s)) stack.add(new Object[] {s, 0});
            } else {
                post.add(b);
                stack.removeLast();
            }
        }
        java.util.Collections.reverse(post);
        return post;
    }
}
