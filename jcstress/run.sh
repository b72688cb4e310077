#!/usr/bin/env bash
# Run evring's jcstress tests (PortRing memory ordering) from the repository root.
#
#   bash jcstress/run.sh [mode] [extra jcstress options...]
#
# mode:   quick   (default; what CI runs) one JVM configuration, the one that finds reorderings: C2 with
#                 its code-motion randomizers (-XX:+StressLCM/GCM/IGVN/CCP, a new random seed per fork),
#                 jcstress's "quick" iteration preset; well under three minutes on two cores
#         sanity | default | tough | stress   the jcstress preset of that name, over every JVM
#                 configuration jcstress detects (interpreter, C1, C2, C2 randomized, split per actor)
# extra:  passed on to jcstress, e.g. -t OfferPublishesEntryBeforeProd, -f 3, -v
#
# The forked test JVMs get the flags in the root jvm.options (plus jvm-jdk24.options on JDK 24+); the
# host JVM only schedules them and needs none. Reports go to jcstress/target/jcstress-results
# (index.html, one page per test, the result blob and console.log).
# Exits non-zero if any test failed or errored, or if no test ran: jcstress 0.16 signals failures by
# letting an AssertionError escape its main method (exit status 1), and this script also checks the
# printed summary.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jar="$root/jcstress/target/jcstress.jar"
results="$root/jcstress/target/jcstress-results"
mode=${1:-quick}
shift || true

java_major=$(java -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \(1\.\)\{0,1\}\([0-9]*\).*/\2/p')
option_files=("$root/jvm.options")
if [ "${java_major:-0}" -ge 24 ]; then
    option_files+=("$root/jvm-jdk24.options")
fi
fork_flags=$(cat "${option_files[@]}" | sed -e 's/#.*//' -e '/^[[:space:]]*$/d' | tr '\n' ' ')
c2_randomized="-XX:+UnlockDiagnosticVMOptions -XX:+StressLCM -XX:+StressGCM -XX:+StressIGVN -XX:+StressCCP"

case "$mode" in
    quick)
        mode_args=(-m quick -sc false -f 2 -jvmArgs "$fork_flags $c2_randomized") ;;
    sanity|default|tough|stress)
        mode_args=(-m "$mode" -jvmArgsPrepend "$fork_flags") ;;
    *)
        echo "run.sh: unknown mode '$mode' (quick, sanity, default, tough, stress)" >&2
        exit 2 ;;
esac

if [ ! -f "$jar" ]; then
    echo "run.sh: $jar is missing, building it" >&2
    (cd "$root" && mvn -B -q -pl jcstress -am package -DskipTests)
fi

rm -rf "$results"
mkdir -p "$results"
cd "$results"   # jcstress writes its result blob to the working directory

echo "jcstress: mode $mode on Java $java_major"
set +e
java -jar "$jar" "${mode_args[@]}" -r "$results" "$@" 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}
set -e

if [ "$status" -ne 0 ]; then
    echo "run.sh: jcstress exited with status $status (failed or errored tests?), see $results" >&2
    exit "$status"
fi
if grep -q '^FATAL' "$results/console.log" \
    || ! grep -q 'Failed tests: No matches' "$results/console.log" \
    || ! grep -q 'Error tests: No matches' "$results/console.log"; then
    echo "run.sh: jcstress reported failed, errored or no tests, see $results" >&2
    exit 1
fi
echo "run.sh: all jcstress tests passed, report in $results/index.html"
