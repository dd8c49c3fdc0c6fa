#!/usr/bin/env bash
# ab-decode.sh: same-session A/B of decode variants on the GPU host. Each variant is a set of JVM options (and,
# after a '|', extra `bench decode` arguments), timed at batch 64, bf16, issue #5's shapes, in interleaved rounds so
# that drift (clocks, temperature) hits all alike, with PyTorch SDPA on the same shapes before and after.
# A variant whose name starts with "old" runs the jars in BUNDLE/old-lib/ instead of BUNDLE/lib/ (a build of the
# code before a change, so that a change can be compared with its parent on one machine), and a variant NAME for
# which BUNDLE/lib-NAME/ exists runs the jars there (builds that differ in code, not in options). Such a folder
# needs only its kascade.jar.
#
#   VARIANTS="name=jvm opts[|bench args];..." [ROUNDS=3] [CONTEXTS=32768,131072] [BATCHES=64] [SDPA_EACH_ROUND=1] \
#     ab-decode.sh BUNDLE
#
# Example: VARIANTS="base=;stages3=-Dkascade.decode.asyncStages=3;grid32=|--blocks-per-sm 32"
# Results in $OUT (default /tmp/kascade-ab): ab.jsonl (one line per case, "cfg" = the variant's name; SDPA lines
# "sdpa-0" before and "sdpa-1" after, and with SDPA_EACH_ROUND "sdpa-rN" after round N, so that every round has its
# own baseline when the GPU drifts between rounds), summary.txt (dense, split kernel, reuse, layer 0, Kascade ms per
# variant and context), logs.tar.gz. Each variant compiles into its own PTX cache (switches read at class load would
# otherwise share one entry).
set -uo pipefail
B="$(cd "${1:?usage: ab-decode.sh BUNDLE}" && pwd)"
X="$B/extra"
OUT="${OUT:-/tmp/kascade-ab}"
mkdir -p "$OUT"
RES="$OUT/ab.jsonl"
: > "$RES"
CONTEXTS="${CONTEXTS:-32768,131072}"
BATCHES="${BATCHES:-64}"
nvidia-smi --query-gpu=name,driver_version,clocks.mem,clocks.max.sm --format=csv | tee "$OUT/gpu.txt"

# kascade LIB_DIR args...: the bundle's launcher with LIB_DIR's jars first on the class path (so its kascade.jar
# wins; the dependencies may come from BUNDLE/lib), at most 120 s.
kascade() {
  local lib="$1"; shift
  timeout 120 "$B/jre/bin/java" @"$B/tornado-config/jvm.args" -Dkascade.home="$B" ${KASCADE_JAVA_OPTS:-} -cp "$lib/*:$B/lib/*" \
    dev.kascade.cli.Main "$@"
}
sdpa() {
  timeout 120 python3 "$X/gpu/sdpa_decode.py" --dtypes bf16 --batches "$BATCHES" --contexts "$CONTEXTS" --warmup 5 --iters 20 2>&1 \
    | grep -oh '{".*}' | sed "s/^{/{\"cfg\":\"sdpa-$1\",/" >> "$RES"
}

IFS=';' read -ra VS <<< "${VARIANTS:?set VARIANTS}"
sdpa 0
for round in $(seq 1 "${ROUNDS:-3}"); do
  for v in "${VS[@]}"; do
    name="${v%%=*}"; rest="${v#*=}"; opts="${rest%%|*}"; bargs=""
    [[ "$rest" == *"|"* ]] && bargs="${rest#*|}"
    lib="$B/lib"; [[ "$name" == old* ]] && lib="$B/old-lib"; [ -d "$B/lib-$name" ] && lib="$B/lib-$name"
    export KASCADE_JAVA_OPTS="-Dkascade.ptx.cache.dir=$OUT/cache-$name $opts"
    # shellcheck disable=SC2086 # bench arguments are words
    kascade "$lib" bench decode --device cuda --dtype bf16 --batches "$BATCHES" --contexts "$CONTEXTS" $bargs --json \
      > "$OUT/bench-$round-$name.txt" 2>&1
    echo "round $round $name rc=$?" >&2
    grep -oh '{".*}' "$OUT/bench-$round-$name.txt" | sed "s/^{/{\"cfg\":\"$name\",/" >> "$RES"
  done
  [ -n "${SDPA_EACH_ROUND:-}" ] && sdpa "r$round"
done
sdpa 1

python3 - "$RES" <<'PY' | tee "$OUT/summary.txt"
import collections, json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
agg = collections.defaultdict(list)
for r in rows:
    if r.get("bench") == "sdpa_decode" and "context" in r:
        agg[(r["cfg"], r["batch"], r["context"])].append(f"{r['median_ms']:.4f}")
    elif "dense_ms" in r:
        st = r.get("steps", {})
        agg[(r["cfg"], r["batch"], r["context"])].append(
            f"dense {r['dense_ms']:.4f} split {st.get('dense.split_dense', 0):.4f} reuse {r['reuse_ms']:.4f} "
            f"layer0 {r['layer0_ms']:.4f} kascade {r['kascade_ms']:.4f}")
for (cfg, batch, ctx), v in sorted(agg.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
    print(f"{cfg:12s} b{batch:<3d} {ctx:7d}  " + " | ".join(v))
PY
rm -rf "$OUT"/cache-*
tar -czf /tmp/ab-logs.tar.gz -C "$OUT" --exclude '*.tar.gz' . && mv /tmp/ab-logs.tar.gz "$OUT/logs.tar.gz"
rm -f "$OUT"/bench-*.txt
