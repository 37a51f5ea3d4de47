#!/bin/bash
# Installs dependencies, builds etmem warning-free and runs the test suites,
# then the unit and bus suites under AddressSanitizer + UBSan, then the fuzzers.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "tools/test.sh: run as root (the host suite pages out real memory)" >&2; exit 1; }
tools/deps.sh

suites=(--suite unit --suite bus --suite fuzz --suite polkit --suite host --suite vm)

meson setup build -Dwerror=true --reconfigure >/dev/null 2>&1 || meson setup build -Dwerror=true
meson compile -C build
meson test -C build "${suites[@]}" --print-errorlogs --num-processes 1

# Sanitizers: plugins are dlopened, so ASan's runtime must be linked into etmemd (b_lundef=false).
meson setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false --reconfigure >/dev/null 2>&1 ||
  meson setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
meson compile -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --suite unit --suite bus --print-errorlogs --num-processes 1

# libFuzzer targets, 100 000 executions each, in a clang build (suite fuzz-long).
CC=clang meson setup build-fuzz --reconfigure >/dev/null 2>&1 || CC=clang meson setup build-fuzz
meson compile -C build-fuzz
meson test -C build-fuzz --suite fuzz-long --print-errorlogs --num-processes 1
echo "tools/test.sh: all suites passed (plain, ASan+UBSan and clang/libFuzzer builds)"
