#!/usr/bin/env bash
# tune-split.sh: compares the split kernel's code-shape variants (SplitTuning: pipelined or not, the gather
# path in no mode, layer 0 only, or every mode with V) on the GPU host, each checked against float64 first, then timed at issue #5's bar shapes
# (bf16, 32/8/128, top-k 10%, batch 64, 32K and 128K) in one session, with PyTorch SDPA on the same shapes.
#
#   tune-split.sh [BUNDLE]    BUNDLE as for run-h200.sh; results in $OUT (default /tmp/kascade-tune)
# Each variant "PIPELINED,GATHER[,STAGES[,MMA]]" is selected with -Dkascade.decode.pipelined=true|false,
# -Dkascade.decode.gatherReduce=never|layer0|always, -Dkascade.decode.asyncStages=0|2|3 (default 0: no cp.async ring)
# and -Dkascade.decode.tensorCores=true|false (default false: the FMA kernel in every role), through KASCADE_JAVA_OPTS.
set -uo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
B="$(cd "${1:-$HERE/..}" && pwd)"
X="$B/extra"
OUT="${OUT:-/tmp/kascade-tune}"
mkdir -p "$OUT"
K="$B/bin/kascade"
RES="$OUT/tune.jsonl"
: > "$RES"
BASE_OPTS="-Dkascade.ptx.cache.dir=$OUT/ptx-cache"
ROUNDS="${ROUNDS:-2}"
VARIANTS="${VARIANTS:-false,never true,never false,always true,always true,layer0}"
for v in $VARIANTS; do
  IFS=, read -r p g a m <<< "$v"; a="${a:-0}"; m="${m:-false}"
  export KASCADE_JAVA_OPTS="$BASE_OPTS -Dkascade.decode.pipelined=$p -Dkascade.decode.gatherReduce=$g -Dkascade.decode.asyncStages=$a -Dkascade.decode.tensorCores=$m"
  echo ">>> decode-check pipelined=$p gatherReduce=$g asyncStages=$a tensorCores=$m" >&2
  timeout 120 "$K" decode-check --device cuda --seed 20261130 > "$OUT/check-$p-$g-$a-$m.txt" 2>&1
  echo "decode-check pipelined=$p gather=$g async=$a mma=$m rc=$?" | tee -a "$OUT/steps.txt"
done
# Timing rounds interleave the variants so drift (clocks, temperature) hits all alike.
for round in $(seq 1 "$ROUNDS"); do
  for v in $VARIANTS; do
    IFS=, read -r p g a m <<< "$v"; a="${a:-0}"; m="${m:-false}"
    export KASCADE_JAVA_OPTS="$BASE_OPTS -Dkascade.decode.pipelined=$p -Dkascade.decode.gatherReduce=$g -Dkascade.decode.asyncStages=$a -Dkascade.decode.tensorCores=$m"
    echo ">>> round $round bench pipelined=$p gatherReduce=$g asyncStages=$a tensorCores=$m" >&2
    timeout 120 "$K" bench decode --device cuda --dtype bf16 --batches 64 --contexts ${CONTEXTS:-32768,131072} ${BENCH_ARGS:-} --json \
      > "$OUT/bench-$round-$p-$g-$a-$m.txt" 2>&1
    echo "bench round $round pipelined=$p gather=$g async=$a mma=$m rc=$?" | tee -a "$OUT/steps.txt"
    grep -oh '{".*}' "$OUT/bench-$round-$p-$g-$a-$m.txt" >> "$RES"
  done
done
export KASCADE_JAVA_OPTS="$BASE_OPTS"
timeout 120 python3 "$X/gpu/sdpa_decode.py" --dtypes bf16 --batches 64 --contexts ${CONTEXTS:-32768,131072} --warmup 5 --iters 20 \
  > "$OUT/sdpa.txt" 2>&1
grep -oh '{".*}' "$OUT/sdpa.txt" >> "$RES"
python3 - "$RES" <<'PY' | tee "$OUT/summary.txt"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
for r in rows:
    if r.get("bench") == "sdpa_decode" and "median_ms" in r:
        print(f"sdpa   b{r['batch']} ctx {r['context']:6d} {r['median_ms']:.4f} ms {r['tb_per_s']:.3f} TB/s")
for r in rows:
    if r.get("bench") == "decode" and "dense_ms" in r:
        st = r.get("steps", {})
        print(f"{r.get('split_tuning','?'):16s} ctx {r['context']:6d} dense {r['dense_ms']:.4f} ({r['dense_tbs']:.3f} TB/s) "
              f"layer0 {r['layer0_ms']:.4f} anchor {r['anchor_ms']:.4f} reuse {r['reuse_ms']:.4f} kascade {r['kascade_ms']:.4f} "
              f"speedup {r['speedup']:.3f} | split_layer0 {st.get('layer0.split_layer0', 0):.4f} scores {st.get('anchor.split_anchor_scores', 0):.4f}")
PY
rm -rf "$OUT/ptx-cache"
tar -czf "$OUT/tune-logs.tar.gz" -C "$OUT" --exclude tune-logs.tar.gz --exclude summary.txt --exclude tune.jsonl . \
  && find "$OUT" -maxdepth 1 -name '*.txt' ! -name summary.txt -delete
