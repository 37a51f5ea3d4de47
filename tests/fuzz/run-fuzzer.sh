#!/bin/bash
# Runs a libFuzzer binary for RUNS executions (fixed SEED) starting from its checked-in
# corpus; fails on a crash, a leak, a sanitizer report or a timeout of one input.
# New interesting inputs go to a scratch directory, never into the source tree; a crash
# leaves its reproducer in ./fuzz-artifacts/ (the build directory under meson).
# usage: run-fuzzer.sh FUZZER CORPUS-DIR RUNS SEED
set -euo pipefail
[ $# = 4 ] || { echo "usage: $0 FUZZER CORPUS-DIR RUNS SEED" >&2; exit 2; }
fuzzer=$1 corpus=$2 runs=$3 seed=$4
[ -x "$fuzzer" ] || { echo "$fuzzer is not an executable" >&2; exit 2; }
[ -d "$corpus" ] || { echo "$corpus is not a directory" >&2; exit 2; }

scratch=$(mktemp -d /tmp/etmem-fuzz-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
artifacts=$PWD/fuzz-artifacts/$(basename "$fuzzer")/
mkdir -p "$artifacts"

log=$scratch/log
status=0
# -timeout: one input taking > 10 s is a hang; -rss_limit_mb: a runaway allocation is a bug
"$fuzzer" -runs="$runs" -seed="$seed" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts" "$scratch" "$corpus" >"$log" 2>&1 || status=$?
grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|Done [0-9]+ runs|stat::number_of_executed_units)' "$log" || true
if [ "$status" != 0 ]; then
  tail -n 60 "$log"
  echo "$(basename "$fuzzer"): FAILED (exit status $status); reproducer in $artifacts" >&2
  exit 1
fi
executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
if [ -z "$executed" ] || [ "$executed" -lt "$runs" ]; then
  tail -n 20 "$log"
  echo "$(basename "$fuzzer"): only ${executed:-0} of $runs executions ran" >&2
  exit 1
fi
echo "$(basename "$fuzzer"): $executed executions, seed $seed, no crash"
