# SPDX-License-Identifier: GPL-2.0-or-later
"""Run by the polkit tests as user nobody: `client.py ADDRESS calls|disconnect`, input JSON on stdin.

calls:      [{"path", "iface", "method", "sig", "args", "timeout"}...] -> first line {"unique_name"},
            then one line per call: {"ok": value} or {"error": name, "message": text}, plus "seconds".
disconnect: {"count", "name", "max_sleep"} -> for each try a new connection sends CreateProject(name)
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
        time.sleep(random.uniform(0, spec['max_sleep']))
        conn.close()
    emit({'sent': spec['count']})


def main():
    address, mode = sys.argv[1], sys.argv[2]
    spec = json.load(sys.stdin)
    if mode == 'calls':
        run_calls(address, spec)
    elif mode == 'disconnect':
        run_disconnect(address, spec)
    else:
        sys.exit('unknown mode %r' % mode)


if __name__ == '__main__':
    main()
