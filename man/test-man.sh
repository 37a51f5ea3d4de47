#!/bin/bash
# Renders each man page given with man-db and fails on any warning groff or man prints.
set -u
fail=0
[ $# -gt 0 ] || { echo "FAIL: no pages given"; exit 1; }
for page in "$@"; do
        out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
        text=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
        if [ -n "$out" ]; then
                echo "FAIL: $page: warnings (expected none):"
                echo "$out"
                fail=1
        elif [ "$(printf '%s\n' "$text" | grep -c .)" -lt 10 ]; then
                echo "FAIL: $page rendered to $(printf '%s\n' "$text" | grep -c .) lines (expected a page)"
                fail=1
        elif ! printf '%s\n' "$text" | grep -q '^NAME'; then
                echo "FAIL: $page has no NAME section; got:"
                printf '%s\n' "$text" | head -5
                fail=1
        else
                echo "ok: $page ($(printf '%s\n' "$text" | grep -c .) lines)"
        fi
done
exit $fail
