#!/usr/bin/env python3
"""Writes one Kascade file of each kind with pyarrow alone (no Kascade code), following docs/arrow-formats.md,
into src/test/resources/pyarrow-written/. PyArrowWrittenFilesTest loads them in Java and checks the values,
which are given by formulas (below), so files written by other tools are known to load.

Usage: python3 tools/write_pyarrow_samples.py [DIR]
"""
import pathlib
import sys

import numpy as np
import pyarrow as pa


def meta(**kv):
    return {"kascade.version": "1", **{k.replace("_", ".", 1): v for k, v in kv.items()}}


def fixed_list(values, width, arrow_type):
    return pa.FixedSizeListArray.from_arrays(pa.array(values, type=arrow_type), width)


def write(path, columns, metadata):
    fields = [pa.field(name, arr.type, nullable=False) for name, arr in columns]
    schema = pa.schema(fields, metadata=metadata)
    batch = pa.record_batch([arr for _, arr in columns], schema=schema)
    with pa.ipc.new_file(str(path), schema) as w:
        w.write_batch(batch)


def kv_cache(directory, dtype):
    # element i of column k_l (kv = 0) or v_l (kv = 1): ((l*2 + kv)*B*G*C*D + i) % 251 * 0.125 - 15.5,
    # at most 7 significant bits, so exact in f16 and bf16
    L, B, G, C, D = 2, 2, 3, 4, 5
    lengths = [4, 1, 0, 3]
    cols = []
    for l in range(L):
        for kv, name in ((0, "k"), (1, "v")):
            base = (l * 2 + kv) * B * G * C * D
            x = ((np.arange(B * G * C * D) + base) % 251).astype(np.float32) * np.float32(0.125) - np.float32(15.5)
            if dtype == "f32":
                arr = fixed_list(x, D, pa.float32())
            elif dtype == "f16":
                arr = fixed_list(x.astype(np.float16), D, pa.float16())
            else:  # bf16: exact here, so truncating the float32 bits is the rounding
                arr = fixed_list((x.view(np.uint32) >> 16).astype(np.uint16), D, pa.uint16())
            cols.append((f"{name}_{l}", arr))
    write(directory / f"kv_cache_{dtype}.arrow", cols,
          meta(kascade_kind="kv_cache", kascade_dtype=dtype, kascade_shape=f"[{L},{B},{G},{C},{D}]",
               kascade_lengths=str(lengths).replace(" ", "")))


def index_table(directory):
    # entry e holds count e % 4 indices e*10, e*10+1, ...; -1 padding
    L, B, T, G, K = 2, 1, 2, 2, 3
    entries = L * B * T * G
    counts = np.array([e % 4 for e in range(entries)], dtype=np.int32)
    slots = np.full((entries, K), -1, dtype=np.int32)
    for e in range(entries):
        slots[e, :counts[e]] = e * 10 + np.arange(counts[e])
    write(directory / "index_table.arrow",
          [("count", pa.array(counts)), ("indices", fixed_list(slots.reshape(-1), K, pa.int32()))],
          meta(kascade_kind="index_table", kascade_shape=f"[{L},{B},{T},{G},{K}]"))


def anchor_plan(directory):
    head_map = [[0, 1], [0, 0], [0, 1], [1, 0]]  # 4 layers, 2 KV heads; anchors 0 and 2
    write(directory / "anchor_plan.arrow",
          [("layer", pa.array(range(4), pa.int32())), ("is_anchor", pa.array([True, False, True, False])),
           ("anchor", pa.array([0, 0, 2, 2], pa.int32())),
           ("head_map", fixed_list(np.array(head_map, dtype=np.int32).reshape(-1), 2, pa.int32()))],
          meta(kascade_kind="anchor_plan", kascade_shape="[4,2]", kascade_anchors="[0,2]"))


def main():
    directory = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/pyarrow-written")
    directory.mkdir(parents=True, exist_ok=True)
    for dtype in ("f32", "f16", "bf16"):
        kv_cache(directory, dtype)
    index_table(directory)
    anchor_plan(directory)
    print(f"wrote {sorted(p.name for p in directory.iterdir())} with pyarrow {pa.__version__}")


if __name__ == "__main__":
    main()
