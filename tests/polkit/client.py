# SPDX-License-Identifier: GPL-2.0-or-later
"""Run by the polkit tests as user nobody: `client.py ADDRESS calls|disconnect`, input JSON on stdin.

calls:      [{"path", "iface", "method", "sig", "args", "timeout"}...] -> first line {"unique_name"},
            then one line per call: {"ok": value} or {"error": name, "message": text}, plus "seconds".
flood:      {"connections", "calls", "timeout"} -> every connection sends every call at once
            without waiting (GLib main loop) -> first line {"unique_names"}, then one line per
            call, connection by connection, as for calls.
disconnect: {"count", "name", "max_sleep", "min_period"} -> for each try a new connection sends CreateProject(name)
            without expecting a reply, waits a random 0..max_sleep s and closes; the output is
            {"unique_name": null} then {"sent": count}."""

import json
import random
import sys
import time

import dbus
import dbus.lowlevel


def plain(v):
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32, dbus.Int64, dbus.UInt64)):
        return int(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(v)
    if isinstance(v, (dict, dbus.Dictionary)):
        return {plain(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, dbus.Array, dbus.Struct)):
        return [plain(x) for x in v]
    return v


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def run_calls(address, calls):
    conn = dbus.bus.BusConnection(address)
    emit({'unique_name': conn.get_unique_name()})
    for c in calls:
        t0 = time.monotonic()
        try:
            r = conn.call_blocking('org.etmem', c['path'], c['iface'], c['method'], c['sig'], c['args'],
                                   timeout=c.get('timeout', 30))
            res = {'ok': plain(r)}
        except dbus.exceptions.DBusException as e:
            res = {'error': e.get_dbus_name(), 'message': e.get_dbus_message()}
        res['seconds'] = time.monotonic() - t0
        emit(res)


def run_flood(address, spec):
    from dbus.mainloop.glib import DBusGMainLoop
    from gi.repository import GLib

    loop = GLib.MainLoop()
    DBusGMainLoop(set_as_default=True)
    conns = [dbus.bus.BusConnection(address) for _ in range(spec['connections'])]
    emit({'unique_names': [c.get_unique_name() for c in conns]})
    results = [[None] * len(spec['calls']) for _ in conns]
    left = [len(conns) * len(spec['calls'])]
    t0 = time.monotonic()

    def done(ci, i, res):
        res['seconds'] = time.monotonic() - t0
        results[ci][i] = res
        left[0] -= 1
        if left[0] == 0:
            loop.quit()

    for ci, conn in enumerate(conns):
        for i, c in enumerate(spec['calls']):
            conn.call_async('org.etmem', c['path'], c['iface'], c['method'], c['sig'], c['args'],
                            reply_handler=lambda *r, ci=ci, i=i: done(ci, i, {'ok': plain(list(r))}),
                            error_handler=lambda e, ci=ci, i=i: done(ci, i, {'error': e.get_dbus_name(),
                                                                             'message': e.get_dbus_message()}),
                            timeout=c.get('timeout', 30))
    GLib.timeout_add(int(spec.get('timeout', 60) * 1000), loop.quit)
    loop.run()
    for per_conn in results:
        for res in per_conn:
            emit(res if res is not None else {'error': 'no answer', 'message': 'none within the flood timeout'})


def run_disconnect(address, spec):
    emit({'unique_name': None})
    options = {'loop': dbus.UInt32(1), 'interval': dbus.UInt32(1), 'sleep': dbus.UInt32(1)}
    for _ in range(spec['count']):
        conn = dbus.bus.BusConnection(address)
        msg = dbus.lowlevel.MethodCallMessage('org.etmem', '/org/etmem', 'org.etmem.Manager1', 'CreateProject')
        msg.append(spec['name'], options, signature='sa{sv}')
        msg.set_no_reply(True)
        conn.send_message(msg)
        conn.flush()
        t0 = time.monotonic()
        time.sleep(random.uniform(0, spec['max_sleep']))
        conn.close()
        # paced, so that checks do not pile up past etmemd's per-user limit
        time.sleep(max(0.0, spec.get('min_period', 0) - (time.monotonic() - t0)))
    emit({'sent': spec['count']})


def main():
    address, mode = sys.argv[1], sys.argv[2]
    spec = json.load(sys.stdin)
    if mode == 'calls':
        run_calls(address, spec)
    elif mode == 'flood':
        run_flood(address, spec)
    elif mode == 'disconnect':
        run_disconnect(address, spec)
    else:
        sys.exit('unknown mode %r' % mode)


if __name__ == '__main__':
    main()
