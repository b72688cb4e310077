#!/usr/bin/env bash
# CI smoke run of the JMH suite: every benchmark once, one fork, no warm-up, one 100 ms iteration, the
# largest @Param values only where a small one proves the same code path. Not a measurement: it proves
# each benchmark sets up, runs and tears down with evring's JVM flags (JmhMain appends jvm.options to the
# forks; the jar's manifest carries the flags the host JVM needs). Exits non-zero on any JMH failure.
#
#   benchmarks/jmh-smoke.sh [extra JMH options]     (build first: mvn -pl benchmarks package)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/benchmarks.jar"
if [[ ! -f "$jar" ]]; then
    echo "jmh-smoke: $jar is missing: run 'mvn -pl benchmarks package' first" >&2
    exit 2
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
start=$(date +%s)
"$java" -jar "$jar" \
    -f 1 -wi 0 -i 1 -r 100ms -w 100ms -foe true \
    -p batch=1,1024 -p size=64,131072 -p bound=0,16384 -p ports=25000 \
    "$@"
echo "jmh-smoke: every benchmark ran in $(( $(date +%s) - start )) s"
