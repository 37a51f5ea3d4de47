/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the bus layer (manager-bus.c, project-bus.c, engine-bus.c, task-bus.c) works on:
 * the bus, the tree and what operations on the tree need.  The manager owns one; a
 * handler reaches it from any object through the tree it belongs to. */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "apply.h"
#include "lifecycle.h"
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
        Lifecycle lifecycle;  /* runs of the tree's tasks */
        /* KernelFeatures, probed at start and then on a timer, never on a read: the DAMON
         * probe writes nr_kdamonds, which no caller should be able to trigger. */
        char **features;

        /* Asks for the tree to be written to the state directory (coalesced); the manager's. */
        void (*schedule_save)(BusContext *ctx);
};

static inline BusContext *bus_context_of_tree(Tree *t) {
        return container_of(t, BusContext, tree);
}

static inline ApplyEnv bus_context_apply_env(BusContext *ctx) {
        return (ApplyEnv) { &ctx->tree, &ctx->lifecycle, &ctx->plugins, &ctx->dirs };
}

static inline void bus_context_schedule_save(BusContext *ctx) {
        if (ctx->schedule_save)
                ctx->schedule_save(ctx);
}
