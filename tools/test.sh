#!/bin/bash
# Installs dependencies, builds etmem warning-free and runs every test stage: each
# suite of the plain build, the unit and bus suites under AddressSanitizer + UBSan, and
# the libFuzzer targets in a clang build.  A failing stage does not stop the others:
# the summary at the end lists every stage with its time, result and log, and the
# script exits 1 if any stage failed.
#
#   tools/test.sh [--repeat N] [--suite NAME]... [--no-sanitizers] [--no-fuzz]
#
#   --repeat N       run the test stages N times in a row (builds once); a round
#                    counts as passed only if all its stages passed
#   --suite NAME     only these suites of the plain build (default: unit bus frontend
#                    fuzz polkit host vm); may be given several times
#   --no-sanitizers  skip the ASan/UBSan stage
#   --no-fuzz        skip the libFuzzer stage
#
# Logs go to build-logs/ (one file per stage and round); meson's full logs of every test
# (stdout and stderr) to build*/meson-logs/<stage>-<round>.txt, e.g. suite-vm-1.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD

usage() { sed -n '2,19s/^# \{0,1\}//p' "$0"; }

repeat=1
suites=()
sanitizers=1
fuzz=1
while [ $# -gt 0 ]; do
    case "$1" in
    --repeat)
        [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] && [ "$2" -le 100 ] ||
            { echo "tools/test.sh: --repeat takes a number of rounds, 1..100 (got '${2:-}')" >&2; exit 2; }
        repeat=$2; shift 2 ;;
    --repeat=*) set -- --repeat "${1#--repeat=}" "${@:2}" ;;
    --suite)
        case "${2:-}" in
        unit|bus|frontend|fuzz|polkit|host|vm|thirdparty) suites+=("$2") ;;
        *) echo "tools/test.sh: --suite takes one of unit bus frontend fuzz polkit host vm thirdparty (got '${2:-}')" >&2; exit 2 ;;
        esac
        shift 2 ;;
    --no-sanitizers) sanitizers=0; shift ;;
    --no-fuzz) fuzz=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "tools/test.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ ${#suites[@]} -gt 0 ] || suites=(unit bus frontend fuzz polkit host vm)
[ "$(id -u)" = 0 ] || { echo "tools/test.sh: run as root (the host suite pages out real memory)" >&2; exit 1; }

LOGS=$TOP/build-logs
mkdir -p "$LOGS"
t_start=$SECONDS
results=()   # "status|seconds|stage|log|summary"
n_failed=0

fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# stage NAME LOGFILE CMD... : runs CMD with its output shown and kept in LOGFILE
stage() {
    local name=$1 log=$2 t0=$SECONDS rc summary
    shift 2
    echo "==== tools/test.sh: $name ($(date +%T))"
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    # meson test prints "Ok: N ... Fail: N ..." at the end; keep its counts
    summary=$(grep -E '^(Ok|Fail|Timeout|Skipped|Expected Fail|Unexpected Pass): *[0-9]+' "$log" |
              awk -F': *' '$1 == "Ok" || $2 + 0 > 0 {printf "%s%s %d", sep, $1, $2; sep=", "}')
    if [ "$rc" = 0 ]; then
        results+=("ok|$((SECONDS - t0))|$name|$log|$summary")
    else
        local fails
        fails=$(grep -E '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT|ERROR) ' "$log" | awk '{print $2 $3 $4}' |
                sed 's/^etmem://' | sort -u | tr '\n' ' ')
        results+=("FAIL|$((SECONDS - t0))|$name|$log|${summary:-exit status $rc}${fails:+; failed: $fails}")
        n_failed=$((n_failed + 1))
    fi
    return "$rc"
}

stage deps "$LOGS/deps.log" tools/deps.sh || true

build_ok=1
setup() { # DIR ARGS...
    local dir=$1
    shift
    if [ -d "$dir" ]; then meson setup "$dir" "$@" --reconfigure; else meson setup "$dir" "$@"; fi
}
stage build "$LOGS/build.log" bash -c "$(declare -f setup); setup build -Dwerror=true && meson compile -C build" ||
    build_ok=0
if [ "$sanitizers" = 1 ]; then
    # plugins are dlopened, so ASan's runtime must be linked into etmemd (b_lundef=false)
    stage build-asan "$LOGS/build-asan.log" bash -c "$(declare -f setup);
        setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false && meson compile -C build-asan" ||
        sanitizers=0
fi
if [ "$fuzz" = 1 ]; then
    stage build-fuzz "$LOGS/build-fuzz.log" bash -c "$(declare -f setup);
        CC=clang setup build-fuzz && meson compile -C build-fuzz" || fuzz=0
fi

rounds_ok=0
for ((round = 1; round <= repeat; round++)); do
    sfx=""
    [ "$repeat" -gt 1 ] && sfx=" round $round/$repeat" && echo "==== tools/test.sh: round $round of $repeat"
    n_before=$n_failed
    if [ "$build_ok" = 1 ]; then
        for s in "${suites[@]}"; do
            stage "suite $s$sfx" "$LOGS/suite-$s-$round.log" \
                meson test -C build --suite "$s" --print-errorlogs --num-processes 1 --logbase "suite-$s-$round" || true
        done
    fi
    if [ "$sanitizers" = 1 ]; then
        stage "asan+ubsan unit bus$sfx" "$LOGS/asan-$round.log" \
            env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            meson test -C build-asan --suite unit --suite bus --print-errorlogs --num-processes 1 --logbase "asan-$round" ||
            true
    fi
    if [ "$fuzz" = 1 ]; then
        # libFuzzer targets, 100 000 executions each (suite fuzz-long)
        stage "libfuzzer$sfx" "$LOGS/fuzz-$round.log" \
            meson test -C build-fuzz --suite fuzz-long --print-errorlogs --num-processes 1 --logbase "fuzz-$round" || true
    fi
    [ "$n_failed" = "$n_before" ] && rounds_ok=$((rounds_ok + 1))
done

total=$((SECONDS - t_start))
echo
echo "==== tools/test.sh summary ($(date +%T))"
for r in "${results[@]}"; do
    IFS='|' read -r st secs name log summary <<<"$r"
    printf '%-4s %8s  %-28s %s\n' "$st" "$(fmt_time "$secs")" "$name" "${summary:+$summary  }($log)"
done
# each failed stage's cause, from its log, so that the last screen (all a CI page may
# show) says what a test saw and expected
for r in "${results[@]}"; do
    IFS='|' read -r st secs name log summary <<<"$r"
    [ "$st" = FAIL ] || continue
    echo "---- $name: what failed (from $log)"
    grep -E 'FAILED|FAIL:|Error|Assertion|Traceback|^E  |not (greater|less|equal)|error:|runtime error|ERROR: AddressSanitizer' "$log" |
        grep -vE '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Timeout|Skipped|Expected Fail|Unexpected Pass):' | head -n 12
done
[ "$build_ok" = 1 ] || echo "the plain build failed: no suite ran"
[ "$repeat" -gt 1 ] && echo "rounds passed: $rounds_ok of $repeat"
if [ "$n_failed" = 0 ]; then
    echo "tools/test.sh: every stage passed; total time $(fmt_time "$total")"
    exit 0
fi
echo "tools/test.sh: $n_failed stage(s) FAILED (logs above); total time $(fmt_time "$total")"
exit 1
