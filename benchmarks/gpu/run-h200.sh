#!/usr/bin/env bash
# run-h200.sh: every GPU check and measurement of Kascade in one go on the GPU host (issues #4 and #5).
#
#   run-h200.sh [BUNDLE]      BUNDLE: the GPU bundle (tools/make-bundle.sh) with this script's inputs under
#                             BUNDLE/extra/ (default: the folder above this script, i.e. .gpu/extra/..)
# Writes into $OUT (default /tmp/kascade-h200): results.jsonl (every JSON line), summary.txt, logs.tar.gz.
# Every step is time-boxed; the whole run stops before $DEADLINE_S seconds (default 540). Steps in order of
# importance: selftest, vecadd (nvcc vs Java), decode-check, the decode benchmark grid (Java) with PyTorch SDPA
# and copy bandwidth on the same shapes, compute-sanitizer memcheck and racecheck of decode-check (small cases),
# then the f16 and 256K extras. tools/test_export_traces.sh and check_arrow_files.py run in the background.
set -uo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
# Absolute, since later steps change directory (a relative bundle path broke nvcc and the export test).
B="$(cd "${1:-$HERE/..}" && pwd)"
X="$B/extra"
OUT="${OUT:-/tmp/kascade-h200}"
LOG="$OUT/logs"
mkdir -p "$LOG"
K="$B/bin/kascade"
RES="$OUT/results.jsonl"
: > "$RES"
T0=$(date +%s)
DEADLINE_S="${DEADLINE_S:-540}"
export KASCADE_JAVA_OPTS="${KASCADE_JAVA_OPTS:-} -Dkascade.ptx.cache.dir=$OUT/ptx-cache"
STATUS="$LOG/steps.txt"
: > "$STATUS"

# step NAME LIMIT_S CMD...: runs CMD with its output in logs/NAME.txt, within LIMIT_S and the deadline.
step() {
  local name="$1" limit="$2"; shift 2
  local left=$(( DEADLINE_S - ($(date +%s) - T0) ))
  if [ "$left" -lt 15 ]; then echo "$name: SKIPPED (deadline)" | tee -a "$STATUS"; return 0; fi
  [ "$limit" -gt "$left" ] && limit=$left
  local s=$(date +%s)
  echo ">>> $name (limit ${limit}s, t=$((s - T0))s)" >&2
  timeout --kill-after=5 "$limit" "$@" > "$LOG/$name.txt" 2>&1
  local rc=$?
  echo "$name: rc=$rc $(( $(date +%s) - s ))s" | tee -a "$STATUS"
  grep -oh '{".*}' "$LOG/$name.txt" >> "$RES" 2>/dev/null || true
  return 0
}

# Background, CPU-side: the Arrow sample check and the trace exporter end to end (a scratch root with the
# layout test_export_traces.sh expects: tools/, tornado-config/, target/kascade.jar, target/lib/).
(
  python3 "$X/tools/check_arrow_files.py" "$X/arrow-samples" > "$LOG/check_arrow_files.txt" 2>&1
  echo "check_arrow_files: rc=$?" >> "$LOG/background.txt"
  R="$(mktemp -d)"; mkdir -p "$R/tools" "$R/target"
  cp "$X/tools/"*.py "$X/tools/"*.sh "$R/tools/"; cp -r "$B/tornado-config" "$R/"
  cp "$B/lib/kascade.jar" "$R/target/kascade.jar"; ln -s "$B/lib" "$R/target/lib"
  CUDA_VISIBLE_DEVICES="" timeout 300 bash "$R/tools/test_export_traces.sh" "$B/jre/bin/java" > "$LOG/test_export_traces.txt" 2>&1
  echo "test_export_traces: rc=$?" >> "$LOG/background.txt"
) &
BG=$!

step nvidia-smi 20 nvidia-smi
step info 60 "$K" info
step selftest 150 "$K" selftest --device cuda
step vecadd-nvcc 90 bash -c "cd '$OUT' && nvcc -O3 -arch=sm_90 -o vecadd '$X/gpu/vecadd.cu' && ./vecadd"
step vecadd-java 90 "$K" bench vecadd --device cuda
step decode-check 150 "$K" decode-check --device cuda --seed 20261129
# The tensor-core kernel's three-stage ring (taken by blocks of 192+ steps, i.e. long rows) on every case.
step decode-check-3stages 150 env KASCADE_JAVA_OPTS="$KASCADE_JAVA_OPTS -Dkascade.decode.asyncStages=3" \
  "$K" decode-check --device cuda --seed 20261130
step session-check 120 "$K" decode-check --device cuda --session --seed 20261129
step bench-bf16 240 "$K" bench decode --device cuda --dtype bf16 --batches 64,8,1 --contexts 32768,131072,8192,65536 --json
step sdpa-bf16 150 python3 "$X/gpu/sdpa_decode.py" --dtypes bf16 --batches 64,8,1 --contexts 32768,131072,8192,65536 --warmup 5 --iters 20
step copy-bw 60 python3 "$X/gpu/copy_bw.py" --iters 20
# The sanitizers run the small cases (several splits per row, every role, bf16 and f16, d 64/128/256).
step memcheck 150 compute-sanitizer --tool memcheck --error-exitcode 9 "$K" decode-check --device cuda --small --seed 7
step racecheck 150 compute-sanitizer --tool racecheck --racecheck-report all --error-exitcode 9 "$K" decode-check --device cuda --small --seed 7
# The stream-K grid (StreamKDecodeKernel, off by default, -Dkascade.decode.streamK=auto|always) on every dense case, rows
# cut between blocks included, and under both sanitizers.
SK="$KASCADE_JAVA_OPTS -Dkascade.decode.streamK=always"
step decode-check-streamk 150 env KASCADE_JAVA_OPTS="$SK" "$K" decode-check --device cuda --seed 20261131
step memcheck-streamk 120 env KASCADE_JAVA_OPTS="$SK" compute-sanitizer --tool memcheck --error-exitcode 9 "$K" decode-check --device cuda --small --seed 7
step racecheck-streamk 120 env KASCADE_JAVA_OPTS="$SK" compute-sanitizer --tool racecheck --racecheck-report all --error-exitcode 9 "$K" decode-check --device cuda --small --seed 7
# The split plan around the default (16 blocks per SM over the grid) at the bar's shapes.
for bps in ${SPLIT_SWEEP:-8 32 64}; do
  step "bench-split-$bps" 60 "$K" bench decode --device cuda --dtype bf16 --batches 64 --contexts 32768,131072 --blocks-per-sm "$bps" --json
done
step bench-f16 120 "$K" bench decode --device cuda --dtype f16 --batches 64,8,1 --contexts 32768,131072,8192 --json
step sdpa-f16 90 python3 "$X/gpu/sdpa_decode.py" --dtypes f16 --batches 64,8,1 --contexts 32768,131072,8192 --warmup 5 --iters 20
step bench-256k 90 "$K" bench decode --device cuda --dtype bf16 --batches 64,8,1 --contexts 262144 --json
step bench-256k-f16 90 "$K" bench decode --device cuda --dtype f16 --batches 8,1 --contexts 262144 --json
step sdpa-256k 90 python3 "$X/gpu/sdpa_decode.py" --dtypes bf16,f16 --batches 64,8,1 --contexts 262144 --warmup 5 --iters 20

left=$(( DEADLINE_S + 30 - ($(date +%s) - T0) ))
[ "$left" -lt 1 ] && left=1
timeout "$left" bash -c "while kill -0 $BG 2>/dev/null; do sleep 1; done" || { kill -- "$BG" 2>/dev/null; echo "background: killed at the deadline" >> "$LOG/background.txt"; }
cat "$LOG/background.txt" >> "$STATUS" 2>/dev/null

# Summary: step status, then the figures of the bars.
{
  echo "== kascade H200 run $(date -u +%FT%TZ), $(( $(date +%s) - T0 )) s"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null
  cat "$STATUS"
  echo "== selftest / decode-check / sanitizers (last lines)"
  for f in selftest decode-check decode-check-3stages session-check memcheck racecheck decode-check-streamk \
           memcheck-streamk racecheck-streamk; do echo "-- $f"; tail -n 3 "$LOG/$f.txt" 2>/dev/null; done
  python3 - "$RES" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
for r in rows:
    if r.get("kernel", "").startswith("vecadd"):
        print(f"{r['kernel']:12s} n={r['n']} blocks={r['blocks']} median {r['median_ms']:.4f} ms  {r['tbs']:.3f} TB/s")
sdpa = {(r["dtype"], r["batch"], r["context"]): r for r in rows if r.get("bench") == "sdpa_decode" and "median_ms" in r}
print(f"{'dtype':5s} {'batch':>5s} {'ctx':>7s} {'bps':>3s} {'dense':>8s} {'TB/s':>6s} {'sdpa':>8s} {'TB/s':>6s} {'layer0':>8s} {'anchor':>8s} {'reuse':>8s} {'kascade':>8s} {'speedup':>7s}")
for r in rows:
    if r.get("bench") != "decode" or "dense_ms" not in r:
        continue
    s = sdpa.get((r["dtype"], r["batch"], r["context"]), {})
    print(f"{r['dtype']:5s} {r['batch']:5d} {r['context']:7d} {r.get('blocks_per_sm', 16):3d} {r['dense_ms']:8.3f} {r['dense_tbs']:6.2f} "
          f"{s.get('median_ms', float('nan')):8.3f} {s.get('tb_per_s', float('nan')):6.2f} {r['layer0_ms']:8.3f} "
          f"{r['anchor_ms']:8.3f} {r['reuse_ms']:8.3f} {r['kascade_ms']:8.3f} {r['speedup']:7.2f}")
PY
} > "$OUT/summary.txt" 2>&1
tar -czf "$OUT/logs.tar.gz" -C "$OUT" logs
rm -rf "$OUT/logs" "$OUT/ptx-cache" "$OUT/vecadd"
cat "$OUT/summary.txt"
