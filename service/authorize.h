/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <systemd/sd-bus.h>

#define ACTION_INSPECT "org.etmem.inspect"
#define ACTION_MANAGE "org.etmem.manage"
#define ACTION_LOAD_ENGINE "org.etmem.load-engine"

/* polkit details for bus_authorize(): BUS_DETAILS("project", name, "engine", e) */
#define BUS_DETAILS(...) ((const char *const[]) { __VA_ARGS__, NULL })

/* May the sender of m perform action?  Call it after the arguments are read and
 * validated and before anything changes:
 *
 *         r = bus_authorize(msg, ACTION_MANAGE, BUS_DETAILS("project", name), error);
 *         if (r < 0)
 *                 return r;
 *         if (r == 0)
 *                 return 1;   (held: dispatched again when polkit answers)
 *
 * Returns 1 when allowed (uid 0 always is, without asking polkit), 0 when the
 * call is now held while polkit decides (the handler returns 1 without
 * replying; it runs again from the start later, so it must look its objects up
 * after this returns 1), or a negative errno with error set: AccessDenied,
 * InteractiveAuthorizationRequired or LimitsExceeded.  details are polkit's
 * a{ss} (keys "project", "engine", "task") or NULL.
 *
 * Reads are not checked: properties, GetManagedObjects, Introspect.  ExportConfig
 * is checked as org.etmem.manage: the whole configuration, every task's pids and
 * process names, goes to those who may change it (docs/security.md, Reading). */
int bus_authorize(sd_bus_message *m, const char *action, const char *const *details, sd_bus_error *error);
