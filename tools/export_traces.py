#!/usr/bin/env python3
"""Export Kascade calibration traces from a Hugging Face causal language model.

For every prompt and every decoder layer the script records, one Arrow record batch per (prompt, layer):
  queries   [T][Hq][d]  post-RoPE queries the attention actually uses
  keys      [T][G][d]   post-RoPE keys (before any GQA repetition)
  residual  [T][hidden] the decoder layer's residual input x_b
  attn_out  [T][hidden] the self-attention block's output Attn_b(x_b), output projection included
and marks the last --decode positions as decoded tokens. The file layout is described in
docs/calibration.md ("Trace files"); `kascade plan --traces FILE` reads it.

How the post-RoPE queries and keys are captured: Hugging Face attention modules (Llama, Mistral, Qwen2/3,
and most RoPE models) call a module-level function `apply_rotary_pos_emb(q, k, cos, sin)` from their own
modeling file (or keep it as `self.rotary_fn`). The script replaces that name in the attention module's
Python module (and the attribute, when present) with a wrapper that calls the original and keeps its outputs for the layer whose attention is running (a forward pre-hook on
each self-attention module says which layer that is). If a model does not go through that function, the
script recomputes q and k from the attention input with the layer's own q_proj / k_proj (and q_norm /
k_norm when present) and the cos/sin `position_embeddings` the layer received. With --random-llama both
paths run and must agree, which checks the capture itself.

Decoded tokens: the prompt is first extended by greedy decoding (--decode N tokens, with the KV cache, no
hooks), then the whole sequence is run once with hooks. Causal attention makes that pass see exactly the
queries and keys incremental decoding would have seen.

Memory: each layer's batch is written as soon as that layer's attention has run, so only one layer of one
prompt is held in host memory.

Examples:
  python3 tools/export_traces.py --random-llama --prompts 2 --prompt-length 256 --decode 8 --out t.arrow
  python3 tools/export_traces.py --model meta-llama/Llama-3.1-8B-Instruct --prompts-file prompts.txt \\
      --decode 32 --device cuda --model-dtype bfloat16 --out llama.arrow
"""

import argparse
import json
import sys

import numpy as np
import pyarrow as pa
import torch

FORMAT_VERSION = "1"


def parse_args(argv):
    p = argparse.ArgumentParser(description="Export Kascade calibration traces (Arrow IPC) from a Hugging Face causal LM.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="model name or local path for AutoModelForCausalLM.from_pretrained")
    src.add_argument("--random-llama", action="store_true",
                     help="a small randomly initialised Llama (4 layers, hidden 256, 8 query / 2 KV heads); random token prompts")
    p.add_argument("--prompts-file", help="text file, one prompt per non-empty line (or JSON lines with a \"text\" field)")
    p.add_argument("--prompts", type=int, default=4, help="number of prompts (random prompts, or the first N of the file)")
    p.add_argument("--prompt-length", type=int, default=256, help="tokens per random prompt; truncation length for file prompts")
    p.add_argument("--decode", type=int, default=8, help="tokens to decode greedily after each prompt (0: prefill only)")
    p.add_argument("--dtype", choices=["float32", "float16"], default="float32", help="element type stored in the file")
    p.add_argument("--model-dtype", choices=["float32", "bfloat16", "float16"], default="float32", help="dtype to run the model in")
    p.add_argument("--device", default="cpu", help="torch device (cpu, cuda, cuda:1, ...)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--layers", type=int, default=4, help="--random-llama: decoder layers")
    p.add_argument("--out", required=True, help="output trace file (.arrow)")
    a = p.parse_args(argv)
    if a.prompts <= 0:
        p.error("--prompts: expected > 0")
    if a.prompt_length <= 0:
        p.error("--prompt-length: expected > 0")
    if a.decode < 0:
        p.error("--decode: expected >= 0")
    return a


# ---------------------------------------------------------------- model and prompts

def build_random_llama(layers, seed):
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=1000,
        hidden_size=256,
        intermediate_size=512,
        num_hidden_layers=layers,
        num_attention_heads=8,
        num_key_value_heads=2,
        max_position_embeddings=4096,
    )
    model = LlamaForCausalLM(config)
    # Random weights of std 0.02 give nearly uniform attention; larger q/k weights make it peaked, as in
    # trained models, so the statistics have something to measure.
    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.q_proj.weight.mul_(4.0)
            layer.self_attn.k_proj.weight.mul_(4.0)
    return model, None


def load_model(args):
    if args.random_llama:
        model, tokenizer = build_random_llama(args.layers, args.seed)
    else:
        from transformers import AutoModelForCausalLM, AutoTokenizer
        dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[args.model_dtype]
        tokenizer = AutoTokenizer.from_pretrained(args.model)
        model = AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype)
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[args.model_dtype]
    model = model.to(device=args.device, dtype=dtype)
    model.eval()
    return model, tokenizer


def read_prompts(args, tokenizer, vocab_size):
    gen = torch.Generator().manual_seed(args.seed + 1)
    if args.prompts_file is None:
        if tokenizer is not None and not args.random_llama:
            raise SystemExit("--prompts-file is required with --model (random token prompts are for --random-llama)")
        return [torch.randint(0, vocab_size, (args.prompt_length,), generator=gen) for _ in range(args.prompts)]
    if tokenizer is None:
        raise SystemExit("--prompts-file needs a tokenizer; --random-llama has none (it uses random token prompts)")
    prompts = []
    with open(args.prompts_file, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("{"):
                line = json.loads(line)["text"]
            ids = tokenizer(line, return_tensors="pt")["input_ids"][0][: args.prompt_length]
            prompts.append(ids)
            if len(prompts) == args.prompts:
                break
    if not prompts:
        raise SystemExit(f"{args.prompts_file}: no prompts")
    return prompts


@torch.no_grad()
def greedy_extend(model, ids, steps, device):
    """Appends `steps` greedily decoded tokens (KV cache, no hooks active)."""
    seq = ids.unsqueeze(0).to(device)
    if steps == 0:
        return seq[0].cpu()
    out = model(input_ids=seq, use_cache=True)
    past = out.past_key_values
    for i in range(steps):
        nxt = out.logits[:, -1, :].argmax(dim=-1, keepdim=True)
        seq = torch.cat([seq, nxt], dim=1)
        if i + 1 < steps:
            out = model(input_ids=nxt, past_key_values=past, use_cache=True)
            past = out.past_key_values
    return seq[0].cpu()


# ---------------------------------------------------------------- capture

def find_decoder_layers(model):
    for _, module in model.named_modules():
        if isinstance(module, torch.nn.ModuleList) and len(module) > 0 and all(hasattr(m, "self_attn") for m in module):
            return list(module)
    raise SystemExit("could not find the decoder layers (a ModuleList of modules with a .self_attn)")


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def standard_rope(q, k, cos, sin):
    """The Llama rotary embedding, for q/k of shape [B, H, T, d] and cos/sin of shape [B, T, d]."""
    cos = cos.unsqueeze(1)
    sin = sin.unsqueeze(1)
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


def recompute_qk(attn, hidden, position_embeddings, rope):
    """q and k [B, H, T, d] from the attention input, as Llama-style attention computes them."""
    b, t, _ = hidden.shape
    head_dim = attn.head_dim
    q = attn.q_proj(hidden).view(b, t, -1, head_dim)
    k = attn.k_proj(hidden).view(b, t, -1, head_dim)
    if getattr(attn, "q_norm", None) is not None:
        q = attn.q_norm(q)
    if getattr(attn, "k_norm", None) is not None:
        k = attn.k_norm(k)
    q = q.transpose(1, 2)
    k = k.transpose(1, 2)
    cos, sin = position_embeddings
    return rope(q, k, cos, sin)


def to_numpy(t):
    return t.detach().to(device="cpu", dtype=torch.float32).numpy()


class Capture:
    """Hooks that turn each layer's attention call into one record batch, written right away."""

    def __init__(self, layers, check):
        self.layers = layers
        self.check = check
        self.current = None
        self.prompt = None
        self.prefill = None
        self.residual = {}
        self.attn_input = {}
        self.qk = {}
        self.on_layer = None  # callback(layer, queries, keys, residual, attn_out)
        self.handles = []
        self.patched = []
        self.patched_attrs = []
        self.max_check_error = 0.0
        self.recomputed_layers = 0

    def install(self):
        for i, layer in enumerate(self.layers):
            self.handles.append(layer.register_forward_pre_hook(self._layer_pre(i), with_kwargs=True))
            self.handles.append(layer.self_attn.register_forward_pre_hook(self._attn_pre(i), with_kwargs=True))
            self.handles.append(layer.self_attn.register_forward_hook(self._attn_post(i), with_kwargs=True))
        for layer in self.layers:
            # Some attention classes keep the function as an attribute (self.rotary_fn) and call that.
            fn = layer.self_attn.__dict__.get("rotary_fn")
            if callable(fn):
                layer.self_attn.rotary_fn = self._wrap_rope(fn)
                self.patched_attrs.append((layer.self_attn, fn))
        modules = {sys.modules[type(layer.self_attn).__module__] for layer in self.layers}
        for mod in modules:
            orig = getattr(mod, "apply_rotary_pos_emb", None)
            if orig is None:
                continue
            mod.apply_rotary_pos_emb = self._wrap_rope(orig)
            self.patched.append((mod, orig))

    def remove(self):
        for h in self.handles:
            h.remove()
        for mod, orig in self.patched:
            mod.apply_rotary_pos_emb = orig
        for attn, fn in self.patched_attrs:
            attn.rotary_fn = fn
        self.handles = []
        self.patched = []
        self.patched_attrs = []

    def rope_for(self, attn):
        for mod, orig in self.patched:
            if mod is sys.modules[type(attn).__module__]:
                return orig
        return standard_rope

    def _wrap_rope(self, orig):
        def apply_rotary_pos_emb(q, k, *args, **kwargs):
            q_out, k_out = orig(q, k, *args, **kwargs)
            if self.current is not None and self.current not in self.qk:
                self.qk[self.current] = (q_out.detach(), k_out.detach())
            return q_out, k_out
        return apply_rotary_pos_emb

    def _layer_pre(self, i):
        def hook(module, args, kwargs):
            x = args[0] if args else kwargs["hidden_states"]
            self.residual[i] = x.detach()
        return hook

    def _attn_pre(self, i):
        def hook(module, args, kwargs):
            self.current = i
            hidden = args[0] if args else kwargs["hidden_states"]
            pe = kwargs.get("position_embeddings")
            if pe is None and len(args) > 1:
                pe = args[1]
            self.attn_input[i] = (hidden.detach(), pe)
        return hook

    def _attn_post(self, i):
        def hook(module, args, kwargs, output):
            self.current = None
            attn_out = output[0] if isinstance(output, (tuple, list)) else output
            hidden, pe = self.attn_input.pop(i)
            captured = self.qk.pop(i, None)
            if captured is None or self.check:
                if pe is None:
                    raise SystemExit(f"layer {i}: apply_rotary_pos_emb was not called and the attention got no "
                                     "position_embeddings; this architecture needs its own capture")
                q2, k2 = recompute_qk(module, hidden, pe, self.rope_for(module))
                if captured is None:
                    captured = (q2, k2)
                    self.recomputed_layers += 1
                else:
                    err = max((captured[0].float() - q2.float()).abs().max().item(),
                              (captured[1].float() - k2.float()).abs().max().item())
                    self.max_check_error = max(self.max_check_error, err)
            q, k = captured
            if q.shape[0] != 1:
                raise SystemExit("batch size must be 1")
            residual = self.residual.pop(i)
            # [1, H, T, d] -> [T, H, d]; [1, T, hidden] -> [T, hidden]
            self.on_layer(i, to_numpy(q[0].transpose(0, 1)), to_numpy(k[0].transpose(0, 1)),
                          to_numpy(residual[0]), to_numpy(attn_out[0]))
        return hook


# ---------------------------------------------------------------- Arrow

class TraceFile:
    """The Arrow IPC file of docs/calibration.md, written one (prompt, layer) batch at a time."""

    def __init__(self, path, layers, q_heads, kv_heads, head_dim, hidden, dtype, source):
        self.layers, self.q_heads, self.kv_heads, self.head_dim, self.hidden = layers, q_heads, kv_heads, head_dim, hidden
        self.np_dtype = np.float16 if dtype == "float16" else np.float32
        element = pa.float16() if dtype == "float16" else pa.float32()
        metadata = {
            "kascade.kind": "traces",
            "kascade.version": FORMAT_VERSION,
            "kascade.layers": str(layers),
            "kascade.q_heads": str(q_heads),
            "kascade.kv_heads": str(kv_heads),
            "kascade.head_dim": str(head_dim),
            "kascade.hidden": str(hidden),
            "kascade.dtype": dtype,
            "kascade.source": source,
        }
        self.schema = pa.schema([
            pa.field("prompt", pa.int32(), nullable=False),
            pa.field("layer", pa.int32(), nullable=False),
            pa.field("position", pa.int32(), nullable=False),
            pa.field("decode", pa.bool_(), nullable=False),
            pa.field("queries", pa.list_(element, q_heads * head_dim), nullable=False),
            pa.field("keys", pa.list_(element, kv_heads * head_dim), nullable=False),
            pa.field("residual", pa.list_(element, hidden), nullable=False),
            pa.field("attn_out", pa.list_(element, hidden), nullable=False),
        ], metadata=metadata)
        self.sink = pa.OSFile(path, "wb")
        self.writer = pa.ipc.new_file(self.sink, self.schema)
        self.batches = 0

    def _tensor(self, array, width):
        flat = np.ascontiguousarray(array, dtype=self.np_dtype).reshape(-1)
        if flat.size % width != 0:
            raise SystemExit(f"tensor of {flat.size} values is not a whole number of rows of {width}")
        return pa.FixedSizeListArray.from_arrays(pa.array(flat), width)

    def write(self, prompt, layer, prefill, queries, keys, residual, attn_out):
        t = queries.shape[0]
        expect = {"queries": (t, self.q_heads, self.head_dim), "keys": (t, self.kv_heads, self.head_dim),
                  "residual": (t, self.hidden), "attn_out": (t, self.hidden)}
        for name, arr in (("queries", queries), ("keys", keys), ("residual", residual), ("attn_out", attn_out)):
            if tuple(arr.shape) != expect[name]:
                raise SystemExit(f"prompt {prompt} layer {layer}: {name} has shape {tuple(arr.shape)}, expected {expect[name]}")
        positions = np.arange(t, dtype=np.int32)
        batch = pa.record_batch([
            pa.array(np.full(t, prompt, dtype=np.int32)),
            pa.array(np.full(t, layer, dtype=np.int32)),
            pa.array(positions),
            pa.array(positions >= prefill),
            self._tensor(queries, self.q_heads * self.head_dim),
            self._tensor(keys, self.kv_heads * self.head_dim),
            self._tensor(residual, self.hidden),
            self._tensor(attn_out, self.hidden),
        ], schema=self.schema)
        self.writer.write_batch(batch)
        self.batches += 1

    def close(self):
        self.writer.close()
        self.sink.close()


# ---------------------------------------------------------------- main

def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    model, tokenizer = load_model(args)
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    layers = find_decoder_layers(model)
    q_heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or q_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // q_heads
    hidden = config.hidden_size
    source = "random-llama seed %d" % args.seed if args.random_llama else args.model
    prompts = read_prompts(args, tokenizer, config.vocab_size)

    out = TraceFile(args.out, len(layers), q_heads, kv_heads, head_dim, hidden, args.dtype, source)
    capture = Capture(layers, check=args.random_llama)
    written_this_prompt = []
    try:
        for p, ids in enumerate(prompts):
            seq = greedy_extend(model, ids, args.decode, args.device)
            prefill = int(ids.shape[0])

            def on_layer(layer, q, k, x, y, p=p, prefill=prefill):
                out.write(p, layer, prefill, q, k, x, y)
                written_this_prompt.append(layer)

            capture.on_layer = on_layer
            written_this_prompt.clear()
            capture.install()
            try:
                with torch.no_grad():
                    model(input_ids=seq.unsqueeze(0).to(args.device), use_cache=False)
            finally:
                capture.remove()
            if written_this_prompt != list(range(len(layers))):
                raise SystemExit(f"prompt {p}: captured layers {written_this_prompt}, expected 0..{len(layers) - 1} in order")
            print(f"\rexport: prompt {p + 1}/{len(prompts)} ({seq.shape[0]} tokens, {prefill} prompt)", end="", file=sys.stderr)
        print(file=sys.stderr)
    finally:
        out.close()
    if capture.check:
        # float32 CPU runs agree to rounding; anything larger means the capture picked up the wrong tensors
        print(f"export: captured vs recomputed q/k max difference {capture.max_check_error:.3g}", file=sys.stderr)
        if capture.max_check_error > 1e-3:
            raise SystemExit("export: the RoPE capture disagrees with the recomputation; the traces would be wrong")
    if capture.recomputed_layers:
        print(f"export: {capture.recomputed_layers} layer calls used the recomputed q/k (no apply_rotary_pos_emb call seen)",
              file=sys.stderr)
    print(f"wrote {args.out}: {len(prompts)} prompts, {len(layers)} layers, {q_heads}/{kv_heads} heads, head dim {head_dim}, "
          f"hidden {hidden}, {out.batches} record batches")


if __name__ == "__main__":
    main()
