#!/usr/bin/env python3
"""PyTorch SDPA decode baseline for Kascade's GPU decode (one query token per sequence).

Shapes: 32 query heads / 8 KV heads (GQA, enable_gqa=True), head dim 128, bf16 and f16, batch 1/8/64,
contexts 8K..128K, every sequence the full context. Timing: CUDA events around each call after warm-up,
median of --iters calls. The warm-up is --warmup calls and at least --first-warmup-ms of calls before the first shape,
--warmup-ms before each other one, as `kascade bench decode` warms up: on the H200 both kernels run about 5% slower
after a second of sustained load than in its first tens of milliseconds (2026-11-29, batch 64, 32K: this script
1.892-1.901 ms after 5 warm-up calls, 1.987-1.996 after 500, 1.916 after 1500), so the two must be timed alike. When one set of inputs is smaller than 4x the L2 cache, several copies are rotated so
that every call reads the KV cache from HBM.

Effective bandwidth counts the bytes a decode must move: K and V (batch * context * kv_heads * d * 2 bytes,
each), plus q and the output (negligible). Prints one JSON object per line (stdout); errors (an unsupported
backend, out of memory) are JSON lines with an "error" field, and the run goes on.

    python3 benchmarks/gpu/sdpa_decode.py                      # default backend, all shapes
    python3 benchmarks/gpu/sdpa_decode.py --backends default,cudnn,flash --batches 64 --contexts 32768,131072
"""
import argparse
import contextlib
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

L2_BYTES = 60 * 1024 * 1024  # H200: 60 MB L2 (gpu-device.md); rotate inputs below 4x this
BACKENDS = ("default", "cudnn", "flash", "efficient", "math")


def backend_context(name):
    """A context manager that restricts SDPA to one backend ("default": PyTorch's own choice)."""
    if name == "default":
        return contextlib.nullcontext()
    from torch.nn.attention import SDPBackend, sdpa_kernel
    chosen = {
        "cudnn": SDPBackend.CUDNN_ATTENTION,
        "flash": SDPBackend.FLASH_ATTENTION,
        "efficient": SDPBackend.EFFICIENT_ATTENTION,
        "math": SDPBackend.MATH,
    }[name]
    return sdpa_kernel([chosen])


def kv_bytes(batch, context, kv_heads, head_dim, elem):
    return 2 * batch * context * kv_heads * head_dim * elem


def make_inputs(batch, context, q_heads, kv_heads, head_dim, dtype, copies, gen):
    sets = []
    for _ in range(copies):
        q = torch.randn(batch, q_heads, 1, head_dim, device="cuda", dtype=dtype, generator=gen)
        k = torch.randn(batch, kv_heads, context, head_dim, device="cuda", dtype=dtype, generator=gen)
        v = torch.randn(batch, kv_heads, context, head_dim, device="cuda", dtype=dtype, generator=gen)
        sets.append((q, k, v))
    return sets


def sanity_check(dtype, gen):
    """SDPA decode against a float32 reference on a small GQA shape; raises if they disagree."""
    q = torch.randn(2, 32, 1, 128, device="cuda", dtype=dtype, generator=gen)
    k = torch.randn(2, 8, 1000, 128, device="cuda", dtype=dtype, generator=gen)
    v = torch.randn(2, 8, 1000, 128, device="cuda", dtype=dtype, generator=gen)
    out = F.scaled_dot_product_attention(q, k, v, enable_gqa=True).float()
    kr = k.float().repeat_interleave(4, dim=1)
    vr = v.float().repeat_interleave(4, dim=1)
    p = torch.softmax(q.float() @ kr.transpose(-1, -2) / 128 ** 0.5, dim=-1)
    ref = p @ vr
    err = (out - ref).abs().max().item()
    if not err < 2e-2:
        raise RuntimeError(f"SDPA decode disagrees with the float32 reference: max abs error {err}")
    return err


def sdpa_decode(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, enable_gqa=True)


def time_calls(fn, sets, warmup, iters, warmup_s=0.0):
    """Per-call GPU times (ms): calls are queued back to back, each between two events, one sync at the end.
    Calls shorter than the host's launch overhead (batch 1, short contexts) measure that overhead instead.
    Warm-up: at least `warmup` calls and `warmup_s` seconds of them (synchronised every 16 calls, so that the
    seconds are the GPU's)."""
    start = time.perf_counter()
    i = 0
    while i < warmup or time.perf_counter() - start < warmup_s:
        fn(*sets[i % len(sets)])
        i += 1
        if i % 16 == 0:
            torch.cuda.synchronize()
    torch.cuda.synchronize()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    for i in range(iters):
        starts[i].record()
        fn(*sets[i % len(sets)])
        ends[i].record()
    torch.cuda.synchronize()
    return [s.elapsed_time(e) for s, e in zip(starts, ends)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dtypes", default="bf16,f16")
    ap.add_argument("--batches", default="1,8,64")
    ap.add_argument("--contexts", default="8192,16384,32768,65536,131072")
    ap.add_argument("--backends", default="default", help="comma list of " + ",".join(BACKENDS))
    ap.add_argument("--q-heads", type=int, default=32)
    ap.add_argument("--kv-heads", type=int, default=8)
    ap.add_argument("--head-dim", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--first-warmup-ms", type=int, default=1000, help="warm-up before the first shape")
    ap.add_argument("--warmup-ms", type=int, default=200, help="warm-up before every other shape")
    args = ap.parse_args()
    warmed = False

    if not torch.cuda.is_available():
        print(json.dumps({"bench": "sdpa_decode", "error": "no CUDA device"}), flush=True)
        return 1
    dtypes = {"bf16": torch.bfloat16, "f16": torch.float16}
    device = torch.cuda.get_device_name(0)
    gen = torch.Generator(device="cuda")
    gen.manual_seed(1234)
    common = {"bench": "sdpa_decode", "device": device, "torch": torch.__version__,
              "date": time.strftime("%Y-%m-%d", time.gmtime()), "q_heads": args.q_heads,
              "kv_heads": args.kv_heads, "head_dim": args.head_dim}
    for dname in args.dtypes.split(","):
        dtype = dtypes[dname]
        try:
            err = sanity_check(dtype, gen)
            print(json.dumps({**common, "dtype": dname, "check": "ok", "max_abs_error": err}), flush=True)
        except Exception as e:  # report and keep going: the timings are still informative
            print(json.dumps({**common, "dtype": dname, "check": "failed", "error": str(e)}), flush=True)
        for batch in map(int, args.batches.split(",")):
            for context in map(int, args.contexts.split(",")):
                nbytes = kv_bytes(batch, context, args.kv_heads, args.head_dim, 2)
                copies = max(1, -(-4 * L2_BYTES // nbytes))
                row = {**common, "dtype": dname, "batch": batch, "context": context, "kv_bytes": nbytes,
                       "copies": copies}
                try:
                    sets = make_inputs(batch, context, args.q_heads, args.kv_heads, args.head_dim, dtype, copies, gen)
                except torch.cuda.OutOfMemoryError as e:
                    print(json.dumps({**row, "error": "out of memory: " + str(e).splitlines()[0]}), flush=True)
                    continue
                for backend in args.backends.split(","):
                    try:
                        with backend_context(backend):
                            warmup_ms = args.warmup_ms if warmed else args.first_warmup_ms
                            times = time_calls(sdpa_decode, sets, args.warmup, args.iters, warmup_ms / 1000)
                            warmed = True
                    except Exception as e:
                        print(json.dumps({**row, "backend": backend, "error": str(e).splitlines()[0]}), flush=True)
                        torch.cuda.synchronize()
                        continue
                    med = statistics.median(times)
                    print(json.dumps({**row, "backend": backend, "median_ms": round(med, 4),
                                      "min_ms": round(min(times), 4), "iters": len(times),
                                      "tb_per_s": round(nbytes / (med * 1e-3) / 1e12, 3)}), flush=True)
                del sets
                torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
