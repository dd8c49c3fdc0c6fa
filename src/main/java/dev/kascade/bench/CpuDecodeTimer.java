package dev.kascade.bench;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.IndexSets;
import dev.kascade.algorithm.KascadeDecoder;
import dev.kascade.algorithm.Variant;
import dev.kascade.cpu.CpuPool;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.MemoryInfo;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Times the CPU decode roles of {@link KascadeDecoder} on one synthetic layer: K and V
 * {@code [batch][G][n][d]} and the queries in the bench dtype, output f32, all in one shared arena.
 * The reuse role reads index sets written by an anchor call, through the head mapping of a real reuse layer
 * of the workload's plan.
 *
 * <p><b>Layer copies.</b> In a model, every layer reads its own KV cache, which no other layer touched since
 * the previous decode step, so no call finds its rows in the CPU caches. Timing every role on one K/V pair
 * would let each call profit from what the call before it left in the L3 (the reuse role would gather V rows
 * that the anchor call just gathered). So the layer is copied ({@link #layerCopies(long, long)}: at least two
 * copies, enough that {@link #ROTATE_BYTES} of other K+V are read between two calls on the same copy) and
 * consecutive calls, whatever their role, rotate over the copies. The copies hold the same bytes, so the
 * anchor's index sets apply to every one. Measured on the 2-vCPU Zen 5 VM (2026-11-30, bf16, 32K keys, 8 KV
 * heads, d 128; minimum / median of 30 alternated rounds): a reuse call right after an anchor call on the same
 * K/V took 0.661 / 0.758 ms, after a dense call on another copy 0.706 / 0.811 ms.
 */
final class CpuDecodeTimer implements RoleTimer {
    /** Between two calls on the same layer copy, at least this many bytes of other copies' K+V are read. */
    static final long ROTATE_BYTES = 256L << 20;
    /** At most this many copies (short contexts), so that preparing the bench stays quick. */
    static final int MAX_COPIES = 16;

    private final Arena arena = Arena.ofShared();
    private final KascadeDecoder decoder;
    private final Tensor q;
    private final Tensor[] keys;
    private final Tensor[] values;
    private final Tensor out;
    private final int[] lengths;
    private final IndexSets sets;
    private final IndexSets anchorSets;
    private final int[] sourceHead;
    /** The copy the next call reads. */
    private int next;

    CpuDecodeTimer(BenchSpec spec, SyntheticWorkload workload) {
        try {
            int n = spec.context();
            int b = spec.batch();
            DType dt = spec.dtype();
            AnchorPlan plan = workload.plan();
            int anchorLayer = spec.anchors().length > 1 ? spec.anchors()[1] : 0;
            SyntheticLayer layer = workload.layer(anchorLayer);
            long available = MemoryInfo.availableBytes();
            long layerBytes = 2L * b * spec.kvHeads() * n * spec.headDim() * dt.byteSize();
            MemoryInfo.requireFits("--batch, --context", "one layer's K and V (batch " + b + " x " + spec.kvHeads()
                    + " KV heads x " + n + " keys x " + spec.headDim() + " x " + dt.label() + ")", layerBytes, available,
                    "lower --batch or --context");
            Tensor k = Tensor.allocate(arena, dt, b, spec.kvHeads(), n, spec.headDim());
            Tensor v = Tensor.allocate(arena, dt, b, spec.kvHeads(), n, spec.headDim());
            q = Tensor.allocate(arena, dt, b, spec.qHeads(), spec.headDim());
            out = Tensor.allocate(arena, DType.F32, b, spec.qHeads(), spec.headDim());
            layer.fillKeys(k);
            layer.fillValues(v);
            layer.fillDecodeQueries(q);
            int copies = layerCopies(layerBytes, available);
            keys = new Tensor[copies];
            values = new Tensor[copies];
            keys[0] = k;
            values[0] = v;
            for (int c = 1; c < copies; c++) {
                keys[c] = copyOf(k);
                values[c] = copyOf(v);
            }
            lengths = new int[b];
            Arrays.fill(lengths, n);
            decoder = new KascadeDecoder(spec.config(), Variant.KASCADE, b, n, CpuPool.shared());
            sets = decoder.newIndexSets();
            anchorSets = decoder.newIndexSets();
            decoder.anchor(q, k, v, lengths, anchorSets, out);
            int reuseLayer = firstReuseLayer(plan);
            sourceHead = new int[spec.kvHeads()];
            for (int g = 0; g < sourceHead.length; g++) {
                sourceHead[g] = reuseLayer < 0 ? g : plan.sourceHead(reuseLayer, g);
            }
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * How many copies of a layer whose K+V take {@code layerBytes} to rotate over: enough that
     * {@link #ROTATE_BYTES} of other copies separate two reads of one copy, at least 2 and at most
     * {@link #MAX_COPIES}; fewer (down to 1) where they would take more than half of {@code availableBytes}
     * (negative: unknown, then no limit).
     */
    static int layerCopies(long layerBytes, long availableBytes) {
        if (layerBytes <= 0) throw new IllegalArgumentException("layerBytes: expected > 0 but got " + layerBytes);
        long wanted = 1 + (ROTATE_BYTES + layerBytes - 1) / layerBytes;
        int copies = (int) Math.max(2, Math.min(MAX_COPIES, wanted));
        if (availableBytes >= 0) copies = (int) Math.max(1, Math.min(copies, availableBytes / 2 / layerBytes));
        return copies;
    }

    private Tensor copyOf(Tensor t) {
        Tensor c = Tensor.allocate(arena, t.dtype(), t.shape());
        MemorySegment.copy(t.segment(), 0, c.segment(), 0, t.segment().byteSize());
        return c;
    }

    private static int firstReuseLayer(AnchorPlan plan) {
        for (int l = 0; l < plan.layers(); l++) {
            if (!plan.isAnchor(l)) return l;
        }
        return -1;
    }

    @Override
    public String device() {
        return CpuBackend.describe();
    }

    @Override
    public int layerCopies() {
        return keys.length;
    }

    /** The copy the next call will read (tests). */
    int nextCopy() {
        return next;
    }

    @Override
    public double[] time(TimedRole role, int warmup, int iters) {
        Runnable call = () -> {
            Tensor k = keys[next];
            Tensor v = values[next];
            next = (next + 1) % keys.length;
            switch (role) {
                case DENSE -> decoder.dense(q, k, v, lengths, out);
                case LAYER0 -> decoder.layer0(q, k, v, lengths, sets, out);
                case ANCHOR -> decoder.anchor(q, k, v, lengths, sets, out);
                case REUSE -> decoder.reuse(q, k, v, lengths, anchorSets, sourceHead, out);
            }
        };
        return Timing.run(call, warmup, iters);
    }

    @Override
    public void close() {
        arena.close();
    }
}
