/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Talking to etmemd: connecting, object paths, calls with readable errors, a{sv}. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "etmemctl.h"

/* Paths per the API contract; names are escaped with sd_bus_path_encode. -errno. */
int bus_project_path(const char *project, char **ret);
int bus_engine_path(const char *project, const char *engine, char **ret);
int bus_task_path(const char *project, const char *engine, const char *task, char **ret);

/* The helpers below print their own message and return 0 or an exit status. */

/* Connects on first use: --address if given, else the system bus. */
int bus_get(Context *ctx, sd_bus **ret);
int bus_new_call(Context *ctx, const char *path, const char *iface, const char *member,
                 sd_bus_message **ret);
/* what: the object addressed ("project 'x'"), used when the daemon does not know the
 * path at all; NULL if not applicable. */
int bus_call(Context *ctx, sd_bus_message *m, const char *what, sd_bus_message **ret_reply);
int bus_log_create_error(int r);
int bus_log_parse_error(int r);
/* Prints the "o" or "ao" at the read position of reply: one per line, or with --json a
 * JSON list. */
int bus_print_object_paths(Context *ctx, sd_bus_message *reply);

/* Plain helpers, -errno. */

/* Appends {sv} entries with string variants from an alternating key/value list; the
 * caller opens and closes the "a{sv}" container. */
int bus_append_string_entries(sd_bus_message *m, char **kv);

typedef struct BusUint32Array {
        uint32_t *v;
        size_t n;
} BusUint32Array;

/* One property to pick from an a{sv}: signature "s" (char *), "u" (uint32_t), "i"
 * (int32_t), "t" (uint64_t), "as" (char **), "a{ss}" (char **, alternating key/value,
 * sorted by key), "au" (BusUint32Array). Others and mismatched types are skipped. */
typedef struct BusProperty {
        const char *name;
        const char *signature;
        size_t offset;
} BusProperty;

/* Reads an a{sv} at the read position into the fields of userdata named by map
 * (terminated by an entry with name NULL). Previous values of string fields are freed. */
int bus_read_properties(sd_bus_message *m, const BusProperty *map, void *userdata);

/* Properties.GetAll of iface on path into userdata, as bus_read_properties; prints
 * errors, returns 0 or an exit status. */
int bus_get_all(Context *ctx, const char *path, const char *iface, const BusProperty *map, void *userdata);
