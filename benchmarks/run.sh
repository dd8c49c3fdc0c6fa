#!/usr/bin/env bash
# benchmarks/run.sh quick|full [extra JMH arguments]
# Builds the JMH jar when it is missing or older than the sources, runs the quick or the full suite and writes
# JMH JSON to out/jmh-<suite>-<UTC time>.json (feed it to ./kascade report).
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
SUITE="${1:-quick}"
[ $# -gt 0 ] && shift
JDK="${JAVA_HOME:-}"
if [ -z "$JDK" ] || ! "$JDK/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
  JDK="$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -n1 || true)"
fi
[ -n "$JDK" ] && [ -x "$JDK/bin/java" ] || { echo "benchmarks/run.sh: no JDK 25 found (set JAVA_HOME)" >&2; exit 3; }
export JAVA_HOME="$JDK"
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
JAR="$ROOT/benchmarks/target/benchmarks.jar"
if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/src/main" "$ROOT/benchmarks/src" "$ROOT/benchmarks/pom.xml" -newer "$JAR" -print -quit)" ]; then
  echo "benchmarks/run.sh: building $JAR" >&2
  mvn -B -q -f "$ROOT/benchmarks/pom.xml" package >&2
fi
case "$SUITE" in
  # A few minutes on 2 cores: every benchmark once, small shapes, bf16, short iterations.
  quick) ARGS=(-f 1 -wi 1 -w 1s -i 3 -r 1s -p context=4096 -p dtype=bf16) ;;
  # Every @Param combination with the iterations of KascadeBench (3 x 2 s warm-up, 5 x 2 s measured).
  full) ARGS=(-f 1) ;;
  *) echo "usage: benchmarks/run.sh quick|full [extra JMH arguments]" >&2; exit 2 ;;
esac
mkdir -p "$ROOT/out"
OUT="$ROOT/out/jmh-$SUITE-$(date -u +%Y%m%dT%H%M%SZ).json"
"$JDK/bin/java" -jar "$JAR" "${ARGS[@]}" -rf json -rff "$OUT" "$@"
echo "benchmarks/run.sh: wrote $OUT" >&2
