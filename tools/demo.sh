#!/bin/bash
# The main job, end to end: installs dependencies, builds, sets up zram swap (only if no
# swap is active; removed again on exit), starts a private dbus-daemon and etmemd on it,
# starts a demo process with 256 MiB of cold and 64 MiB of hot memory, loads an etmem
# slide project for it, and prints what etmemd did: the process's RSS and swap before
# and after, and the task's counters.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "tools/demo.sh: run as root (etmemd pages out another process's memory)" >&2; exit 1; }
tools/deps.sh
meson setup build --reconfigure >/dev/null 2>&1 || meson setup build >/dev/null
meson compile -C build >/dev/null
echo "== built etmem in ./build"

tmp=$(mktemp -d /tmp/etmem-demo.XXXXXX)
bus_pid="" daemon_pid="" work_pid="" zram_ours=""
cleanup() {
  [ -n "$work_pid" ] && kill "$work_pid" 2>/dev/null && wait "$work_pid" 2>/dev/null
  [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
  [ -n "$zram_ours" ] && tests/host/zram-swap.sh teardown >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(awk 'NR > 1' /proc/swaps | wc -l)" = 0 ]; then
  tests/host/zram-swap.sh setup 1G
  zram_ours=1
  echo "== set up /dev/zram0 as swap (removed again on exit)"
fi

sed -e "s|@SOCKET@|$tmp/bus|" -e "s|@POLICY@|$PWD/dbus/org.etmem.conf|" tools/private-bus.conf.in > "$tmp/bus.conf"
bus_pid=$(dbus-daemon --config-file="$tmp/bus.conf" --fork --print-pid)
address="unix:path=$tmp/bus"
ctl() { build/cli/etmemctl --address "$address" "$@"; }

build/service/etmemd --address "$address" --state-dir "$tmp/state" 2>"$tmp/etmemd.log" &
daemon_pid=$!
for _ in $(seq 100); do ctl features >/dev/null 2>&1 && break; sleep 0.1; done
echo "== etmemd is on a private bus ($address)"
ctl features

build/tests/host/hotcold --cold 256 --hot 64 --out "$tmp/truth" >/dev/null &
work_pid=$!
for _ in $(seq 300); do grep -qs '^ready' "$tmp/truth" && break; sleep 0.1; done
grep -qs '^ready' "$tmp/truth" || { echo "demo workload did not start" >&2; exit 1; }

mem() { awk '/^VmRSS|^VmSwap/ { printf "%s %6.1f MiB  ", $1, $2 / 1024 } END { print "" }' "/proc/$work_pid/status"; }
echo "== demo process $work_pid: 256 MiB written once (cold), 64 MiB read every 10 ms (hot)"
echo "   before: $(mem)"

cat > "$tmp/demo.conf" <<CONF
# etmem's own file format, as /etc/etmem/slide_conf.yaml
[project]
name=demo
loop=3
interval=1
sleep=2

[engine]
name=slide
project=demo

[task]
project=demo
engine=slide
name=hotcold
type=pid
value=$work_pid
T=1
max_threads=1
CONF
echo "== etmem obj add -f demo.conf; etmem project start -n demo"
ctl obj add -f "$tmp/demo.conf"
ctl project start -n demo
ctl show demo

task=/org/etmem/project/demo/engine/slide/task/hotcold
for _ in $(seq 60); do
  cycles=$(busctl --address="$address" get-property org.etmem "$task" org.etmem.Task1 Cycles | awk '{print $2}')
  [ "${cycles:-0}" -ge 2 ] && break
  sleep 1
done
echo "== after ${cycles:-0} slide cycles (3 scans 1 s apart, then page-out of pages not seen in any scan)"
echo "   after:  $(mem)"
ctl status demo
ctl project stop -n demo
ctl obj del -f "$tmp/demo.conf"
echo "== stopped and removed the project; etmemd's log:"
sed 's/^<[0-9]>/   /' "$tmp/etmemd.log"
