/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.etmem.Task1 at /org/etmem/project/P/engine/E/task/T: properties only. */
#include <stddef.h>

#include "bus-context.h"
#include "bus-names.h"
#include "bus-objects.h"
#include "bus-util.h"
#include "engine.h"
#include "macro.h"
#include "plugin.h"
#include "project.h"
#include "task-bus.h"
#include "task.h"
#include "tree.h"

int task_bus_path(const Task *t, char **ret) {
        return etmem_object_path(t->engine->project->name, t->engine->name, t->name, ret);
}

int task_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                     sd_bus_error *error) {
        BusContext *ctx = userdata;
        _cleanup_free_ char *pname = NULL, *ename = NULL, *tname = NULL;
        Task *t;

        if (etmem_object_path_decode(path, &pname, &ename, &tname) < 0 || !tname)
                return 0;
        t = tree_find_task(&ctx->tree, pname, ename, tname);
        if (!t)
                return 0;
        *found = t;
        return 1;
}

static int property_get_params(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Task *t = userdata;
        return bus_append_params(reply, t->params);
}

static int property_get_pids(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Task *t = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "u");
        if (r < 0)
                return r;
        for (size_t i = 0; i < t->figures.n_pids; i++) {
                uint32_t pid = (uint32_t) t->figures.pids[i];

                r = sd_bus_message_append_basic(reply, SD_BUS_TYPE_UINT32, &pid);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* The worker threads a run of this task uses: max_threads after the engine clamped it
 * (upstream etmem's rule: 1..2 * CPUs + 1), so a clamp the log warned of is visible here. */
static int property_get_max_threads(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Task *t = userdata;
        uint32_t n = t->impl && t->impl->conf.max_threads ? t->impl->conf.max_threads : 1;

        return sd_bus_message_append_basic(reply, SD_BUS_TYPE_UINT32, &n);
}

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Task *t = userdata;
        const char *v;

        if (streq(property, "Project"))
                v = t->engine->project->name;
        else if (streq(property, "Engine"))
                v = t->engine->name;
        else if (streq(property, "Status"))
                v = t->figures.status ? t->figures.status : (t->run ? "running" : "stopped");
        else
                v = strempty(t->figures.last_error);
        return sd_bus_message_append_basic(reply, SD_BUS_TYPE_STRING, v);
}

#define COUNTER(name, c) \
        SD_BUS_PROPERTY(name, "t", NULL, offsetof(Task, figures.counters) + (c) * sizeof(uint64_t), \
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

const sd_bus_vtable task_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", NULL, offsetof(Task, name), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Project", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Engine", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Type", "s", NULL, offsetof(Task, type), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Value", "s", NULL, offsetof(Task, value), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Params", "a{ss}", property_get_params, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("MaxThreads", "u", property_get_max_threads, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Pids", "au", property_get_pids, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Status", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastError", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Cycles", "t", NULL, offsetof(Task, figures.cycles), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        COUNTER("PagesScanned", ETMEM_COUNTER_PAGES_SCANNED),
        COUNTER("PagesHot", ETMEM_COUNTER_PAGES_HOT),
        COUNTER("PagesCold", ETMEM_COUNTER_PAGES_COLD),
        COUNTER("BytesPagedOut", ETMEM_COUNTER_BYTES_PAGED_OUT),
        COUNTER("BytesMigrated", ETMEM_COUNTER_BYTES_MIGRATED),
        SD_BUS_PROPERTY("LastCycleUsec", "t", NULL, offsetof(Task, figures.last_cycle_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};
