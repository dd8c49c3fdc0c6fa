package dev.kascade.planning.traces;

import dev.kascade.tensor.DType;

/**
 * The shape and provenance of a trace file, stored in its Arrow schema's custom metadata.
 *
 * @param layers  L
 * @param qHeads  Hq
 * @param kvHeads G
 * @param headDim d
 * @param hidden  residual stream width
 * @param storage element type of the tensor columns: {@link DType#F32} or {@link DType#F16}
 * @param source  free text: the model or generator that produced the traces
 */
public record TraceHeader(int layers, int qHeads, int kvHeads, int headDim, int hidden, DType storage, String source) {
    public TraceHeader {
        if (layers <= 0) throw new IllegalArgumentException("layers: expected > 0 but got " + layers);
        if (qHeads <= 0) throw new IllegalArgumentException("qHeads: expected > 0 but got " + qHeads);
        if (kvHeads <= 0) throw new IllegalArgumentException("kvHeads: expected > 0 but got " + kvHeads);
        if (qHeads % kvHeads != 0) {
            throw new IllegalArgumentException("qHeads: expected a multiple of kvHeads (" + kvHeads + ") but got " + qHeads);
        }
        if (headDim <= 0) throw new IllegalArgumentException("headDim: expected > 0 but got " + headDim);
        if (hidden <= 0) throw new IllegalArgumentException("hidden: expected > 0 but got " + hidden);
        if (storage != DType.F32 && storage != DType.F16) {
            throw new IllegalArgumentException("storage: trace files hold f32 or f16 but got " + storage);
        }
        if (source == null) source = "";
    }
}
