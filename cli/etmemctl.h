/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every etmemctl verb shares: the invocation context and the verb entry points. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "bus-names.h"

/* Exit statuses: 0 success, 1 the operation failed (bus error, I/O), 2 bad usage.
 * Usage errors are always detected before the bus is touched, so they can be tested
 * without a daemon. */
#define EXIT_USAGE 2


typedef struct Context {
        const char *address;   /* --address; NULL: the system bus (DBUS_SYSTEM_BUS_ADDRESS) */
        bool json;             /* --json: machine-readable output */
        bool verbose;          /* --verbose: D-Bus error names with every error */
        bool ask_password;     /* allow polkit to ask interactively (stdin is a tty) */
        bool socket_noted;     /* etmem's -s was reported once already */
        sd_bus *bus;           /* connected lazily by bus_get() */
} Context;

/* Every verb gets argv[0] = its own name and returns an exit status. */
typedef int (*VerbFunction)(Context *ctx, int argc, char **argv);

int verb_create_project(Context *ctx, int argc, char **argv);
int verb_remove_project(Context *ctx, int argc, char **argv);
int verb_add_engine(Context *ctx, int argc, char **argv);
int verb_remove_engine(Context *ctx, int argc, char **argv);
int verb_add_task(Context *ctx, int argc, char **argv);
int verb_remove_task(Context *ctx, int argc, char **argv);
int verb_start(Context *ctx, int argc, char **argv);
int verb_stop(Context *ctx, int argc, char **argv);
int verb_show(Context *ctx, int argc, char **argv);
int verb_status(Context *ctx, int argc, char **argv);
int verb_apply(Context *ctx, int argc, char **argv);
int verb_delete(Context *ctx, int argc, char **argv);
int verb_command(Context *ctx, int argc, char **argv);
int verb_features(Context *ctx, int argc, char **argv);
int verb_metrics(Context *ctx, int argc, char **argv);
int verb_advise(Context *ctx, int argc, char **argv);

/* etmem's own command groups (verbs-compat.c). */
int verb_obj(Context *ctx, int argc, char **argv);
int verb_project(Context *ctx, int argc, char **argv);
int verb_engine(Context *ctx, int argc, char **argv);

/* Shared implementations the etmem verbs reuse (show.c, verbs-config.c). */
int show_objects(Context *ctx, const char *project);   /* tables, or JSON with --json */
int config_send(Context *ctx, const char *method, const char *file, const char *format, bool print);
int project_start_stop(Context *ctx, const char *verb, const char *project, bool start);
int engine_command(Context *ctx, const char *project, const char *engine, const char *cmd,
                   const char *task, char **kv);

/* The name the program was run as ("etmemctl" or "etmem"), for messages. */
const char *program_name(void);
