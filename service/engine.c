/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>

#include "engine.h"
#include "macro.h"
#include "task.h"

int engine_new(Project *p, const char *name, const char *type, const char *libname, const char *ops_name,
               char **params, EngineImpl *impl, Engine **ret) {
        _cleanup_(engine_freep) Engine *e = NULL;

        e = calloc(1, sizeof *e);
        if (!e) {
                engine_impl_unref(impl);
                strv_free(params);
                return -ENOMEM;
        }
        e->project = p;
        e->impl = impl;
        e->params = params;
        e->name = strdup(name);
        e->type = strdup(type);
        if (!e->name || !e->type)
                return -ENOMEM;
        if (libname && !(e->libname = strdup(libname)))
                return -ENOMEM;
        if (ops_name && !(e->ops_name = strdup(ops_name)))
                return -ENOMEM;
        *ret = TAKE_PTR(e);
        return 0;
}

Engine *engine_free(Engine *e) {
        if (!e)
                return NULL;
        for (size_t i = 0; i < e->n_tasks; i++)
                task_free(e->tasks[i]);
        free(e->tasks);
        engine_impl_unref(e->impl);
        strv_free(e->params);
        free(e->name);
        free(e->type);
        free(e->libname);
        free(e->ops_name);
        free(e);
        return NULL;
}

Task *engine_find_task(Engine *e, const char *name) {
        for (size_t i = 0; i < e->n_tasks; i++)
                if (streq(e->tasks[i]->name, name))
                        return e->tasks[i];
        return NULL;
}

int engine_reserve_tasks(Engine *e, size_t n) {
        return GREEDY_REALLOC(e->tasks, e->cap_tasks, e->n_tasks + n);
}

/* Params are what the state file and ExportConfig read. */
int engine_params_merged(const Engine *e, char **args, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;

        for (char **p = e->params; p && p[0]; p += 2)
                n += 2;
        for (char **a = args; a && a[0]; a += 2)
                n += 2;
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        n = 0;
        for (char **p = e->params; p && p[0] && p[1]; p += 2, n += 2)
                if (!(l[n] = strdup(p[0])) || !(l[n + 1] = strdup(p[1])))
                        return -ENOMEM;
        for (char **a = args; a && a[0] && a[1]; a += 2) {
                size_t i = 0;

                if (streq(a[0], "task"))
                        continue;
                while (i < n && !streq(l[i], a[0]))
                        i += 2;
                if (i == n && !(l[n] = strdup(a[0])))
                        return -ENOMEM;
                free(l[i + 1]);
                if (!(l[i + 1] = strdup(a[1])))
                        return -ENOMEM;
                if (i == n)
                        n += 2;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

void engine_set_params(Engine *e, char **params) {
        strv_free(e->params);
        e->params = params;
}
