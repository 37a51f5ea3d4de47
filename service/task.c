/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>

#include "bus-util.h"
#include "engine.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "project.h"
#include "runner.h"
#include "task.h"
#include "tree.h"

int task_new(Engine *e, const char *name, const char *type, const char *value, char **params, TaskImpl *impl,
             Task **ret) {
        _cleanup_(task_freep) Task *t = NULL;
        int r;

        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        t->engine = e;
        t->impl = impl;
        t->params = params;
        t->name = strdup(name);
        t->type = strdup(type);
        t->value = strdup(value);
        if (!t->name || !t->type || !t->value)
                return -ENOMEM;
        r = bus_child_path(e->path, "task", name, &t->path);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}

Task *task_free(Task *t) {
        if (!t)
                return NULL;
        if (t->run) {
                runner_cancel(t->run);
                t->run = runner_unref(t->run);
        }
        if (t->stopping) {
                /* the manager's draining list holds its own reference until the worker returns */
                manager_forget_draining(container_of(t->engine->project->tree, Manager, tree), t);
                t->stopping = runner_unref(t->stopping);
        }
        task_impl_unref(t->impl);
        strv_free(t->params);
        free(t->name);
        free(t->path);
        free(t->type);
        free(t->value);
        task_figures_done(&t->figures);
        free(t);
        return NULL;
}

int task_start(Task *t, sd_bus_error *error) {
        Manager *m = container_of(t->engine->project->tree, Manager, tree);
        int r;

        if (t->run)
                return 0;
        if (t->stopping)
                return sd_bus_error_setf(error, ETMEM_ERROR_BUSY,
                                         "task '%s' is still stopping its previous run; try again shortly", t->name);
        RunSpec spec = {
                .impl = t->impl,
                .task = { t->engine->project->name, t->engine->name, t->name, t->type, t->value },
                .cycles = t->figures.cycles,
                .notify_fd = m->notify_fd,
        };
        project_info(t->engine->project, &spec.project);
        memcpy(spec.counters, t->figures.counters, sizeof spec.counters);
        r = runner_start(&spec, &t->run);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot start a worker for task '%s': %m", t->name);
        free(t->figures.last_error);
        t->figures.last_error = NULL;
        return 0;
}

void task_stop(Task *t) {
        Manager *m = container_of(t->engine->project->tree, Manager, tree);

        if (!t->run)
                return;
        runner_cancel(t->run);
        if (runner_finished(t->run)) {
                RunSnapshot s;

                runner_join(t->run);
                if (runner_take_snapshot(t->run, &s))
                        task_set_figures(t, &s);
                t->run = runner_unref(t->run);
                return;
        }
        /* Don't wait: the worker returns on its own; the manager joins it later. */
        if (manager_add_draining(m, t->run, t) < 0) {
                /* out of memory: wait for it instead of leaking a thread */
                (void) runner_wait(t->run, UINT64_MAX);
                t->run = runner_unref(t->run);
                return;
        }
        t->stopping = TAKE_PTR(t->run);
}

void task_set_figures(Task *t, TaskFigures *f) {
        task_figures_done(&t->figures);
        t->figures = *f;
        *f = (TaskFigures) {};
}

void task_publish(Task *t) {
        tree_changed(t->engine->project->tree, OBJ_TASK, t, TREE_CHANGE_FIGURES);
}

void task_remove(Task *t) {
        Engine *e = t->engine;

        tree_removing(e->project->tree, OBJ_TASK, t);
        task_stop(t);
        for (size_t i = 0; i < e->n_tasks; i++)
                if (e->tasks[i] == t) {
                        ARRAY_REMOVE(e->tasks, e->n_tasks, i);
                        break;
                }
        e->project->tree->n_objects--;
        task_free(t);
}

int task_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                     sd_bus_error *error) {
        Task *t = NULL;

        if (manager_lookup_path(userdata, path, NULL, NULL, &t) < 0 || !t)
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
                r = sd_bus_message_append(reply, "u", (uint32_t) t->figures.pids[i]);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
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
        return sd_bus_message_append(reply, "s", v);
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
