#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sets /dev/zram0 up as swap for the host tests, and removes it after, but only
# if this script set it up (a marker file records that).
#
#   zram-swap.sh setup [SIZE]      default SIZE $ZRAM_SWAP_SIZE or 2G; algorithm: lz4, else
#                                  lzo-rle, lzo, zstd
#   zram-swap.sh teardown
#   zram-swap.sh run CMD [ARGS..]  setup, run CMD, teardown (also when CMD fails or we
#                                  are interrupted); exits with CMD's status
# Exit 77 (meson's "skipped") when not root or there is no zram device.
set -u

DEV=zram0
SYS=/sys/block/$DEV
MARK=/run/etmem-test-zram-owned
# Who set the device up: `run` tears down only what it set up itself; separate
# setup / teardown calls from one script share their parent's pid.  So a second,
# concurrent user that found the swap active never resets it under the first.
OWNER=${ZRAM_SWAP_OWNER:-$PPID}
SIZE_DEFAULT=${ZRAM_SWAP_SIZE:-2G}

log() { echo "zram-swap: $*" >&2; }

is_swap_active() { awk 'NR > 1 { print $1 }' /proc/swaps | grep -qx "/dev/$DEV"; }

setup() {
    local size=${1:-$SIZE_DEFAULT}
    if [ "$(id -u)" != 0 ]; then log "needs root; skipping"; return 77; fi
    if [ ! -e "$SYS" ]; then
        modprobe zram 2>/dev/null || true
        if [ ! -e "$SYS" ]; then log "no /dev/$DEV (zram not built in, module not loadable); skipping"; return 77; fi
    fi
    if is_swap_active; then
        log "/dev/$DEV is already active swap (not ours): using it, will not tear it down"
        return 0
    fi
    if [ "$(cat $SYS/disksize)" != 0 ]; then
        log "/dev/$DEV is configured by someone else (disksize $(cat $SYS/disksize)); refusing to touch it"
        return 1
    fi
    local algs alg=""
    algs=$(tr -d '[]' < $SYS/comp_algorithm)
    for a in lz4 lzo-rle lzo zstd; do
        if printf '%s\n' $algs | grep -qx "$a"; then alg=$a; break; fi
    done
    echo "$OWNER" > "$MARK"   # from here on, teardown resets the device even if setup fails half-way
    if [ -n "$alg" ]; then echo "$alg" > $SYS/comp_algorithm || { log "cannot set algorithm $alg"; return 1; }; fi
    echo "$size" > $SYS/disksize || { log "cannot set disksize $size"; return 1; }
    mkswap "/dev/$DEV" >/dev/null || { log "mkswap failed"; return 1; }
    swapon -p 100 "/dev/$DEV" || { log "swapon failed"; return 1; }
    log "/dev/$DEV: $size swap, algorithm ${alg:-default}"
    return 0
}

teardown() {
    [ -e "$MARK" ] || return 0
    if [ "$(cat "$MARK")" != "$OWNER" ]; then log "/dev/$DEV was set up by $(cat "$MARK"), not by $OWNER: leaving it"; return 0; fi
    if is_swap_active; then swapoff "/dev/$DEV" || { log "swapoff failed"; return 1; }; fi
    echo 1 > $SYS/reset || { log "reset failed"; return 1; }
    rm -f "$MARK"
    log "/dev/$DEV reset"
}

case "${1:-}" in
setup) shift; setup "$@" ;;
teardown) teardown ;;
run)
    shift
    OWNER=$$
    [ $# -ge 1 ] || { log "usage: $0 run CMD [ARGS..]"; exit 2; }
    # One test at a time on the device, across build trees and checkouts: a second
    # `run` waits here (up to 200 s, then shares the device as before) instead of
    # measuring swap that another test is filling or emptying.
    exec 8>/run/etmem-test-zram.lock
    flock -w 200 8 || log "another test has held /dev/$DEV for 200 s: sharing it"
    setup; rc=$?
    if [ $rc != 0 ]; then teardown; exit $rc; fi
    trap 'teardown; exit 130' INT TERM
    "$@" 8>&-; rc=$?
    if ! teardown && [ $rc = 0 ]; then rc=1; fi
    exit $rc
    ;;
*) echo "usage: $0 setup [SIZE] | teardown | run CMD [ARGS..]" >&2; exit 2 ;;
esac
