#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs CMD in a QEMU guest booted from Debian's kernel (tests/vm/vm-kernel.sh) that
# shares this machine's root filesystem, and exits with CMD's exit status.
#
#   tests/vm/run-in-guest.sh CMD [ARGS...]
#
# The guest: 2 vCPUs, 2 NUMA nodes of 1 GiB (node 1 without CPUs, like CXL/AEP
# memory), the host's / over virtio-9p read-only with a tmpfs overlay on top (the guest
# may write anywhere; nothing reaches the host), 1 GiB of zram swap, and
# kmod/etmem_scan.ko built against the guest kernel's headers and loaded.  CMD runs as
# root in the current directory with this environment (minus terminal and session
# variables); its stdout and stderr come back here as it runs.
#
#   ETMEM_VM_TIMEOUT  seconds before the guest is killed (default 900)
#   ETMEM_VM_ACCEL    tcg | kvm | auto (default auto: KVM only if a probe boot works)
#   ETMEM_VM_CONSOLE  1: print the guest's kernel console after the run
#   ETMEM_VM_NO_KMOD  1: do not build or load etmem_scan.ko
#   ETMEM_VM_APPEND   more kernel parameters (e.g. "slub_debug=FZPU kfence.sample_interval=10")
#   ETMEM_VM_TCG_THREAD  multi | single (default multi: one host thread per vCPU;
#                     docs/testing.md has what single costs)
#   ETMEM_VM_BOOTS    boots to try before giving up (1..10, default 3): a guest that
#                     crashes or hangs before CMD starts (e.g. the kernel text-patching
#                     "Oops: int3" that multi-threaded TCG provokes at boot) is booted
#                     again; each retry is logged, with the console's first oops line.
#                     A guest that fails after CMD started is never retried.
#   ETMEM_VM_KVM      1: nested KVM in the guest (-cpu max,vendor=AuthenticAMD under TCG
#                     and kvm-amd loaded, so /dev/kvm works there: tests/workload/kvm-vmm.c)
#   ETMEM_VM_CACHE, ETMEM_VM_KERNEL: see vm-kernel.sh
#
# Exit status: CMD's, or 125 when the guest did not boot or CMD did not finish (the
# console log is printed then).  Never 77: a guest that cannot boot fails the suite.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
TIMEOUT=${ETMEM_VM_TIMEOUT:-900}
GUEST_FAIL=125

log() { echo "run-in-guest: $*" >&2; }
die() { log "$*"; exit $GUEST_FAIL; }

[ $# -ge 1 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] && [ "$TIMEOUT" -ge 10 ] && [ "$TIMEOUT" -le 7200 ] ||
    die "ETMEM_VM_TIMEOUT=$TIMEOUT: must be 10..7200 seconds"
BOOTS=${ETMEM_VM_BOOTS:-3}
BOOT_LIMIT=240   # seconds from QEMU's start to the command's (a TCG boot takes 5-30 s)
[[ "$BOOTS" =~ ^[0-9]+$ ]] && [ "$BOOTS" -ge 1 ] && [ "$BOOTS" -le 10 ] ||
    die "ETMEM_VM_BOOTS=$BOOTS: must be 1..10 boots"

NESTED_KVM=""
case "${ETMEM_VM_KVM:-0}" in 1) NESTED_KVM=1 ;; 0|"") ;; *) die "ETMEM_VM_KVM=$ETMEM_VM_KVM: must be 0 or 1" ;; esac
read -r KREL KROOT < <("$HERE/vm-kernel.sh") || die "could not prepare the guest kernel"
[ -n "${KREL:-}" ] || die "could not prepare the guest kernel"
CACHE=$(dirname "$(dirname "$KROOT")")
MODDIR="$KROOT/lib/modules/$KREL"
KDIR="$KROOT/usr/src/linux-headers-$KREL"

# ---- etmem_scan.ko, built in the cache against the guest kernel's headers ----
build_kmod() {
    local b="$CACHE/$KREL/kmod-build" f
    mkdir -p "$b"
    for f in etmem_scan.c etmem_scan_uapi.h Kbuild Makefile; do
        cmp -s "$SRC/kmod/$f" "$b/$f" || cp "$SRC/kmod/$f" "$b/$f"
    done
    if ! make -s -C "$b" KDIR="$KDIR" >"$b/build.log" 2>&1; then
        cat "$b/build.log" >&2
        die "building kmod/etmem_scan.ko against $KDIR failed"
    fi
    if grep -q 'warning:' "$b/build.log"; then
        cat "$b/build.log" >&2
        die "kmod/etmem_scan.ko builds with warnings"
    fi
    echo "$b/etmem_scan.ko"
}

exec 9>"$CACHE/.lock"
flock 9
KO=""
if [ "${ETMEM_VM_NO_KMOD:-0}" != 1 ]; then
    KO=$(build_kmod) || exit $GUEST_FAIL
fi
flock -u 9

WORK=$(mktemp -d "${TMPDIR:-/tmp}/etmem-vm.XXXXXX")
QEMU_PID=""
cleanup() {
    [ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---- initramfs: busybox, the modules for 9p, overlay and zram (with their
# dependencies, in modules.dep order), our module, and init ----
resolve_modules() {
    # post-order over modules.dep: dependencies first, each module once
    awk -v want="$*" '
        { sub(":", "", $1); name = $1; sub(".*/", "", name); sub("\\.ko.*", "", name)
          path[name] = $1; deps[name] = ""
          for (i = NF; i >= 2; i--) { d = $i; sub(".*/", "", d); sub("\\.ko.*", "", d); deps[name] = deps[name] " " d } }
        function visit(m,   n, a, i) {
            if (m in seen) return; seen[m] = 1
            if (!(m in path)) { print "MISSING " m; return }
            n = split(deps[m], a, " "); for (i = 1; i <= n; i++) visit(a[i])
            print m " " path[m]
        }
        END { n = split(want, w, " "); for (i = 1; i <= n; i++) visit(w[i]) }
    ' "$MODDIR/modules.dep"
}

build_initramfs() {
    local ir="$WORK/initramfs" name path
    mkdir -p "$ir"/{bin,dev,proc,sys,lib/modules,host,upper,newroot}
    cp /bin/busybox "$ir/bin/busybox"
    : > "$ir/modules.order"
    while read -r name path; do
        [ "$name" = MISSING ] && die "module $path not in $MODDIR/modules.dep"
        case "$path" in
        *.xz) xz -dc "$MODDIR/$path" > "$ir/lib/modules/$name.ko" ;;
        *.zst) zstd -dcq "$MODDIR/$path" > "$ir/lib/modules/$name.ko" ;;
        *) cp "$MODDIR/$path" "$ir/lib/modules/$name.ko" ;;
        esac
        echo "$name" >> "$ir/modules.order"
    done < <(resolve_modules 9p 9pnet_virtio overlay zram ${NESTED_KVM:+kvm-amd})
    [ -n "$KO" ] && cp "$KO" "$ir/etmem_scan.ko"
    cp "$HERE/guest-init.sh" "$ir/init"
    chmod 755 "$ir/init"
    (cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initramfs.cpio.gz"
}
build_initramfs

# ---- the command, as a script the guest runs with the host's bash ----
{
    echo "# written by run-in-guest.sh"
    export -p | grep -Ev '^declare -x (TERM|DISPLAY|SSH_[A-Z_]*|XDG_[A-Z_]*|DBUS_SESSION_BUS_ADDRESS|TMUX[A-Z_]*|WAYLAND_DISPLAY|SHLVL|OLDPWD|PWD|_)='
    printf 'cd %q || exit 126\n' "$PWD"
    printf 'exec'
    printf ' %q' "$@"
    printf '\n'
} > "$WORK/cmd.sh"

# ---- QEMU ----
case "$WORK" in *[[:space:]]*) die "the work directory '$WORK' has white space (set TMPDIR)";; esac

started() { tr -d '\r' < "$1" | grep -qx ETMEM_VM_STARTED; }

run_qemu() { # accel cmdfile out console timeout [stream] -> waits for the guest
    local accel=$1 cmdfile=$2 out=$3 console=$4 limit=$5 stream=${6:-0} tailpid=""
    local a=(-accel "tcg,thread=${ETMEM_VM_TCG_THREAD:-multi}" -cpu "max${NESTED_KVM:+,vendor=AuthenticAMD}")
    [ "$accel" = kvm ] && a=(-accel kvm -cpu host)
    : > "$out"
    : > "$console"
    qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot "${a[@]}" \
        -smp 2 -m 2G \
        -object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=1G \
        -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,memdev=m1 \
        -kernel "$KROOT/boot/vmlinuz-$KREL" -initrd "$WORK/initramfs.cpio.gz" \
        -append "console=ttyS0 panic=-1 ${ETMEM_VM_APPEND:-} etmem_vm_cmd=$cmdfile" \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -serial "file:$console" -serial "file:$out" </dev/null >"$WORK/qemu.log" 2>&1 &
    QEMU_PID=$!
    if [ "$stream" = 1 ]; then
        tail -n +1 -f --pid=$QEMU_PID "$out" 2>/dev/null | tr -d '\r' | grep --line-buffered -Ev '^ETMEM_VM_(EXIT=|STARTED$)' &
        tailpid=$!
    fi
    local t=0
    while kill -0 $QEMU_PID 2>/dev/null; do
        if [ $t -ge $((limit * 10)) ]; then
            log "guest still running after ${limit}s: killing it"
            kill $QEMU_PID 2>/dev/null
            break
        fi
        if [ "$stream" = 1 ] && [ $t -eq $((BOOT_LIMIT * 10)) ] && ! started "$out"; then
            log "the guest did not start the command within ${BOOT_LIMIT}s: killing it"
            kill $QEMU_PID 2>/dev/null
            break
        fi
        sleep 0.1
        t=$((t + 1))
    done
    wait $QEMU_PID 2>/dev/null
    QEMU_PID=""
    [ -n "$tailpid" ] && wait $tailpid 2>/dev/null
    return 0
}

exit_code() { tr -d '\r' < "$1" | sed -n 's/^ETMEM_VM_EXIT=\([0-9]*\)$/\1/p' | tail -1; }

choose_accel() {
    local want=${ETMEM_VM_ACCEL:-auto} probe="$CACHE/$KREL/kvm-probe"
    case "$want" in
    tcg) echo tcg; return ;;
    kvm) echo kvm; return ;;
    auto) ;;
    *) die "ETMEM_VM_ACCEL=$want: must be tcg, kvm or auto" ;;
    esac
    if [ ! -w /dev/kvm ]; then echo tcg; return; fi
    if [ ! -f "$probe" ]; then
        # Nested KVM fails with "emulation failure" on some hosts and the guest then
        # hangs: one short probe boot decides, and the answer is cached.
        printf '#!/bin/sh\nexit 0\n' > "$WORK/probe.sh"
        run_qemu kvm "$WORK/probe.sh" "$WORK/probe.out" "$WORK/probe.console" 30
        if [ "$(exit_code "$WORK/probe.out")" = 0 ]; then echo kvm > "$probe"; else echo tcg > "$probe"; fi
        log "KVM probe boot: using $(cat "$probe") (cached in $probe)"
    fi
    cat "$probe"
}

ACCEL=$(choose_accel)
boot=1
while :; do
    run_qemu "$ACCEL" "$WORK/cmd.sh" "$WORK/out" "$WORK/console" "$TIMEOUT" 1
    cp "$WORK/console" "$CACHE/$KREL/last-console.log" 2>/dev/null || true
    rc=$(exit_code "$WORK/out")
    if [ -n "$rc" ] || started "$WORK/out" || [ "$boot" -ge "$BOOTS" ]; then
        break
    fi
    why=$(tr -d '\r' < "$WORK/console" | grep -m1 -E 'Oops|BUG:|Kernel panic|general protection' || true)
    log "guest boot $boot of $BOOTS failed before the command started (${why:-no oops on the console; it hung or stopped}): booting again"
    cp "$WORK/console" "$CACHE/$KREL/failed-boot-$(date +%s)-$$.log" 2>/dev/null || true
    boot=$((boot + 1))
done
log "guest boots: $boot ($((boot - 1)) retried)"
if [ "${ETMEM_VM_CONSOLE:-0}" = 1 ] || [ -z "$rc" ]; then
    echo "---- guest console ($ACCEL) ----" >&2
    tr -d '\r' < "$WORK/console" | tail -n 80 >&2
    cat "$WORK/qemu.log" >&2
    echo "----" >&2
fi
if [ -z "$rc" ]; then
    if started "$WORK/out"; then
        log "the command started but the guest did not report its exit status (crashed, or timed out after ${TIMEOUT}s)"
    else
        log "the guest did not boot in $boot tries"
    fi
    exit $GUEST_FAIL
fi
exit "$rc"
