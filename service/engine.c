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
int engine_params_merge(Engine *e, char **args) {
        char ***params = &e->params;

        for (char **a = args; a && a[0] && a[1]; a += 2) {
                char **p = *params;
                size_t n = 0;
                bool found = false;

                if (streq(a[0], "task"))
                        continue;
                for (; p && p[n]; n += 2)
                        if (streq(p[n], a[0])) {
                                char *v = strdup(a[1]);
                                if (!v)
                                        return -ENOMEM;
                                free(p[n + 1]);
                                p[n + 1] = v;
                                found = true;
                                break;
                        }
                if (found)
                        continue;
                for (n = 0; p && p[n]; n++)
                        ;
                p = realloc(p, (n + 3) * sizeof(char *));
                if (!p)
                        return -ENOMEM;
                *params = p;
                p[n] = strdup(a[0]);
                p[n + 1] = strdup(a[1]);
                p[n + 2] = NULL;
                if (!p[n] || !p[n + 1])
                        return -ENOMEM;
        }
        return 0;
}

