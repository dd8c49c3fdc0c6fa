package dev.kascade.session;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.IndexSets;
import dev.kascade.algorithm.KascadeConfig;
import dev.kascade.algorithm.KascadeDecoder;
import dev.kascade.algorithm.KascadePrefiller;
import dev.kascade.algorithm.LayerRole;
import dev.kascade.algorithm.TileIndexSets;
import dev.kascade.algorithm.Variant;
import dev.kascade.cache.KvCache;
import dev.kascade.cpu.CpuPool;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import dev.kascade.tensor.TensorViews;
import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * Kascade attention for Java inference code, called layer by layer: it owns the KV cache, appends each
 * layer's new keys and values, and runs that layer's Kascade role (layer 0, anchor or reuse, from the
 * {@link AnchorPlan}).
 *
 * <p>One step (a decode token, or one prefill chunk) calls the layers in order 0, 1, ..., L-1: anchor
 * layers compute the index sets that the reuse layers after them read. A reuse layer whose anchor did not
 * run in the current step is rejected. Layer 0 starts a new step.
 *
 * <p>Shapes: decode {@code q [batch][qHeads][d]}, new {@code k, v [batch][kvHeads][d]}; prefill
 * {@code q [batch][qHeads][T][d]}, {@code k, v [batch][kvHeads][T][d]}, optionally {@code qLens[b] <= T}
 * tokens per sequence (the first {@code qLens[b]} rows of sequence b are used, the rest is padding and
 * comes back as zeros). Any dtype in; the cache stores {@code config.dtype()}; outputs are f32.
 *
 * <p>Returned tensors are owned by the session and overwritten by its next call of the same kind
 * (decode or prefill): consume them (or copy them) before calling again. Not thread-safe.
 */
public final class KascadeSession implements AutoCloseable {
    private final KascadeConfig config;
    private final AnchorPlan plan;
    private final Variant variant;
    private final int batch;
    private final int capacity;
    private final KvCache cache;
    private final KascadeDecoder decoder;
    private final KascadePrefiller prefiller;
    private final int[][] headMap;
    private final IndexSets[] decodeSets;
    private final TileIndexSets[] prefillSets;
    private final long[] decodeStepOf;
    private final long[] prefillStepOf;
    private final int[] lengths;
    private final Arena arena = Arena.ofShared();
    private final Tensor decodeOut;
    /** The device half on a GPU ({@link DeviceKind#CUDA}); null on the CPU. */
    private final GpuSessionBackend gpu;
    private Tensor prefillOut;
    private long decodeStep;
    private long prefillStep;
    private boolean closed;

    private KascadeSession(KascadeConfig config, AnchorPlan plan, Variant variant, int batch, int capacity) {
        this(config, plan, variant, batch, capacity, null, 0, 0, 0);
    }

    private KascadeSession(KascadeConfig config, AnchorPlan plan, Variant variant, int batch, int capacity,
                           dev.kascade.runtime.Device device, int smCount, int blocksPerSm, int minKeysPerSplit) {
        this.config = config;
        this.plan = plan;
        this.variant = variant;
        this.batch = batch;
        this.capacity = capacity;
        this.cache = KvCache.allocate(config.layers(), batch, config.kvHeads(), capacity, config.headDim(), config.dtype());
        CpuPool pool = CpuPool.shared();
        this.decoder = new KascadeDecoder(config, variant, batch, capacity, pool);
        this.prefiller = new KascadePrefiller(config, variant, batch, capacity, pool);
        this.headMap = plan.headMap();
        this.decodeSets = new IndexSets[config.layers()];
        this.prefillSets = new TileIndexSets[config.layers()];
        for (int a : plan.anchors()) {
            decodeSets[a] = decoder.newIndexSets();
            prefillSets[a] = prefiller.newIndexSets();
        }
        this.decodeStepOf = new long[config.layers()];
        this.prefillStepOf = new long[config.layers()];
        this.lengths = new int[batch];
        this.decodeOut = Tensor.allocate(arena, DType.F32, batch, config.qHeads(), config.headDim());
        if (device == null) {
            this.gpu = null;
        } else {
            try {
                this.gpu = new GpuSessionBackend(config, plan, batch, capacity, cache, device, smCount, blocksPerSm,
                        minKeysPerSplit);
            } catch (RuntimeException e) {
                cache.close();
                arena.close();
                throw e;
            }
        }
    }

    /**
     * A session whose decode runs on {@code device} through the GPU kernels (what {@link DeviceKind#CUDA} does with
     * the configured GPU); with the CPU device the kernels run in the emulator, for tests. Prefill runs on the
     * CPU on the host mirror of the cache.
     *
     * @param smCount, blocksPerSm, minKeysPerSplit the split-K plan ({@link dev.kascade.kernels.attention.SplitPlan})
     */
    static KascadeSession openOnDevice(KascadeConfig config, AnchorPlan plan, dev.kascade.runtime.Device device, int batch,
                                       int capacity, int smCount, int blocksPerSm, int minKeysPerSplit) {
        check(config, plan, Variant.KASCADE, DeviceKind.CUDA, batch, capacity);
        return new KascadeSession(config, plan, Variant.KASCADE, batch, capacity, device, smCount, blocksPerSm,
                minKeysPerSplit);
    }

    /** A session with Kascade as published ({@link Variant#KASCADE}). */
    public static KascadeSession open(KascadeConfig config, AnchorPlan plan, DeviceKind device, int batch, int capacity) {
        return open(config, plan, Variant.KASCADE, device, batch, capacity);
    }

    /**
     * A session on a calibrated plan file ({@code kascade plan --out plan.json}): its anchors and head mapping,
     * and the top-k budget it was calibrated for, which replaces {@code config}'s budget.
     *
     * @throws java.io.IOException for an unreadable file; {@link IllegalArgumentException} for an invalid plan
     *                             or one whose layer count or KV heads differ from {@code config}
     */
    public static KascadeSession open(KascadeConfig config, java.nio.file.Path planFile, DeviceKind device, int batch,
                                      int capacity) throws java.io.IOException {
        dev.kascade.planning.PlanFile file = dev.kascade.planning.PlanFile.read(planFile);
        return open(config.withBudget(file.budget()), file.plan(), Variant.KASCADE, device, batch, capacity);
    }

    /**
     * Opens a session with an empty KV cache of {@code capacity} positions per sequence.
     *
     * @throws IllegalArgumentException when the plan does not fit the config, or batch/capacity are not positive
     * <p>{@link DeviceKind#CUDA}: the configured GPU ({@code cuda.device}); the KV cache, index sets and decode
     * scratch live in device memory and each decode step runs there (new K/V appended on the device); prefill
     * runs on the CPU on the host mirror. {@link Variant#KASCADE} only, bf16/f16 cache, post-softmax pooling.
     *
     * @throws dev.kascade.cuda.CudaUnavailableException for {@link DeviceKind#CUDA} without a usable GPU
     */
    public static KascadeSession open(KascadeConfig config, AnchorPlan plan, Variant variant, DeviceKind device,
                                      int batch, int capacity) {
        check(config, plan, variant, device, batch, capacity);
        if (device == DeviceKind.CUDA) {
            dev.kascade.runtime.CudaDevice gpu = dev.kascade.runtime.Devices.cuda(dev.kascade.runtime.CudaConfig.get().device());
            return new KascadeSession(config, plan, variant, batch, capacity, gpu, gpu.info().multiprocessors(),
                    dev.kascade.kernels.attention.SplitPlan.DEFAULT_BLOCKS_PER_SM,
                    dev.kascade.kernels.attention.SplitPlan.DEFAULT_MIN_KEYS_PER_SPLIT);
        }
        return new KascadeSession(config, plan, variant, batch, capacity);
    }

    private static void check(KascadeConfig config, AnchorPlan plan, Variant variant, DeviceKind device, int batch,
                              int capacity) {
        if (config == null) throw new IllegalArgumentException("config: expected a KascadeConfig but got null");
        if (plan == null) throw new IllegalArgumentException("plan: expected an AnchorPlan but got null");
        if (variant == null) throw new IllegalArgumentException("variant: expected a Variant but got null");
        if (device == null) throw new IllegalArgumentException("device: expected CPU or CUDA but got null");
        if (plan.layers() != config.layers()) {
            throw new IllegalArgumentException("plan: has " + plan.layers() + " layers but the config has " + config.layers());
        }
        if (plan.kvHeads() != config.kvHeads()) {
            throw new IllegalArgumentException("plan: maps " + plan.kvHeads() + " KV heads but the config has " + config.kvHeads());
        }
        if (batch <= 0) throw new IllegalArgumentException("batch: expected > 0 but got " + batch);
        if (capacity <= 0) throw new IllegalArgumentException("capacity: expected > 0 but got " + capacity);
        if (device == DeviceKind.CUDA && variant != Variant.KASCADE) {
            throw new IllegalArgumentException("variant: a CUDA session runs Variant.KASCADE only but got " + variant);
        }
    }

    public KascadeConfig config() {
        return config;
    }

    public AnchorPlan plan() {
        return plan;
    }

    /**
     * The KV cache (read it, do not close it: the session does). On a GPU this is the host mirror, brought up
     * to date from the device first (a copy of every layer decode changed).
     */
    public KvCache cache() {
        checkOpen();
        if (gpu != null) gpu.syncToHost();
        return cache;
    }

    /**
     * The KV cache with every position written so far, on the host, ready to save as Arrow
     * ({@code dev.kascade.cache.KvCacheFormat}); on a GPU this copies the device's layers back first.
     */
    public KvCache exportCache() {
        return cache();
    }

    /**
     * Decode one token for every sequence at {@code layer}: appends {@code kNew, vNew} to the layer's cache,
     * then runs the layer's role. Returns {@code [batch][qHeads][d]} f32 (owned by the session).
     */
    public Tensor decode(int layer, Tensor q, Tensor kNew, Tensor vNew) {
        checkOpen();
        checkLayer(layer);
        requireShape("q", q, batch, config.qHeads(), config.headDim());
        requireShape("kNew", kNew, batch, config.kvHeads(), config.headDim());
        requireShape("vNew", vNew, batch, config.kvHeads(), config.headDim());
        LayerRole role = plan.role(layer);
        int anchor = plan.anchorOf(layer);
        if (role == LayerRole.LAYER0) {
            decodeStep++;
        } else if (role == LayerRole.REUSE && (decodeStep == 0 || decodeStepOf[anchor] != decodeStep)) {
            throw new IllegalStateException("layer " + layer + " reuses anchor " + anchor
                    + " whose indices were not computed this step (call the layers of a decode step in order, from layer 0)");
        }
        for (int b = 0; b < batch; b++) {
            if (cache.length(layer, b) + 1 > capacity) {
                throw new IllegalStateException("capacity: sequence " + b + " of layer " + layer + " already holds "
                        + cache.length(layer, b) + " of " + capacity + " positions; no room for another token");
            }
        }
        if (gpu != null) { // the rows go to the device; the host mirror only counts them
            for (int b = 0; b < batch; b++) {
                cache.setLength(layer, b, cache.length(layer, b) + 1);
                lengths[b] = cache.length(layer, b);
            }
            Tensor out = gpu.decode(layer, q, kNew, vNew, lengths, headMap[layer]);
            if (role != LayerRole.REUSE) decodeStepOf[layer] = decodeStep;
            return out;
        }
        long[] four = {batch, config.kvHeads(), 1, config.headDim()};
        cache.appendAll(layer, Tensor.wrap(kNew.segment(), kNew.dtype(), four), Tensor.wrap(vNew.segment(), vNew.dtype(), four));
        for (int b = 0; b < batch; b++) lengths[b] = cache.length(layer, b);
        Tensor k = cache.keys(layer);
        Tensor v = cache.values(layer);
        switch (role) {
            case LAYER0 -> decoder.layer0(q, k, v, lengths, decodeSets[0], decodeOut);
            case ANCHOR -> decoder.anchor(q, k, v, lengths, decodeSets[layer], decodeOut);
            case REUSE -> decoder.reuse(q, k, v, lengths, decodeSets[anchor], headMap[layer], decodeOut);
        }
        if (role != LayerRole.REUSE) decodeStepOf[layer] = decodeStep;
        return decodeOut;
    }

    /** Prefill {@code T} new tokens for every sequence at {@code layer}; see {@link #prefill(int, Tensor, Tensor, Tensor, int[])}. */
    public Tensor prefill(int layer, Tensor q, Tensor k, Tensor v) {
        return prefill(layer, q, k, v, null);
    }

    /**
     * Prefill at {@code layer}: appends the first {@code qLens[b]} of the T new tokens of each sequence
     * (all T when {@code qLens} is null) to the layer's cache, then runs causal Kascade prefill (dense
     * with {@link Variant#densePrefill}). Returns {@code [batch][qHeads][T][d]} f32 (owned by the session;
     * rows past {@code qLens[b]} are zero).
     */
    public Tensor prefill(int layer, Tensor q, Tensor k, Tensor v, int[] qLens) {
        checkOpen();
        checkLayer(layer);
        if (q == null || q.rank() != 4) {
            throw new IllegalArgumentException("q: expected shape [" + batch + "][" + config.qHeads() + "][T][" + config.headDim()
                    + "] but got " + (q == null ? "null" : Arrays.toString(q.shape())));
        }
        int t = (int) q.dim(2);
        requireShape("q", q, batch, config.qHeads(), t, config.headDim());
        requireShape("k", k, batch, config.kvHeads(), t, config.headDim());
        requireShape("v", v, batch, config.kvHeads(), t, config.headDim());
        if (qLens != null) {
            if (qLens.length != batch) throw new IllegalArgumentException("qLens: expected " + batch + " entries but got " + qLens.length);
            for (int b = 0; b < batch; b++) {
                if (qLens[b] < 0 || qLens[b] > t) {
                    throw new IllegalArgumentException("qLens[" + b + "] = " + qLens[b] + ": expected 0.." + t);
                }
            }
        }
        LayerRole role = plan.role(layer);
        int anchor = plan.anchorOf(layer);
        if (role == LayerRole.LAYER0) {
            prefillStep++;
        } else if (role == LayerRole.REUSE && !variant.densePrefill()
                && (prefillStep == 0 || prefillStepOf[anchor] != prefillStep)) {
            throw new IllegalStateException("layer " + layer + " reuses anchor " + anchor
                    + " whose indices were not computed this step (call the layers of a prefill step in order, from layer 0)");
        }
        for (int b = 0; b < batch; b++) {
            int add = qLens == null ? t : qLens[b];
            if ((long) cache.length(layer, b) + add > capacity) {
                throw new IllegalStateException("capacity: sequence " + b + " of layer " + layer + " holds "
                        + cache.length(layer, b) + " positions; " + add + " more exceed the capacity " + capacity);
            }
        }
        if (gpu != null) gpu.syncToHost(layer);
        append(layer, k, v, t, qLens);
        if (gpu != null) gpu.hostWrote(layer);
        for (int b = 0; b < batch; b++) lengths[b] = cache.length(layer, b);
        Tensor out = prefillOut(t);
        Tensor kc = cache.keys(layer);
        Tensor vc = cache.values(layer);
        if (variant.densePrefill()) {
            prefiller.dense(q, kc, vc, lengths, qLens, out);
        } else {
            switch (role) {
                case LAYER0 -> prefiller.layer0(q, kc, vc, lengths, qLens, prefillSets[0], out);
                case ANCHOR -> prefiller.anchor(q, kc, vc, lengths, qLens, prefillSets[layer], out);
                case REUSE -> prefiller.reuse(q, kc, vc, lengths, qLens, prefillSets[anchor], headMap[layer], out);
            }
        }
        if (role != LayerRole.REUSE) prefillStepOf[layer] = prefillStep;
        return out;
    }

    /** The decode index sets an anchor layer computed in the latest decode step (for inspection). */
    public IndexSets decodeIndexSets(int anchorLayer) {
        checkLayer(anchorLayer);
        if (!plan.isAnchor(anchorLayer)) {
            throw new IllegalArgumentException("anchorLayer: layer " + anchorLayer + " is not an anchor of " + plan);
        }
        if (gpu != null) {
            throw new UnsupportedOperationException("decodeIndexSets: a GPU session keeps its decode index sets on the device");
        }
        return decodeSets[anchorLayer];
    }

    /**
     * The positions an anchor layer selected in the latest decode step, [batch][kvHead][count] ascending, on
     * either kind of session (a GPU session copies them from the device; for diagnostics).
     */
    public int[][][] decodePositions(int anchorLayer) {
        checkLayer(anchorLayer);
        if (!plan.isAnchor(anchorLayer)) {
            throw new IllegalArgumentException("anchorLayer: layer " + anchorLayer + " is not an anchor of " + plan);
        }
        if (gpu != null) return gpu.decodePositions(anchorLayer);
        IndexSets set = decodeSets[anchorLayer];
        int[][][] result = new int[set.batch()][set.kvHeads()][];
        for (int b = 0; b < set.batch(); b++) {
            for (int g = 0; g < set.kvHeads(); g++) result[b][g] = set.positions(b, g);
        }
        return result;
    }

    /** The tile index sets an anchor layer computed in the latest prefill step (for inspection). */
    public TileIndexSets prefillIndexSets(int anchorLayer) {
        checkLayer(anchorLayer);
        if (!plan.isAnchor(anchorLayer)) {
            throw new IllegalArgumentException("anchorLayer: layer " + anchorLayer + " is not an anchor of " + plan);
        }
        return prefillSets[anchorLayer];
    }

    private void append(int layer, Tensor k, Tensor v, int t, int[] qLens) {
        if (qLens == null) {
            cache.appendAll(layer, k, v);
            return;
        }
        // Variable lengths: copy each sequence's first qLens[b] rows per KV head into the cache views.
        Tensor kc = cache.keys(layer);
        Tensor vc = cache.values(layer);
        int d = config.headDim();
        int kv = config.kvHeads();
        for (int b = 0; b < batch; b++) {
            int start = cache.length(layer, b);
            for (int g = 0; g < kv; g++) {
                long src = (((long) b * kv + g) * t) * d;
                long dst = (((long) b * kv + g) * capacity + start) * d;
                TensorViews.copy(k, src, kc, dst, (long) qLens[b] * d);
                TensorViews.copy(v, src, vc, dst, (long) qLens[b] * d);
            }
            cache.setLength(layer, b, start + qLens[b]);
        }
    }

    private Tensor prefillOut(int t) {
        if (prefillOut == null || prefillOut.dim(2) != t) {
            long need = (long) batch * config.qHeads() * t * config.headDim() * 4L;
            if (prefillOut == null || prefillOut.segment().byteSize() < need) {
                prefillOut = Tensor.allocate(arena, DType.F32, batch, config.qHeads(), t, config.headDim());
            } else {
                prefillOut = Tensor.wrap(prefillOut.segment(), DType.F32, batch, config.qHeads(), t, config.headDim());
            }
        }
        return prefillOut;
    }

    private void requireShape(String name, Tensor t, long... shape) {
        if (t == null) throw new IllegalArgumentException(name + ": expected shape " + Arrays.toString(shape) + " but got null");
        t.requireShape(name, shape);
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= config.layers()) {
            throw new IllegalArgumentException("layer: " + layer + " out of range [0, " + config.layers() + ")");
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("session: closed");
    }

    /** Frees the KV cache and the output buffers. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (gpu != null) gpu.close();
        cache.close();
        arena.close();
    }
}
