package dev.kascade.planning.traces;

import dev.kascade.tensor.Tensor;

/**
 * One layer of one prompt in a trace file: what {@link dev.kascade.planning.CalibrationRecorder#recordLayer}
 * takes. Tensors read from a file are views over the reader's current record batch and stay valid only
 * until the reader moves on.
 *
 * @param prompt          prompt id (prompts are contiguous in a file)
 * @param layer           layer index
 * @param prefillTokens   positions {@code 0..prefillTokens-1} are the prompt; the rest were decoded
 * @param queries         {@code [T][Hq][d]}, post-RoPE
 * @param keys            {@code [T][G][d]}, post-RoPE
 * @param residual        {@code [T][hidden]}, the layer's residual input
 * @param attentionOutput {@code [T][hidden]}, the attention block output (after the output projection)
 */
public record TraceLayer(int prompt, int layer, int prefillTokens, Tensor queries, Tensor keys,
                         Tensor residual, Tensor attentionOutput) {
    /** T, the positions of this prompt. */
    public int tokens() {
        return (int) queries.dim(0);
    }
}
