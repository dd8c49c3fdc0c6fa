#!/usr/bin/env python3
"""Device-memory bandwidth ceilings: device-to-device copy and a read-only pass (a sum reduction).

copy: dst.copy_(src); bytes counted = read + write = 2 * size.
read: torch.sum(x, dtype=float32) over a bf16 tensor; bytes counted = size (the write is 4 bytes).
Decode attention is read-dominated, so "read" is the closer ceiling for it. CUDA events after warm-up,
median of --iters. One JSON object per line on stdout.

    python3 benchmarks/gpu/copy_bw.py --sizes-mib 256,1024,4096
"""
import argparse
import json
import statistics
import sys
import time

import torch


def timed(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    for i in range(iters):
        starts[i].record()
        fn()
        ends[i].record()
    torch.cuda.synchronize()
    return [s.elapsed_time(e) for s, e in zip(starts, ends)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes-mib", default="256,1024,4096")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iters", type=int, default=30)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print(json.dumps({"bench": "copy_bw", "error": "no CUDA device"}), flush=True)
        return 1
    common = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
              "date": time.strftime("%Y-%m-%d", time.gmtime())}
    for mib in map(int, args.sizes_mib.split(",")):
        size = mib * 1024 * 1024
        try:
            src = torch.randn(size // 2, device="cuda", dtype=torch.bfloat16)
            dst = torch.empty_like(src)
        except torch.cuda.OutOfMemoryError as e:
            print(json.dumps({"bench": "copy_bw", **common, "bytes": size, "error": str(e).splitlines()[0]}), flush=True)
            continue
        for kind, fn, moved in (("copy", lambda: dst.copy_(src), 2 * size),
                                ("read", lambda: torch.sum(src, dtype=torch.float32), size)):
            times = timed(fn, args.warmup, args.iters)
            med = statistics.median(times)
            print(json.dumps({"bench": "copy_bw", **common, "kind": kind, "bytes": size, "bytes_moved": moved,
                              "median_ms": round(med, 4), "min_ms": round(min(times), 4),
                              "tb_per_s": round(moved / (med * 1e-3) / 1e12, 3)}), flush=True)
        if not torch.equal(dst, src):
            print(json.dumps({"bench": "copy_bw", **common, "bytes": size, "error": "copy mismatch"}), flush=True)
        del src, dst
        torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
