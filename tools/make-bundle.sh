#!/usr/bin/env bash
# make-bundle.sh: builds a self-contained Kascade for GPU hosts that have no JDK (see docs/gpu-bundle.md).
#
#   tools/make-bundle.sh [--out DIR] [--skip-build]
#
# Writes DIR (default .gpu/ in the repository):
#   jre/                  a Java 25 runtime cut down by jlink to the modules the jars need
#   lib/*.jar             kascade.jar and its runtime dependencies (Arrow, Jackson, ...)
#   tornado-config/       jvm.args and cuda.properties, read by the launcher and the runtime
#   bin/kascade           the launcher: bin/kascade info, bin/kascade cuda-smoke, ...
# and prints the total size, which must stay under 60 MiB (what can be carried to the host in one go).
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
OUT="$ROOT/.gpu"
BUILD=1
LIMIT_MIB=60
# Always in the runtime: the Vector API (CPU fast paths) and jdk.unsupported (Arrow's Unsafe allocator).
BASE_MODULES="java.base,jdk.incubator.vector,jdk.unsupported"

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || { echo "make-bundle: --out needs a directory" >&2; exit 2; }; OUT="$2"; shift 2 ;;
    --out=*) OUT="${1#--out=}"; shift ;;
    --skip-build) BUILD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "make-bundle: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

find_jdk() { # a JDK 25+ with jlink and jdeps: JAVA_HOME, then /usr/lib/jvm/*
  local cand v
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/jlink" ] && [ -x "$cand/bin/jdeps" ] || continue
    v="$("$cand/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | cut -d. -f1)"
    if [ "${v:-0}" -ge 25 ] 2>/dev/null; then echo "$cand"; return 0; fi
  done
  return 1
}
JDK="$(find_jdk)" || { echo "make-bundle: no JDK 25+ with jlink found (set JAVA_HOME)" >&2; exit 3; }
export JAVA_HOME="$JDK"

# Refuse to wipe a directory that is not a previous bundle.
if [ -e "$OUT" ]; then
  if [ -n "$(ls -A "$OUT" 2>/dev/null)" ] && [ ! -f "$OUT/.kascade-bundle" ]; then
    echo "make-bundle: $OUT exists and is not a Kascade bundle; choose another --out" >&2
    exit 2
  fi
  rm -rf "$OUT"
fi

if [ "$BUILD" = 1 ]; then
  command -v mvn >/dev/null 2>&1 || { echo "make-bundle: Maven (mvn) is needed to build" >&2; exit 3; }
  echo "make-bundle: building the jar and collecting dependencies (mvn package)..." >&2
  (cd "$ROOT" && MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}" \
     mvn -B -q -DskipTests package dependency:copy-dependencies \
       -DoutputDirectory=target/bundle-lib -DincludeScope=runtime >&2)
fi
JAR="$(ls "$ROOT"/target/kascade-*.jar 2>/dev/null | grep -v -- '-sources\|-javadoc' | head -n1 || true)"
[ -n "$JAR" ] && [ -d "$ROOT/target/bundle-lib" ] || { echo "make-bundle: no built jar in target/ (drop --skip-build)" >&2; exit 3; }

mkdir -p "$OUT/lib" "$OUT/bin" "$OUT/tornado-config"
touch "$OUT/.kascade-bundle"
cp "$JAR" "$OUT/lib/kascade.jar"
cp "$ROOT"/target/bundle-lib/*.jar "$OUT/lib/"
cp "$ROOT/tornado-config/jvm.args" "$ROOT/tornado-config/cuda.properties" "$OUT/tornado-config/"

# The JDK modules the jars use, as jdeps sees them: the project jar on the class path, and each
# dependency that declares a module against the others (--ignore-missing-deps: optional references,
# such as Jackson's to java.sql, are not followed).
echo "make-bundle: finding the JDK modules the jars need (jdeps)..." >&2
mods="$BASE_MODULES"
add_mods() { local m; m="$(cat)"; [ -n "$m" ] && mods="$mods,$m"; return 0; }
"$JDK/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps \
  --add-modules jdk.incubator.vector -cp "$OUT/lib/*" "$OUT/lib/kascade.jar" 2>/dev/null | tail -n1 | add_mods
for j in "$OUT"/lib/*.jar; do
  [ "$j" = "$OUT/lib/kascade.jar" ] && continue
  "$JDK/bin/jdeps" --multi-release 25 --module-path "$OUT/lib" --ignore-missing-deps --print-module-deps "$j" 2>/dev/null \
    | tail -n1 | add_mods
done
# Keep only JDK modules (java.*, jdk.*): the jars themselves run from the class path.
mods="$(echo "$mods" | tr ',' '\n' | grep -E '^(java|jdk)\.' | sort -u | paste -sd, -)"
echo "make-bundle: jlink --add-modules $mods" >&2
"$JDK/bin/jlink" --add-modules "$mods" --strip-debug --no-header-files --no-man-pages --compress=zip-9 \
  --output "$OUT/jre"

cat > "$OUT/bin/kascade" <<'LAUNCHER'
#!/usr/bin/env bash
# Kascade launcher of a GPU bundle: the bundled Java runtime, the bundled jars, tornado-config/jvm.args.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
exec "$HERE/jre/bin/java" @"$HERE/tornado-config/jvm.args" -Dkascade.home="$HERE" ${KASCADE_JAVA_OPTS:-} \
  -cp "$HERE/lib/*" dev.kascade.cli.Main "$@"
LAUNCHER
chmod +x "$OUT/bin/kascade"

# The bundle must start on this machine too (same architecture): a cheap end-to-end check.
"$OUT/bin/kascade" --help >/dev/null || { echo "make-bundle: the bundled launcher does not start" >&2; exit 1; }

bytes="$(du -sb "$OUT" | cut -f1)"
mib="$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')"
echo "make-bundle: wrote $OUT: $mib MiB (jre $(du -sh "$OUT/jre" | cut -f1), lib $(du -sh "$OUT/lib" | cut -f1))"
if [ "$bytes" -gt $((LIMIT_MIB * 1048576)) ]; then
  echo "make-bundle: $mib MiB is over the $LIMIT_MIB MiB limit" >&2
  exit 1
fi
