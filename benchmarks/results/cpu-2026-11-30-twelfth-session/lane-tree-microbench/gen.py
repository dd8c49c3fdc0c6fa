# Generates the variant methods of Red.java (no helper calls: everything inline, to stay under C2's NodeCountInliningCutoff)
import sys
def loop2(ind):
    return f"""{ind}long rowA = base + (first + j) * rowBytes;
{ind}long rowB = base + (first + j + 1) * rowBytes;
{ind}FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
{ind}FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
{ind}for (int c = 0; c < d; c += CHUNK) {{
{ind}    IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * c, LE);
{ind}    IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * c, LE);
{ind}    FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
{ind}    FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
{ind}    FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
{ind}    FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
{ind}    FloatVector x = FloatVector.fromArray(F, q, q0 + c), y = FloatVector.fromArray(F, q, q0 + c + L);
{ind}    a0 = y.fma(koa, x.fma(kea, a0));
{ind}    b0 = y.fma(kob, x.fma(keb, b0));
{ind}    x = FloatVector.fromArray(F, q, q1 + c);
{ind}    y = FloatVector.fromArray(F, q, q1 + c + L);
{ind}    a1 = y.fma(koa, x.fma(kea, a1));
{ind}    b1 = y.fma(kob, x.fma(keb, b1));
{ind}    x = FloatVector.fromArray(F, q, q2 + c);
{ind}    y = FloatVector.fromArray(F, q, q2 + c + L);
{ind}    a2 = y.fma(koa, x.fma(kea, a2));
{ind}    b2 = y.fma(kob, x.fma(keb, b2));
{ind}    x = FloatVector.fromArray(F, q, q3 + c);
{ind}    y = FloatVector.fromArray(F, q, q3 + c + L);
{ind}    a3 = y.fma(koa, x.fma(kea, a3));
{ind}    b3 = y.fma(kob, x.fma(keb, b3));
{ind}}}
"""
def loop4(ind):
    s = f"""{ind}long rA = base + (first + j) * rowBytes, rB = rA + rowBytes, rC = rB + rowBytes, rD = rC + rowBytes;
{ind}FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
{ind}FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
{ind}FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
{ind}FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
{ind}for (int c = 0; c < d; c += CHUNK) {{
"""
    for k in "abcd":
        K = k.upper()
        s += f"{ind}    IntVector w{k} = IntVector.fromMemorySegment(I, seg, r{K} + 2L * c, LE);\n"
    for k in "abcd":
        s += f"{ind}    FloatVector ke{k} = w{k}.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();\n"
        s += f"{ind}    FloatVector ko{k} = w{k}.and(0xFFFF0000).reinterpretAsFloats();\n"
    for h in range(4):
        decl = "FloatVector " if h == 0 else ""
        s += f"{ind}    {decl}x = FloatVector.fromArray(F, q, q{h} + c);\n"
        s += f"{ind}    {decl}y = FloatVector.fromArray(F, q, q{h} + c + L);\n"
        for k in "abcd":
            s += f"{ind}    {k}{h} = y.fma(ko{k}, x.fma(ke{k}, {k}{h}));\n"
    s += f"{ind}}}\n"
    return s

cnt = [0]
def tmp():
    cnt[0] += 1
    return f"t{cnt[0]}"

def tree(leaves, kind, ind, out):
    """leaves: list of var names; kind 'sel' or 'bl'. Returns name of final var. levels h = 8,4,2,1"""
    hs = [8, 4, 2, 1]
    cur = leaves
    lvl = 0
    while len(cur) > 1:
        h = hs[lvl]
        nxt = []
        for i in range(0, len(cur), 2):
            a, b = cur[i], cur[i + 1]
            t = tmp()
            if kind == "add":
                out.append(f"{ind}FloatVector {t} = {a}.add({b});")
            elif kind == "sel":
                out.append(f"{ind}FloatVector {t} = lo{h}.selectFrom({a}, {b}).add(hi{h}.selectFrom({a}, {b}));")
            else:
                out.append(f"{ind}FloatVector {t} = {a}.blend({b}, m{h}).add({b}.blend({a}, m{h}).rearrange(w{h}));")
            nxt.append(t)
        cur = nxt
        lvl += 1
    return cur[0], lvl

HDR = "(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride)"
PRE = """        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
"""
SELC = """        FloatVector lo8 = FloatVector.fromArray(F, SLO8, 0), hi8 = FloatVector.fromArray(F, SHI8, 0);
        FloatVector lo4 = FloatVector.fromArray(F, SLO4, 0), hi4 = FloatVector.fromArray(F, SHI4, 0);
        FloatVector lo2 = FloatVector.fromArray(F, SLO2, 0), hi2 = FloatVector.fromArray(F, SHI2, 0);
        FloatVector lo1 = FloatVector.fromArray(F, SLO1, 0), hi1 = FloatVector.fromArray(F, SHI1, 0);
        FloatVector lo1s = FloatVector.fromArray(F, SLO1S, 0), hi1s = FloatVector.fromArray(F, SHI1S, 0);
"""
BLC = """        VectorMask<Float> m8 = M8, m4 = M4, m2 = M2, m1 = M1;
        VectorShuffle<Float> w8 = W8, w4 = W4, w2 = W2, w1 = W1, ev = EV, od = OD;
"""
MSK = """        VectorMask<Float> h0 = VectorMask.fromLong(F, 0xFL), h1 = VectorMask.fromLong(F, 0xF0L),
                h2 = VectorMask.fromLong(F, 0xF00L), h3 = VectorMask.fromLong(F, 0xF000L);
        VectorMask<Float> p0 = VectorMask.fromLong(F, 0x3L), p1 = VectorMask.fromLong(F, 0xCL),
                p2 = VectorMask.fromLong(F, 0x30L), p3 = VectorMask.fromLong(F, 0xC0L);
"""
ind = " " * 12
methods = []

def scal2(r):
    return [f"{ind}int o = sOff + j;",
            f"{ind}s[o] = {r}.lane(0);", f"{ind}s[o + 1] = {r}.lane(1);",
            f"{ind}s[o + stride] = {r}.lane(2);", f"{ind}s[o + stride + 1] = {r}.lane(3);",
            f"{ind}s[o + 2 * stride] = {r}.lane(4);", f"{ind}s[o + 2 * stride + 1] = {r}.lane(5);",
            f"{ind}s[o + 3 * stride] = {r}.lane(6);", f"{ind}s[o + 3 * stride + 1] = {r}.lane(7);"]

def method2(name, kind, order, store, comment):
    cnt[0] = 0
    body = []
    if kind == "sel":
        r, _ = tree(order, "sel", ind, body)
        t = tmp()
        body.append(f"{ind}FloatVector {t} = lo1.selectFrom({r}, {r}).add(hi1.selectFrom({r}, {r}));")
        r = t
    elif kind == "sel1":  # finish with single-source selectFrom
        r, _ = tree(order, "sel", ind, body)
        t = tmp()
        body.append(f"{ind}FloatVector {t} = lo1s.selectFrom({r}).add(hi1s.selectFrom({r}));")
        r = t
    elif kind == "add":
        r, _ = tree(order, "add", ind, body)
    else:
        r, _ = tree(order, "bl", ind, body)
        t = tmp()
        body.append(f"{ind}FloatVector {t} = {r}.rearrange(ev).add({r}.rearrange(od));")
        r = t
    if store == "scalar":
        body += scal2(r)
    elif store == "vec":
        body.append(f"{ind}{r}.intoArray(s, sOff + 4 * j);")
    elif store == "mask":
        body += [f"{ind}int o = sOff + j;",
                 f"{ind}{r}.intoArray(s, o, p0);",
                 f"{ind}{r}.intoArray(s, o + stride - 2, p1);",
                 f"{ind}{r}.intoArray(s, o + 2 * stride - 4, p2);",
                 f"{ind}{r}.intoArray(s, o + 3 * stride - 6, p3);"]
    pre = PRE + (SELC if kind.startswith("sel") else BLC if kind == "bl" else "") + (MSK if store == "mask" else "")
    m = f"    // {comment}\n    static void {name}{HDR} {{\n{pre}        for (int j = 0; j + 2 <= nb; j += 2) {{\n{loop2(ind)}" + "\n".join(body) + "\n        }\n    }\n"
    methods.append(m)

def method4(name, kind, order, store, comment):
    cnt[0] = 0
    body = []
    if kind == "red":
        body.append(f"{ind}int o = sOff + j;")
        for h in range(4):
            for ki, k in enumerate("abcd"):
                off = ("o" if h == 0 else f"o + {h} * stride") + (f" + {ki}" if ki else "")
                body.append(f"{ind}s[{off}] = {k}{h}.reduceLanes(VectorOperators.ADD);")
    else:
        r, _ = tree(order, kind, ind, body)
        if store == "vec":
            body.append(f"{ind}{r}.intoArray(s, sOff + 4 * j);")
        elif store == "mask":
            body += [f"{ind}int o = sOff + j;",
                     f"{ind}{r}.intoArray(s, o, h0);",
                     f"{ind}{r}.intoArray(s, o + stride - 4, h1);",
                     f"{ind}{r}.intoArray(s, o + 2 * stride - 8, h2);",
                     f"{ind}{r}.intoArray(s, o + 3 * stride - 12, h3);"]
        elif store == "shape128":
            body.append(f"{ind}int o = sOff + j;")
            for h in range(4):
                off = ("o" if h == 0 else f"o + {h} * stride")
                body.append(f"{ind}((FloatVector) {r}.reinterpretShape(FloatVector.SPECIES_128, {h})).intoArray(s, {off});")
        elif store == "scalar":
            body.append(f"{ind}int o = sOff + j;")
            for h in range(4):
                for k in range(4):
                    off = ("o" if h == 0 else f"o + {h} * stride") + (f" + {k}" if k else "")
                    body.append(f"{ind}s[{off}] = {r}.lane({4*h+k});")
    pre = PRE + (SELC if kind == "sel" else BLC if kind == "bl" else "") + (MSK if store == "mask" else "")
    m = f"    // {comment}\n    static void {name}{HDR} {{\n{pre}        for (int j = 0; j + 4 <= nb; j += 4) {{\n{loop4(ind)}" + "\n".join(body) + "\n        }\n    }\n"
    methods.append(m)

# 2-key variants. sel tree keeps leaf order; bl tree (3 levels + compaction) gives lanes [X0 X4 X2 X6 X1 X5 X3 X7]
method2("logitsB1", "sel", ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3"], "scalar", "B1: selectFrom(v1,v2) tree, lanes [a0 b0 a1 b1 a2 b2 a3 b3], 8 lane() stores head-major")
method2("logitsB2", "sel", ["a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3"], "vec", "B2: selectFrom(v1,v2) tree, lanes [a0 a1 a2 a3 b0 b1 b2 b3], 1 store key-major t[j*4+h]")
method2("logitsB3", "sel", ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3"], "mask", "B3: selectFrom(v1,v2) tree, 4 masked 2-lane stores head-major")
method2("logitsB4", "sel1", ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3"], "scalar", "B4: as B1 but final step single-source selectFrom")
method2("logitsC1", "bl", ["a0", "a2", "a1", "a3", "b0", "b2", "b1", "b3"], "scalar", "C1: blend+rearrange tree, 8 lane() stores head-major")
method2("logitsC2", "bl", ["a0", "b0", "a2", "b2", "a1", "b1", "a3", "b3"], "vec", "C2: blend+rearrange tree, 1 store key-major")
# 4-key variants
method4("logitsD0", "red", None, None, "D0: 4 keys, 16 reduceLanes (control)")
method4("logitsD1", "sel", [f"{k}{h}" for k in "abcd" for h in range(4)], "vec", "D1: 4 keys, selectFrom tree, key-major one store")
method4("logitsD2", "sel", [f"{k}{h}" for h in range(4) for k in "abcd"], "mask", "D2: 4 keys, selectFrom tree, head-major 4 masked stores")
method4("logitsD4", "sel", [f"{k}{h}" for h in range(4) for k in "abcd"], "scalar", "D4: 4 keys, selectFrom tree, head-major 16 lane() stores")
# bl tree, 4 levels: lane k = leaf bitrev4(k)
def bitrev4(i): return int(f"{i:04b}"[::-1], 2)
keymajor = [f"{k}{h}" for k in "abcd" for h in range(4)]  # lane index -> name
method4("logitsD3", "bl", [keymajor[bitrev4(i)] for i in range(16)], "vec", "D3: 4 keys, blend+rearrange tree, key-major one store")
headmajor = [f"{k}{h}" for h in range(4) for k in "abcd"]
method4("logitsD5", "bl", [headmajor[bitrev4(i)] for i in range(16)], "scalar", "D5: 4 keys, blend+rearrange tree, head-major 16 lane() stores")
method4("logitsD6", "bl", [headmajor[bitrev4(i)] for i in range(16)], "shape128", "D6: 4 keys, blend+rearrange tree, head-major 4 x 128-bit stores via reinterpretShape")
method4("logitsD7", "bl", [headmajor[bitrev4(i)] for i in range(16)], "mask", "D7: 4 keys, blend+rearrange tree, head-major 4 masked stores")
method2("logitsZ2", "add", ["a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3"], "vec", "Z2: 2 keys, plain add tree, NO lane movement (lower bound, output not logits)")
method4("logitsZ4", "add", keymajor, "vec", "Z4: 4 keys, plain add tree, NO lane movement (lower bound, output not logits)")
sys.stdout.write("\n".join(methods))
