package dev.kascade.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The measurements of one {@link BenchSpec}: the best (minimum) and the median time per call of each role, the
 * fidelity pass and the bandwidth ceiling, plus the figures derived from them. The headline keys
 * ({@code dense_ms} ... {@code dense_bw_share}) all use the best repetition, as the bandwidth probe's
 * {@code bandwidth_gbs} does, so their ratios compare like with like; the {@code *_median*} keys repeat them with
 * medians (probe median included). {@link #toJson()} is the line {@code --json} prints and {@code kascade report}
 * reads.
 *
 * @param deviceName  words naming the device
 * @param layerCopies copies of the layer the timed calls rotated over (1: all on the same data)
 * @param best        each role's fastest call (ms, one layer)
 * @param median      each role's median call (ms, one layer)
 * @param fidelity    the pass through all layers
 * @param bandwidth   the probe's result on the same machine, same run (null for GPU rows without one)
 */
public record BenchResult(BenchSpec spec, String deviceName, int layerCopies, RoleTimes best, RoleTimes median,
                          Fidelity fidelity, BandwidthProbe.Result bandwidth, Instant date) {
    /** The JSON keys every line has, in order (tests and the report rely on them). */
    public static final java.util.List<String> KEYS = java.util.List.of(
            "mode", "device", "device_name", "context", "batch", "layers", "q_heads", "kv_heads", "head_dim", "dtype",
            "topk", "anchors", "warmup", "warmup_calls", "iters", "seed", "layer_copies", "dense_ms", "layer0_ms",
            "anchor_ms", "reuse_ms", "kascade_ms", "speedup", "rel_error", "mass_recall", "bandwidth_gbs",
            "bandwidth_streams", "dense_gbs", "dense_bw_share", "dense_gflops", "dense_median_ms", "layer0_median_ms",
            "anchor_median_ms", "reuse_median_ms", "kascade_median_ms", "speedup_median", "bandwidth_median_gbs",
            "dense_median_gbs", "dense_bw_share_median", "rel_error_layers", "mass_recall_layers", "cpus", "java",
            "date");

    /**
     * Milliseconds per call of each role under one statistic.
     *
     * @param denseMs  one dense attention call (one layer)
     * @param layer0Ms one layer-0 call
     * @param anchorMs one anchor-layer call
     * @param reuseMs  one reuse-layer call
     */
    public record RoleTimes(double denseMs, double layer0Ms, double anchorMs, double reuseMs) {
    }

    public BenchResult {
        if (best == null || median == null) throw new IllegalArgumentException("best, median: expected role times but got null");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Best ms of one dense call. */
    public double denseMs() {
        return best.denseMs();
    }

    /** Best ms of one layer-0 call. */
    public double layer0Ms() {
        return best.layer0Ms();
    }

    /** Best ms of one anchor-layer call. */
    public double anchorMs() {
        return best.anchorMs();
    }

    /** Best ms of one reuse-layer call. */
    public double reuseMs() {
        return best.reuseMs();
    }

    /**
     * The spec's headline per-layer average: {@code (T_layer0 + nAnchors * T_anchor + nReuse * T_reuse) / L}
     * with the plan's real counts (for {0,2,8,13,14} of 32 layers: (T0 + 4 Ta + 27 Tr) / 32), of the best times.
     */
    public double kascadeMs() {
        return kascadeMs(best);
    }

    /** {@link #kascadeMs()} of the given role times. */
    public double kascadeMs(RoleTimes t) {
        return (t.layer0Ms() + spec.anchorLayers() * t.anchorMs() + spec.reuseLayers() * t.reuseMs()) / spec.layers();
    }

    /** Best dense time over Kascade's best per-layer average. */
    public double speedup() {
        return best.denseMs() / kascadeMs(best);
    }

    /** Bytes of K and V one dense call reads at least once: {@code 2 * batch * G * n * d * bytes}. */
    public long denseBytes() {
        return 2L * spec.batch() * spec.kvHeads() * spec.context() * spec.headDim() * spec.dtype().byteSize();
    }

    /** K+V bytes read by the best dense call over its time, GB/s; NaN for prefill (compute-bound, not comparable). */
    public double denseGbs() {
        return denseGbs(best);
    }

    private double denseGbs(RoleTimes t) {
        return spec.mode() == BenchMode.DECODE ? denseBytes() / (t.denseMs() * 1e-3) / 1e9 : Double.NaN;
    }

    /** {@link #denseGbs()} (best dense call) as a share of the probe's best repetition. */
    public double denseBwShare() {
        return bandwidth == null ? Double.NaN : denseGbs() / bandwidth.bestGbs();
    }

    /** Dense attention GFLOP/s: 4 n d flops per query row and key (QK and PV), causal half for prefill. */
    public double denseGflops() {
        double rowsTimesKeys = spec.mode() == BenchMode.DECODE
                ? (double) spec.context()
                : (double) spec.context() * (spec.context() + 1) / 2;
        double flops = 4.0 * spec.batch() * spec.qHeads() * spec.headDim() * rowsTimesKeys;
        return flops / (best.denseMs() * 1e-3) / 1e9;
    }

    /** One JSON object with {@link #KEYS}; numbers that do not apply are null. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("mode", spec.mode().label());
        o.put("device", spec.device());
        o.put("device_name", deviceName);
        o.put("context", spec.context());
        o.put("batch", spec.batch());
        o.put("layers", spec.layers());
        o.put("q_heads", spec.qHeads());
        o.put("kv_heads", spec.kvHeads());
        o.put("head_dim", spec.headDim());
        o.put("dtype", spec.dtype().label());
        o.put("topk", spec.topk());
        ArrayNode a = o.putArray("anchors");
        for (int x : spec.anchors()) a.add(x);
        o.put("warmup", spec.warmup());
        o.put("warmup_calls", spec.warmupCalls());
        o.put("iters", spec.iters());
        o.put("seed", spec.seed());
        o.put("layer_copies", layerCopies);
        number(o, "dense_ms", best.denseMs());
        number(o, "layer0_ms", best.layer0Ms());
        number(o, "anchor_ms", best.anchorMs());
        number(o, "reuse_ms", best.reuseMs());
        number(o, "kascade_ms", kascadeMs());
        number(o, "speedup", speedup());
        number(o, "rel_error", fidelity == null ? Double.NaN : fidelity.relError());
        number(o, "mass_recall", fidelity == null ? Double.NaN : fidelity.massRecall());
        number(o, "bandwidth_gbs", bandwidth == null ? Double.NaN : bandwidth.bestGbs());
        if (bandwidth == null) o.putNull("bandwidth_streams");
        else o.put("bandwidth_streams", bandwidth.streams());
        number(o, "dense_gbs", denseGbs());
        number(o, "dense_bw_share", denseBwShare());
        number(o, "dense_gflops", denseGflops());
        number(o, "dense_median_ms", median.denseMs());
        number(o, "layer0_median_ms", median.layer0Ms());
        number(o, "anchor_median_ms", median.anchorMs());
        number(o, "reuse_median_ms", median.reuseMs());
        number(o, "kascade_median_ms", kascadeMs(median));
        number(o, "speedup_median", median.denseMs() / kascadeMs(median));
        number(o, "bandwidth_median_gbs", bandwidth == null ? Double.NaN : bandwidth.medianGbs());
        number(o, "dense_median_gbs", denseGbs(median));
        number(o, "dense_bw_share_median", bandwidth == null ? Double.NaN : denseGbs(median) / bandwidth.medianGbs());
        ArrayNode re = o.putArray("rel_error_layers");
        ArrayNode mr = o.putArray("mass_recall_layers");
        if (fidelity != null) {
            for (double x : fidelity.relErrorByLayer()) re.add(round(x));
            for (double x : fidelity.massRecallByLayer()) mr.add(round(x));
        }
        o.put("cpus", Runtime.getRuntime().availableProcessors());
        o.put("java", Runtime.version().toString());
        o.put("date", date.toString());
        return o;
    }

    /** The JSON object on one line. */
    public String toJsonLine() {
        return toJson().toString();
    }

    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, round(v));
        else o.putNull(key);
    }

    /** Six significant digits: plenty for timings and errors, and short lines. */
    private static double round(double v) {
        if (v == 0 || !Double.isFinite(v)) return v;
        return new java.math.BigDecimal(v).round(new java.math.MathContext(6)).doubleValue();
    }
}
