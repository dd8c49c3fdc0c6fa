package dev.kascade.session;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.KascadeConfig;
import dev.kascade.algorithm.LayerRole;
import dev.kascade.cache.KvCache;
import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.kernels.attention.DecodeShape;
import dev.kascade.kernels.attention.GpuDecode;
import dev.kascade.kernels.attention.IndexSets;
import dev.kascade.kernels.attention.KernelLaunch;
import dev.kascade.kernels.attention.KvLayer;
import dev.kascade.runtime.Device;
import dev.kascade.runtime.ResidentLauncher;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import dev.kascade.tensor.TensorViews;
import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.util.List;

/**
 * The device half of a {@link KascadeSession} opened on a GPU: every layer's K and V, the index sets and the
 * decode scratch live in device memory (one {@link ResidentLauncher}); a decode step uploads only q, the new
 * K/V rows and the lengths, appends the rows on the device ({@link AppendKernel}), runs the layer's role
 * through {@link GpuDecode} and downloads the f32 output.
 *
 * <p>The session's {@link KvCache} is the host mirror: its lengths are always current, its bytes only after
 * {@link #syncToHost} (the session does that for {@code cache()}, before a CPU prefill and for export).
 * After the host wrote a layer (prefill), {@link #hostWrote} makes the next decode upload it.
 *
 * <p>One {@link GpuDecode} per anchor layer, used by the anchor and by every layer that reuses it, so a reuse
 * pass always reads sets that its own decoder selected for the same lengths (no host rescans).
 */
final class GpuSessionBackend implements AutoCloseable {
    private static final Method APPEND;

    static {
        try {
            APPEND = AppendKernel.class.getMethod("appendRows", KernelContext.class, I32Buffer.class, I32Buffer.class,
                    I32Buffer.class, I32Buffer.class, I32Buffer.class, int.class, int.class, int.class, int.class);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final KascadeConfig config;
    private final AnchorPlan plan;
    private final int batch;
    private final int capacity;
    private final KvCache cache;
    private final Arena arena = Arena.ofShared();
    private final ResidentLauncher launcher;
    private final KvLayer[] layers;
    private final GpuDecode[] decoders;
    private final IndexSets[] sets;
    private final boolean[] deviceNewer;
    private final boolean[] hostNewer;
    /** The lengths each anchor's sets were selected for (host copies of those sets are stale). */
    private final int[][] selectedFor;
    private final F32Buffer q;
    private final F32Buffer out;
    private final I32Buffer lengths;
    private final I32Buffer kStage;
    private final I32Buffer vStage;
    private final Tensor qTensor;
    private final Tensor kStageTensor;
    private final Tensor vStageTensor;
    private final Tensor outTensor;
    private boolean closed;

    GpuSessionBackend(KascadeConfig config, AnchorPlan plan, int batch, int capacity, KvCache cache, Device device,
                      int smCount, int blocksPerSm, int minKeysPerSplit) {
        if (config.dtype() != DType.BF16 && config.dtype() != DType.F16) {
            throw new IllegalArgumentException("config.dtype: a GPU session stores bf16 or f16 but got " + config.dtype().label());
        }
        if (config.pooling() != dev.kascade.algorithm.Pooling.POST_SOFTMAX) {
            throw new IllegalArgumentException("config.pooling: the GPU kernels pool post-softmax scores but got " + config.pooling());
        }
        this.config = config;
        this.plan = plan;
        this.batch = batch;
        this.capacity = capacity;
        this.cache = cache;
        DecodeShape shape = new DecodeShape(batch, config.qHeads(), config.kvHeads(), config.headDim(), capacity);
        this.launcher = new ResidentLauncher(device);
        try {
            this.layers = new KvLayer[config.layers()];
            for (int l = 0; l < layers.length; l++) {
                MemorySegmentPair p = new MemorySegmentPair(cache.keys(l), cache.values(l));
                layers[l] = config.dtype() == DType.BF16
                        ? new KvLayer(new BF16Buffer(p.k), new BF16Buffer(p.v))
                        : new KvLayer(new F16Buffer(p.k), new F16Buffer(p.v));
            }
            this.decoders = new GpuDecode[config.layers()];
            this.sets = new IndexSets[config.layers()];
            for (int a : plan.anchors()) {
                decoders[a] = new GpuDecode(launcher, shape, config.budget(), smCount, blocksPerSm, minKeysPerSplit);
                sets[a] = decoders[a].allocateIndexSets(arena);
            }
            this.deviceNewer = new boolean[config.layers()];
            this.hostNewer = new boolean[config.layers()];
            this.selectedFor = new int[config.layers()][];
            long heads = (long) batch * config.qHeads() * config.headDim();
            this.q = F32Buffer.allocate(arena, heads);
            this.out = F32Buffer.allocate(arena, heads);
            this.lengths = I32Buffer.allocate(arena, batch);
            long rowWords = (long) batch * config.kvHeads() * config.headDim() / 2;
            this.kStage = I32Buffer.allocate(arena, rowWords);
            this.vStage = I32Buffer.allocate(arena, rowWords);
            this.qTensor = Tensor.wrap(q.segment(), DType.F32, batch, config.qHeads(), config.headDim());
            this.outTensor = Tensor.wrap(out.segment(), DType.F32, batch, config.qHeads(), config.headDim());
            this.kStageTensor = Tensor.wrap(kStage.segment(), config.dtype(), batch, config.kvHeads(), config.headDim());
            this.vStageTensor = Tensor.wrap(vStage.segment(), config.dtype(), batch, config.kvHeads(), config.headDim());
        } catch (RuntimeException e) {
            launcher.close();
            arena.close();
            throw e;
        }
    }

    private record MemorySegmentPair(java.lang.foreign.MemorySegment k, java.lang.foreign.MemorySegment v) {
        MemorySegmentPair(Tensor k, Tensor v) {
            this(k.segment(), v.segment());
        }
    }

    /**
     * One decode step of {@code layer}: the new rows go to position {@code lengthsAfter[b] - 1} on the device,
     * then the layer's role runs there. Returns the f32 output {@code [batch][qHeads][d]} (owned by this object).
     */
    Tensor decode(int layer, Tensor qIn, Tensor kNew, Tensor vNew, int[] lengthsAfter, int[] headMapRow) {
        KvLayer kv = layers[layer];
        if (hostNewer[layer] || !launcher.isResident(kv.kWords())) {
            launcher.upload(kv.kWords());
            launcher.upload(kv.vWords());
            hostNewer[layer] = false;
        }
        TensorViews.copy(qIn, 0, qTensor, 0, qTensor.size());
        TensorViews.copy(kNew, 0, kStageTensor, 0, kStageTensor.size());
        TensorViews.copy(vNew, 0, vStageTensor, 0, vStageTensor.size());
        for (int b = 0; b < batch; b++) lengths.set(b, lengthsAfter[b]);
        LayerRole role = plan.role(layer);
        int anchor = plan.anchorOf(layer);
        GpuDecode decoder = decoders[anchor];
        List<KernelLaunch> launches = switch (role) {
            case LAYER0 -> decoder.layer0Launches(q, kv, lengths, out, sets[0]);
            case ANCHOR -> decoder.anchorLaunches(q, kv, lengths, out, sets[layer]);
            case REUSE -> {
                if (!java.util.Arrays.equals(selectedFor[anchor], lengthsAfter)) {
                    // Not selected for these lengths: the decoder checks every index on the host, so fetch them.
                    launcher.download(sets[anchor].indices());
                }
                yield decoder.reuseLaunches(q, kv, lengths, sets[anchor], headMapRow, out);
            }
        };
        if (role != LayerRole.REUSE) selectedFor[layer] = lengthsAfter.clone();
        // The small host-written inputs (each upload waits for the device's queued work first).
        for (KernelBuffer b : List.of(q, kStage, vStage, lengths, sets[anchor].counts(), decoder.headMapBuffer())) {
            launcher.upload(b);
        }
        int rowWords = config.headDim() / 2;
        long words = (long) batch * config.kvHeads() * rowWords;
        int blocks = (int) Math.max(1, Math.min(1024, (words + 255) / 256));
        launcher.launch(APPEND, LaunchConfig.of1D(blocks, 256), kStage, vStage, lengths, kv.kWords(), kv.vWords(),
                batch, config.kvHeads(), capacity, rowWords);
        for (KernelLaunch l : launches) launcher.launch(l.kernel(), l.config(), l.args());
        launcher.download(out);
        deviceNewer[layer] = true;
        return outTensor;
    }

    /** The host wrote {@code layer}'s cache (a CPU prefill): the next decode uploads it. */
    void hostWrote(int layer) {
        hostNewer[layer] = true;
        deviceNewer[layer] = false;
    }

    /** Copies every layer the device changed back into the host cache. */
    void syncToHost() {
        for (int l = 0; l < layers.length; l++) syncToHost(l);
    }

    /** Copies {@code layer} back into the host cache if the device changed it. */
    void syncToHost(int layer) {
        if (!deviceNewer[layer]) return;
        launcher.download(layers[layer].kWords());
        launcher.download(layers[layer].vWords());
        deviceNewer[layer] = false;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            for (GpuDecode d : decoders) if (d != null) d.close();
            launcher.close();
        } finally {
            arena.close();
        }
    }

    /**
     * The positions an anchor layer selected in its latest decode step, [batch][kvHead][count], copied from the
     * device (for diagnostics; downloads the set).
     */
    int[][][] decodePositions(int anchorLayer) {
        IndexSets set = sets[anchorLayer];
        launcher.download(set.indices());
        int kvHeads = config.kvHeads();
        int[][][] result = new int[batch][kvHeads][];
        for (int b = 0; b < batch; b++) {
            int count = set.counts().get(b);
            for (int g = 0; g < kvHeads; g++) {
                result[b][g] = new int[count];
                for (int j = 0; j < count; j++) {
                    result[b][g][j] = set.indices().get(((long) b * kvHeads + g) * set.kMax() + j);
                }
            }
        }
        return result;
    }
}
