/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the bus layer (manager-bus.c, project-bus.c, engine-bus.c, task-bus.c) works on:
 * the bus, the tree and what operations on the tree need.  The manager owns one; a
 * handler reaches it from any object through the tree it belongs to. */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "apply.h"
#include "macro.h"
#include "plugin.h"
#include "tree.h"
#include "types.h"

typedef struct BusContext BusContext;

struct BusContext {
        sd_event *event;
        sd_bus *bus;
        Tree tree;
        PluginDirs dirs;
        Plugin *plugins;      /* cache of loaded plugins */

        /* Workers report through this eventfd; runs that were stopped but whose
         * thread has not returned yet wait in `draining`. */
        int notify_fd;
        struct DrainEntry {
                TaskRun *run;
                Task *task;   /* NULL once the task went away */
        } *draining;
        size_t n_draining, cap_draining;

        /* Asks for the tree to be written to the state directory (coalesced); the manager's. */
        void (*schedule_save)(BusContext *ctx);
};

static inline BusContext *bus_context_of_tree(Tree *t) {
        return container_of(t, BusContext, tree);
}

static inline ApplyEnv bus_context_apply_env(BusContext *ctx) {
        return (ApplyEnv) { &ctx->tree, &ctx->plugins, &ctx->dirs };
}

static inline void bus_context_schedule_save(BusContext *ctx) {
        if (ctx->schedule_save)
                ctx->schedule_save(ctx);
}

/* Keeps a stopped run of task t until its worker returns (manager.c). */
int draining_add(BusContext *ctx, TaskRun *r, Task *t);
/* Task t goes away: its draining run (if any) no longer reports to it. */
void draining_forget(BusContext *ctx, Task *t);
