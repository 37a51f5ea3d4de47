/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "object-tree.h"
#include "parse-util.h"

static const BusProperty project_map[] = {
        { "Name",               "s", offsetof(ProjectInfo, name) },
        { "State",              "s", offsetof(ProjectInfo, state) },
        { "LastError",          "s", offsetof(ProjectInfo, last_error) },
        { "Loop",               "u", offsetof(ProjectInfo, loop) },
        { "Interval",           "u", offsetof(ProjectInfo, interval) },
        { "Sleep",              "u", offsetof(ProjectInfo, sleep) },
        { "SysmemThreshold",    "i", offsetof(ProjectInfo, sysmem_threshold) },
        { "SwapcacheHighWmark", "i", offsetof(ProjectInfo, swapcache_high_wmark) },
        { "SwapcacheLowWmark",  "i", offsetof(ProjectInfo, swapcache_low_wmark) },
        { "Cycles",             "t", offsetof(ProjectInfo, cycles) },
        {}
};

static const BusProperty engine_map[] = {
        { "Name",    "s",     offsetof(EngineInfo, name) },
        { "Type",    "s",     offsetof(EngineInfo, type) },
        { "Project", "s",     offsetof(EngineInfo, project) },
        { "Params",  "a{ss}", offsetof(EngineInfo, params) },
        {}
};

static const BusProperty task_map[] = {
        { "Name",          "s",     offsetof(TaskInfo, name) },
        { "Project",       "s",     offsetof(TaskInfo, project) },
        { "Engine",        "s",     offsetof(TaskInfo, engine) },
        { "Type",          "s",     offsetof(TaskInfo, type) },
        { "Value",         "s",     offsetof(TaskInfo, value) },
        { "Params",        "a{ss}", offsetof(TaskInfo, params) },
        { "Pids",          "au",    offsetof(TaskInfo, pids) },
        { "Status",        "s",     offsetof(TaskInfo, status) },
        { "LastError",     "s",     offsetof(TaskInfo, last_error) },
        { "Cycles",        "t",     offsetof(TaskInfo, cycles) },
        { "PagesScanned",  "t",     offsetof(TaskInfo, pages_scanned) },
        { "PagesHot",      "t",     offsetof(TaskInfo, pages_hot) },
        { "PagesCold",     "t",     offsetof(TaskInfo, pages_cold) },
        { "BytesPagedOut", "t",     offsetof(TaskInfo, bytes_paged_out) },
        { "BytesMigrated", "t",     offsetof(TaskInfo, bytes_migrated) },
        { "LastCycleUsec", "t",     offsetof(TaskInfo, last_cycle_usec) },
        {}
};

void object_tree_done(ObjectTree *t) {
        for (size_t i = 0; i < t->n_projects; i++) {
                free(t->projects[i].name);
                free(t->projects[i].state);
                free(t->projects[i].last_error);
        }
        for (size_t i = 0; i < t->n_engines; i++) {
                free(t->engines[i].name);
                free(t->engines[i].type);
                free(t->engines[i].project);
                strv_free(t->engines[i].params);
        }
        for (size_t i = 0; i < t->n_tasks; i++) {
                TaskInfo *k = &t->tasks[i];

                free(k->name);
                free(k->project);
                free(k->engine);
                free(k->type);
                free(k->value);
                free(k->status);
                free(k->last_error);
                strv_free(k->params);
                free(k->pids.v);
        }
        free(t->projects);
        free(t->engines);
        free(t->tasks);
        *t = (ObjectTree) {};
}

/* Grows *array by one zeroed element of size elem and returns it. */
static void *append_zeroed(void **array, size_t *n, size_t elem) {
        uint8_t *a = reallocarray(*array, *n + 1, elem);

        if (!a)
                return NULL;
        *array = a;
        memset(a + *n * elem, 0, elem);
        return a + (*n)++ * elem;
}

static int parse_interfaces(sd_bus_message *m, ObjectTree *t) {
        const char *iface;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
                r = sd_bus_message_read_basic(m, 's', &iface);
                if (r < 0)
                        return r;
                if (streq(iface, ETMEM_PROJECT_IFACE)) {
                        ProjectInfo *p = append_zeroed((void **) &t->projects, &t->n_projects, sizeof(*p));

                        if (!p)
                                return -ENOMEM;
                        p->sysmem_threshold = p->swapcache_high_wmark = p->swapcache_low_wmark = -1;
                        r = bus_read_properties(m, project_map, p);
                } else if (streq(iface, ETMEM_ENGINE_IFACE)) {
                        EngineInfo *e = append_zeroed((void **) &t->engines, &t->n_engines, sizeof(*e));

                        if (!e)
                                return -ENOMEM;
                        r = bus_read_properties(m, engine_map, e);
                } else if (streq(iface, ETMEM_TASK_IFACE)) {
                        TaskInfo *k = append_zeroed((void **) &t->tasks, &t->n_tasks, sizeof(*k));

                        if (!k)
                                return -ENOMEM;
                        r = bus_read_properties(m, task_map, k);
                } else
                        r = sd_bus_message_skip(m, "a{sv}");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int cmp3(const char *a1, const char *b1, const char *a2, const char *b2,
                const char *a3, const char *b3) {
        int c = strcmp(strempty(a1), strempty(b1));

        if (c == 0)
                c = strcmp(strempty(a2), strempty(b2));
        if (c == 0)
                c = strcmp(strempty(a3), strempty(b3));
        return c;
}

static int project_cmp(const void *a, const void *b) {
        const ProjectInfo *x = a, *y = b;
        return cmp3(x->name, y->name, NULL, NULL, NULL, NULL);
}

static int engine_cmp(const void *a, const void *b) {
        const EngineInfo *x = a, *y = b;
        return cmp3(x->project, y->project, x->name, y->name, NULL, NULL);
}

static int task_cmp(const void *a, const void *b) {
        const TaskInfo *x = a, *y = b;
        return cmp3(x->project, y->project, x->engine, y->engine, x->name, y->name);
}

int object_tree_parse(sd_bus_message *m, ObjectTree *ret) {
        _cleanup_(object_tree_done) ObjectTree t = {};
        const char *path;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}")) > 0) {
                r = sd_bus_message_read_basic(m, 'o', &path);
                if (r < 0)
                        return r;
                r = parse_interfaces(m, &t);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        if (t.n_projects > 0)
                qsort(t.projects, t.n_projects, sizeof(ProjectInfo), project_cmp);
        if (t.n_engines > 0)
                qsort(t.engines, t.n_engines, sizeof(EngineInfo), engine_cmp);
        if (t.n_tasks > 0)
                qsort(t.tasks, t.n_tasks, sizeof(TaskInfo), task_cmp);
        *ret = t;
        t = (ObjectTree) {};
        return 0;
}

int object_tree_fetch(Context *ctx, ObjectTree *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = bus_new_call(ctx, ETMEM_ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                         "GetManagedObjects", &m);
        if (r != 0)
                return r;
        r = bus_call(ctx, m, NULL, &reply);
        if (r != 0)
                return r;
        r = object_tree_parse(reply, ret);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return bus_log_parse_error(r);
        return 0;
}

const ProjectInfo *object_tree_find_project(const ObjectTree *t, const char *name) {
        for (size_t i = 0; i < t->n_projects; i++)
                if (streq_ptr(t->projects[i].name, name))
                        return &t->projects[i];
        return NULL;
}
