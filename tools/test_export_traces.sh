#!/usr/bin/env bash
# test_export_traces.sh: end-to-end check of the trace exporter and the Java planner.
#
# Runs tools/export_traces.py on a small randomly initialised Llama (no weights are downloaded), then runs
# `kascade traces info` and `kascade plan --json` on the file and checks the plan's shape.
#
# usage: tools/test_export_traces.sh [JAVA]
#   JAVA: a java binary or a JDK/JRE directory (>= 25); otherwise $KASCADE_JAVA, then $JAVA_HOME, then java on PATH.
# needs: python3 (or $PYTHON) with torch, transformers, numpy and pyarrow; the built jar target/kascade.jar with
#        its dependencies in target/lib (build it with `./kascade --help` where Maven is available, or copy target/).
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
PY="${PYTHON:-python3}"

JAVA_ARG="${1:-${KASCADE_JAVA:-}}"
if [ -z "$JAVA_ARG" ] && [ -n "${JAVA_HOME:-}" ]; then JAVA_ARG="$JAVA_HOME"; fi
if [ -z "$JAVA_ARG" ]; then JAVA_ARG="$(command -v java || true)"; fi
if [ -d "$JAVA_ARG" ]; then JAVA_ARG="$JAVA_ARG/bin/java"; fi
if [ -z "$JAVA_ARG" ] || [ ! -x "$JAVA_ARG" ]; then
  echo "test_export_traces: no java runtime; pass one as the first argument or set KASCADE_JAVA / JAVA_HOME" >&2
  exit 2
fi
JAVA="$JAVA_ARG"

if [ ! -f "$ROOT/target/kascade.jar" ] || [ ! -d "$ROOT/target/lib" ]; then
  echo "test_export_traces: $ROOT/target/kascade.jar or target/lib is missing; build with ./kascade --help first" >&2
  exit 2
fi

"$PY" - <<'PY'
import importlib.util, sys
missing = [m for m in ("torch", "transformers", "numpy", "pyarrow") if importlib.util.find_spec(m) is None]
if missing:
    sys.exit("test_export_traces: python modules missing: " + ", ".join(missing))
import torch, transformers, pyarrow
print(f"test_export_traces: torch {torch.__version__}, transformers {transformers.__version__}, pyarrow {pyarrow.__version__}")
PY

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
kascade() {
  "$JAVA" @"$ROOT/tornado-config/jvm.args" -cp "$ROOT/target/kascade.jar:$ROOT/target/lib/*" dev.kascade.cli.Main "$@"
}

echo "== export: random Llama, 4 layers, 2 prompts of 200 tokens + 8 decoded, float32"
"$PY" "$ROOT/tools/export_traces.py" --random-llama --prompts 2 --prompt-length 200 --decode 8 --out "$WORK/f32.arrow"
echo "== export: the same model, 1 prompt of 160 tokens, no decode, float16"
"$PY" "$ROOT/tools/export_traces.py" --random-llama --prompts 1 --prompt-length 160 --decode 0 --dtype float16 \
  --out "$WORK/f16.arrow"

echo "== kascade traces info"
kascade traces info "$WORK/f32.arrow" | tee "$WORK/info.txt"
grep -q "2 prompts, 416 tokens in all, 4 layers, 8 query heads, 2 KV heads, head dim 32, hidden 256, f32" "$WORK/info.txt"
kascade traces info "$WORK/f16.arrow" > "$WORK/info16.txt"
cat "$WORK/info16.txt"
grep -q "1 prompts, 160 tokens in all, 4 layers.*f16" "$WORK/info16.txt"

for f in f32 f16; do
  echo "== kascade plan --traces $f.arrow --anchors 2 --json"
  kascade plan --traces "$WORK/$f.arrow" --anchors 2 --json --out "$WORK/$f-plan.json" > "$WORK/$f-out.json"
  "$PY" - "$WORK/$f-out.json" "$WORK/$f-plan.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
plan = json.load(open(sys.argv[2]))
anchors = out["anchors"]
assert len(anchors) == 2 and anchors[0] == 0 and 0 < anchors[1] < 4, anchors
assert len(out["headMap"]) == 4 and all(len(row) == 2 for row in out["headMap"]), out["headMap"]
assert all(0 <= g < 2 for row in out["headMap"] for g in row)
assert plan["anchors"] == anchors and plan["headMap"] == out["headMap"]
assert all(0.0 <= w <= 2.0 for w in out["importance"]), out["importance"]
assert [a["k"] for a in out["alternatives"]] == [3, 4], out["alternatives"]
print(f"plan ok: anchors {anchors}, objective {out['objective']}, importance {out['importance']}")
PY
done
echo "test_export_traces: OK"
