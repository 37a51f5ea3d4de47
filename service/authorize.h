/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <systemd/sd-bus.h>

#define ACTION_INSPECT "org.etmem.inspect"
#define ACTION_MANAGE "org.etmem.manage"
#define ACTION_LOAD_ENGINE "org.etmem.load-engine"

/* Returns > 0 if the sender of m may perform action, or a negative errno with
 * error set (org.freedesktop.DBus.Error.AccessDenied).  uid 0 passes; everyone
 * else is denied until the polkit check lands (deny on doubt). */
int bus_authorize(sd_bus_message *m, const char *action, sd_bus_error *error);
