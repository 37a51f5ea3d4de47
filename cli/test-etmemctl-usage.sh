#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# etmemctl's argument handling without any bus: every verb's --help, and usage errors
# (exit 2, exact message) that must be caught before the bus is touched. The system bus
# address points at nothing, so a usage error that slipped through to the bus would show
# as exit 1 "cannot connect" instead of exit 2.
#
# Usage: test-etmemctl-usage.sh PATH/TO/etmemctl
set -u

ETMEMCTL=$(realpath "${1:?usage: $0 PATH/TO/etmemctl}")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/no-bus-here"
unset DBUS_SESSION_BUS_ADDRESS
ln -s "$ETMEMCTL" "$TMP/etmem"

failures=0
checks=0

fail() {
        echo "FAIL: $*" >&2
        failures=$((failures + 1))
}

# run PROGRAM ARGS...: sets $rc, $out, $err
run() {
        "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
        rc=$?
        out=$(cat "$TMP/out")
        err=$(cat "$TMP/err")
        checks=$((checks + 1))
}

# expect RC STREAM TEXT -- ARGS...: exit status RC and STREAM (out|err) contains TEXT
# as a fixed string; a usage error (2) must also print nothing on stdout.
expect() {
        local want_rc=$1 stream=$2 text=$3
        shift 4
        run "$ETMEMCTL" "$@"
        local got=$out
        [ "$stream" = err ] && got=$err
        if [ "$rc" != "$want_rc" ]; then
                fail "etmemctl $*: exit $rc, expected $want_rc (stderr: $err)"
        elif ! grep -qF -- "$text" <<<"$got"; then
                fail "etmemctl $*: std$stream lacks '$text'; got: $got"
        elif [ "$want_rc" = 2 ] && [ -n "$out" ]; then
                fail "etmemctl $*: usage error printed on stdout: $out"
        fi
}

usage() { local msg=$1; shift; expect 2 err "$msg" -- "$@"; }

# --- help and version ----------------------------------------------------------------
expect 0 out "Usage: etmemctl [OPTIONS] VERB" -- --help
expect 0 out "Usage: etmemctl [OPTIONS] VERB" -- -h
expect 0 out "Usage: etmemctl [OPTIONS] VERB" -- help
expect 0 out "etmemctl " -- --version
grep -qE '^etmemctl [0-9]+\.[0-9]+' <<<"$out" || fail "--version: '$out'"

declare -A synopsis=(
        [create-project]="create-project NAME [OPTIONS]"
        [remove-project]="remove-project NAME"
        [add-engine]="add-engine PROJECT TYPE [KEY=VALUE...]"
        [remove-engine]="remove-engine PROJECT ENGINE"
        [add-task]="add-task PROJECT ENGINE TASK (--pid PID | --name COMM) [KEY=VALUE...]"
        [remove-task]="remove-task PROJECT ENGINE TASK"
        [start]="start PROJECT"
        [stop]="stop PROJECT"
        [show]="show [PROJECT] [--json]"
        [status]="status [PROJECT] [--json]"
        [apply]="apply -f FILE [--format ini|json]"
        [delete]="delete -f FILE [--format ini|json]"
        [command]="command PROJECT ENGINE CMD [-t TASK] [KEY=VALUE...]"
        [features]="features [--json]"
        [metrics]="metrics [--format openmetrics|prometheus] [--output FILE]"
)
for verb in "${!synopsis[@]}"; do
        want="Usage: etmemctl ${synopsis[$verb]}"
        expect 0 out "$want" -- "$verb" --help
        help_out=$out
        [ -z "$err" ] || fail "$verb --help wrote to stderr: $err"
        expect 0 out "$want" -- "$verb" -h
        expect 0 out "$want" -- help "$verb"
        [ "$out" = "$help_out" ] || fail "'help $verb' differs from '$verb --help'"
        # --help wins over missing or bad arguments and never connects
        expect 0 out "$want" -- "$verb" bad..name --help
done

# every verb in the main help has a --help of its own
for verb in create-project remove-project add-engine remove-engine add-task remove-task start \
            stop show status apply delete command features metrics; do
        run "$ETMEMCTL" --help
        grep -qE "^  $verb( |$)" <<<"$out" || fail "main --help does not list $verb"
done

# etmem's command groups, under both names
for group in obj project engine; do
        expect 0 out "etmemctl $group" -- "$group" help
        expect 0 out "etmemctl $group" -- "$group" --help
done
expect 0 out "etmemctl obj add [options]" -- obj help
expect 0 out "-f|--file <conf_file>" -- obj help
expect 0 out "etmemctl project show [options]" -- project help
expect 0 out "-n|--name <proj_name>" -- project help
expect 0 out "etmemctl engine <cmd> [options]" -- engine help
expect 0 out "-t|--task_name <task_name>" -- engine help
run "$TMP/etmem" obj help
[ "$rc" = 0 ] && grep -qF "etmem obj add [options]" <<<"$out" || fail "etmem obj help: rc=$rc $out"
run "$TMP/etmem" project start
[ "$rc" = 2 ] && grep -qF "etmem: project start: -n NAME is required" <<<"$err" ||
        fail "etmem project start: rc=$rc $err"

# --- global usage errors ---------------------------------------------------------------
usage "etmemctl: missing verb"
usage "etmemctl: unknown verb 'frobnicate'" frobnicate
usage "etmemctl: unknown option '--frob'" --frob show
usage "etmemctl: option '--address' requires an argument" --address
usage "etmemctl: --address: the address is empty" --address "" show
usage "Try 'etmemctl --help' for more information." frobnicate
usage "etmemctl: help: unknown verb 'nope'" help nope

# --- modern verbs -----------------------------------------------------------------------
usage "etmemctl: create-project: missing argument; usage: etmemctl create-project NAME" create-project
usage "etmemctl: create-project: unexpected argument 'q'" create-project p q
usage "etmemctl: create-project: --loop: 'x' is not a number (1..120)" create-project p --loop x
usage "etmemctl: create-project: --loop: 121 is out of range 1..120" create-project p --loop 121
usage "etmemctl: create-project: --loop: 0 is out of range 1..120" create-project p --loop 0
usage "etmemctl: create-project: --loop: '-1' is not a number (1..120)" create-project p --loop -1
usage "etmemctl: create-project: --interval: 1201 is out of range 1..1200" create-project p --interval 1201
usage "etmemctl: create-project: --sleep: '' is not a number (1..1200)" create-project p --sleep ""
usage "etmemctl: create-project: --sysmem-threshold: 101 is out of range 0..100" create-project p --sysmem-threshold 101
usage "etmemctl: create-project: --swapcache-high-wmark: 0 is out of range 1..100" create-project p --swapcache-high-wmark 0
usage "etmemctl: create-project: --swapcache-low-wmark: 'abc' is not a number (1..100)" create-project p --swapcache-low-wmark abc
usage "etmemctl: create-project: --swapcache-low-wmark (5) must be lower than --swapcache-high-wmark (5)" \
        create-project p --swapcache-high-wmark 5 --swapcache-low-wmark 5
usage "etmemctl: create-project: option '--loop' requires an argument" create-project p --loop
usage "etmemctl: create-project: unknown option '--frob'" create-project p --frob
usage "etmemctl: create-project: invalid project name 'a b': names are 1..64 characters of [A-Za-z0-9_.-]" create-project "a b"
usage "etmemctl: create-project: invalid project name '.x'" create-project .x
usage "etmemctl: create-project: invalid project name '$(printf 'a%.0s' {1..65})'" create-project "$(printf 'a%.0s' {1..65})"
usage "Try 'etmemctl create-project --help' for more information." create-project p --loop 121

usage "etmemctl: remove-project: missing argument; usage: etmemctl remove-project NAME" remove-project
usage "etmemctl: remove-project: unexpected argument 'b'" remove-project a b
usage "etmemctl: remove-project: invalid project name 'a/b'" remove-project a/b

usage "etmemctl: add-engine: missing argument; usage: etmemctl add-engine PROJECT TYPE [KEY=VALUE...]" add-engine p
usage "etmemctl: add-engine: invalid engine type name 'sl ide'" add-engine p "sl ide"
usage "etmemctl: add-engine: 'hot_threshold': expected KEY=VALUE" add-engine p cslide hot_threshold
usage "etmemctl: add-engine: '=1': expected KEY=VALUE" add-engine p cslide =1
usage "etmemctl: add-engine: key 'project' cannot be given as KEY=VALUE" add-engine p cslide project=q
usage "etmemctl: add-engine: key 'a' is given twice" add-engine p cslide a=1 a=2

usage "etmemctl: remove-engine: missing argument; usage: etmemctl remove-engine PROJECT ENGINE" remove-engine p
usage "etmemctl: remove-engine: invalid engine name '-e'" remove-engine p -- -e

usage "etmemctl: add-task: exactly one of --pid or --name is required" add-task p e t
usage "etmemctl: add-task: exactly one of --pid or --name is required" add-task p e t --pid 1 --name mysql
usage "etmemctl: add-task: missing argument; usage: etmemctl add-task PROJECT ENGINE TASK" add-task p e --pid 1
usage "etmemctl: add-task: --pid: 0 is out of range 1..4194304" add-task p e t --pid 0
usage "etmemctl: add-task: --pid: 4194305 is out of range 1..4194304" add-task p e t --pid 4194305
usage "etmemctl: add-task: --pid: '12a' is not a number (1..4194304)" add-task p e t --pid 12a
usage "etmemctl: add-task: --name: the process name must not be empty" add-task p e t --name ""
usage "etmemctl: add-task: key 'type' cannot be given as KEY=VALUE" add-task p e t --pid 1 type=pid
usage "etmemctl: add-task: key 'value' cannot be given as KEY=VALUE" add-task p e t --name x value=y
usage "etmemctl: add-task: key 'T' is given twice" add-task p e t --pid 1 T=1 T=2
usage "etmemctl: add-task: invalid task name 't t'" add-task p e "t t" --pid 1
usage "etmemctl: add-task: invalid engine name 'e/1'" add-task p e/1 t --pid 1

usage "etmemctl: remove-task: missing argument; usage: etmemctl remove-task PROJECT ENGINE TASK" remove-task p e
usage "etmemctl: remove-task: unexpected argument 'x'" remove-task p e t x

usage "etmemctl: start: missing argument; usage: etmemctl start PROJECT" start
usage "etmemctl: stop: unexpected argument 'b'" stop a b
usage "etmemctl: start: unknown option '-x'" start -x p
usage "etmemctl: stop: option '--json' is not supported here" stop --json p

usage "etmemctl: show: unexpected argument 'b'" show a b
usage "etmemctl: status: unknown option '--frob'" status --frob
usage "etmemctl: show: invalid project name 'a b'" show "a b"
usage "etmemctl: features: unexpected argument 'x'" features x
usage "etmemctl: metrics: unexpected argument 'x'" metrics x
usage "etmemctl: metrics: option '--output' requires an argument" metrics --output
usage "etmemctl: metrics: --output needs a file name" metrics --output ""
usage "etmemctl: metrics: unknown option '--json'" metrics --json
usage "etmemctl: metrics: --format: 'text' is not one of openmetrics, prometheus" metrics --format text

usage "etmemctl: apply: -f FILE is required" apply
usage "etmemctl: apply: unexpected argument 'f.conf' (the file is given with -f FILE)" apply f.conf
usage "etmemctl: apply: option '-f' requires an argument" apply -f
usage "etmemctl: apply: -f FILE is given twice; one file per call" apply -f a -f b
usage "etmemctl: apply: --format: 'yaml' is not one of ini, json, auto" apply -f a --format yaml
usage "etmemctl: delete: -f FILE is required" delete
usage "etmemctl: delete: unknown option '-x'" delete -x

usage "etmemctl: command: missing argument; usage: etmemctl command PROJECT ENGINE CMD" command p e
usage "etmemctl: command: option '-t' requires an argument" command p e showtaskpages -t
usage "etmemctl: command: key 'task' cannot be given as KEY=VALUE; use -t TASK" command p e showtaskpages task=x
usage "etmemctl: command: invalid task name 'a b'" command p e showtaskpages -t "a b"

# --- etmem's verbs -------------------------------------------------------------------------
usage "etmemctl: obj: missing command; one of add, del, help" obj
usage "etmemctl: obj: unknown command 'put'; one of add, del, help" obj put
usage "etmemctl: obj add: -f FILE is required" obj add
usage "etmemctl: obj del: -f FILE is required" obj del -s etmemd_socket
usage "etmemctl: obj add: unexpected argument 'x'" obj add x -f f
usage "etmemctl: project: missing command; one of start, stop, show, help" project
usage "etmemctl: project: unknown command 'run'" project run -n x
usage "etmemctl: project start: -n NAME is required (the project name)" project start
usage "etmemctl: project stop: -n NAME is required (the project name)" project stop -s sock
usage "etmemctl: project show: invalid project name 'a b'" project show -n "a b"
usage "etmemctl: project: option '-n' requires an argument" project start -n
usage "etmemctl: engine: missing command, e.g. showtaskpages or help" engine
usage "etmemctl: engine showtaskpages: -n PROJECT and -e ENGINE are required" engine showtaskpages -n p
usage "etmemctl: engine showtaskpages: -n PROJECT and -e ENGINE are required" engine showtaskpages --engine cslide
usage "etmemctl: engine showtaskpages: invalid task name 'a b'" engine showtaskpages -n p -e e --task_name "a b"

# -s SOCKET: accepted anywhere, noted once on stderr, otherwise ignored.
note="etmemctl: note: -s SOCKET is ignored; etmemd is reached over D-Bus (org.etmem)"
run "$ETMEMCTL" obj add -s etmemd_socket -f "$TMP/missing.conf" --socket again
[ "$rc" = 1 ] || fail "obj add with a missing file: exit $rc"
[ "$(grep -cF "$note" <<<"$err")" = 1 ] || fail "-s note not printed exactly once: $err"
grep -qF "etmemctl: $TMP/missing.conf: No such file or directory" <<<"$err" || fail "missing file message: $err"
run "$ETMEMCTL" project start -n test -s etmemd_socket
[ "$rc" = 1 ] && grep -qF "$note" <<<"$err" || fail "project start -s: rc=$rc $err"
run "$ETMEMCTL" engine showtaskpages -s etmemd_socket -n p -e cslide -t t1
[ "$rc" = 1 ] && grep -qF "$note" <<<"$err" || fail "engine -s: rc=$rc $err"

# --- failures that need no bus (exit 1) --------------------------------------------------------
expect 1 err "etmemctl: cannot connect to the system bus: No such file or directory" -- create-project p
expect 1 err "etmemctl: cannot connect to the system bus: No such file or directory" -- show
expect 1 err "etmemctl: cannot connect to the system bus" -- project show
expect 1 err "etmemctl: cannot connect to the bus at 'unix:path=$TMP/nope': No such file or directory" -- \
        --address "unix:path=$TMP/nope" status
expect 1 err "etmemctl: $TMP/none.conf: No such file or directory" -- apply -f "$TMP/none.conf"
printf '[project]\nname=a\0b\n' >"$TMP/nul.conf"
expect 1 err "etmemctl: $TMP/nul.conf: contains a NUL byte; not a configuration file" -- apply -f "$TMP/nul.conf"
printf '[project]\nname=\xff\n' >"$TMP/latin1.conf"
expect 1 err "etmemctl: $TMP/latin1.conf: not valid UTF-8 text" -- delete -f "$TMP/latin1.conf"
expect 1 err "etmemctl: $TMP: Is a directory" -- apply -f "$TMP"

echo "$checks runs, $failures failure(s)"
[ "$failures" = 0 ]
