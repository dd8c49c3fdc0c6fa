#!/usr/bin/env python3
"""Reads Kascade Arrow files with pyarrow + numpy only (no Kascade code) and checks them against the
manifest.json sidecar that the Java test ArrowSamplesTest writes (target/arrow-samples/) or that is committed
beside a sample set (src/test/resources/arrow-samples/).

Usage: python3 tools/check_arrow_files.py [DIR]     (default: target/arrow-samples)
Exit status 0 when every file matches; prints one line per file and a closing 'N passed, N failed'.
Schemas: docs/arrow-formats.md.
"""
import json
import pathlib
import sys

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc


def metadata(schema):
    """Schema-level custom metadata as a str -> str dict."""
    return {k.decode(): v.decode() for k, v in (schema.metadata or {}).items()}


def values(column, dtype):
    """The child values of a fixed_size_list column as a float32 or int32 numpy array (bf16 widened)."""
    flat = column.combine_chunks().values.to_numpy(zero_copy_only=False)
    if dtype == "bf16":  # uint16 bits are the top half of a float32
        return (flat.astype(np.uint32) << 16).view(np.float32)
    if dtype == "f16":
        return flat.astype(np.float32)
    return flat


def read_kv_cache(path):
    """Returns (meta, lengths [L][B], keys [L][B][G][C][D], values [L][B][G][C][D]) as float32."""
    table = ipc.open_file(path).read_all()
    meta = metadata(table.schema)
    assert meta["kascade.kind"] == "kv_cache" and meta["kascade.version"] == "1", meta
    L, B, G, C, D = json.loads(meta["kascade.shape"])
    lengths = np.array(json.loads(meta["kascade.lengths"]), dtype=np.int32).reshape(L, B)
    k = np.stack([values(table[f"k_{l}"], meta["kascade.dtype"]).reshape(B, G, C, D) for l in range(L)])
    v = np.stack([values(table[f"v_{l}"], meta["kascade.dtype"]).reshape(B, G, C, D) for l in range(L)])
    return meta, lengths, k, v


def read_index_table(path):
    """Returns (meta, counts [L][B][T][G], slots [L][B][T][G][maxK]); slots past a count hold -1."""
    table = ipc.open_file(path).read_all()
    meta = metadata(table.schema)
    assert meta["kascade.kind"] == "index_table" and meta["kascade.version"] == "1", meta
    L, B, T, G, K = json.loads(meta["kascade.shape"])
    counts = table["count"].to_numpy().reshape(L, B, T, G)
    slots = table["indices"].combine_chunks().values.to_numpy().reshape(L, B, T, G, K)
    return meta, counts, slots


def read_anchor_plan(path):
    """Returns (meta, anchors, head_map [L][G])."""
    table = ipc.open_file(path).read_all()
    meta = metadata(table.schema)
    assert meta["kascade.kind"] == "anchor_plan" and meta["kascade.version"] == "1", meta
    L, G = json.loads(meta["kascade.shape"])
    is_anchor = table["is_anchor"].to_numpy(zero_copy_only=False)
    anchors = [int(l) for l in np.flatnonzero(is_anchor)]
    head_map = table["head_map"].combine_chunks().values.to_numpy().reshape(L, G)
    return meta, anchors, head_map


def check(directory, entry):
    path = directory / entry["file"]
    kind = entry["kind"]
    if kind == "kv_cache":
        meta, lengths, k, v = read_kv_cache(path)
        assert meta["kascade.dtype"] == entry["dtype"], (meta["kascade.dtype"], entry["dtype"])
        assert list(k.shape) == entry["shape"], (k.shape, entry["shape"])
        assert lengths.tolist() == entry["lengths"], (lengths.tolist(), entry["lengths"])
        for name, got in (("k", k), ("v", v)):
            want = np.array(entry[name], dtype=np.float64).reshape(got.shape)
            # Every stored value is exact in float32, so the comparison is exact.
            assert np.array_equal(got.astype(np.float64), want), f"{name} values differ"
    elif kind == "index_table":
        meta, counts, slots = read_index_table(path)
        assert list(slots.shape) == entry["shape"], (slots.shape, entry["shape"])
        flat_counts = counts.reshape(-1)
        flat_slots = slots.reshape(len(flat_counts), -1)
        for e, want in enumerate(entry["entries"]):
            n = int(flat_counts[e])
            assert n == len(want), f"entry {e}: count {n}, expected {len(want)}"
            assert flat_slots[e, :n].tolist() == want, f"entry {e}: indices differ"
            assert (flat_slots[e, n:] == -1).all(), f"entry {e}: padding is not -1"
    elif kind == "anchor_plan":
        meta, anchors, head_map = read_anchor_plan(path)
        assert anchors == entry["anchors"], (anchors, entry["anchors"])
        assert json.loads(meta["kascade.anchors"]) == entry["anchors"]
        assert head_map.tolist() == entry["head_map"], "head map differs"
    else:
        raise AssertionError(f"unknown kind {kind}")


def main():
    directory = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/arrow-samples")
    manifest = json.loads((directory / "manifest.json").read_text())
    passed = failed = 0
    for entry in manifest["files"]:
        try:
            check(directory, entry)
            print(f"ok    {entry['file']} ({entry['kind']})")
            passed += 1
        except Exception as e:  # report every file, then fail
            print(f"FAIL  {entry['file']} ({entry['kind']}): {type(e).__name__}: {e}")
            failed += 1
    print(f"pyarrow {pa.__version__}, numpy {np.__version__}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
