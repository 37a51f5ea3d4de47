/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>

#include "macro.h"
#include "task.h"

int task_new(Engine *e, const char *name, const char *type, const char *value, char **params, TaskImpl *impl,
             Task **ret) {
        _cleanup_(task_freep) Task *t = NULL;

        t = calloc(1, sizeof *t);
        if (!t) {
                task_impl_unref(impl);
                strv_free(params);
                return -ENOMEM;
        }
        t->engine = e;
        t->impl = impl;
        t->params = params;
        t->name = strdup(name);
        t->type = strdup(type);
        t->value = strdup(value);
        if (!t->name || !t->type || !t->value)
                return -ENOMEM;
        *ret = TAKE_PTR(t);
        return 0;
}

Task *task_free(Task *t) {
        if (!t)
                return NULL;
        /* lifecycle.c stops a task and lets go of its runs before it is freed */
        task_impl_unref(t->impl);
        strv_free(t->params);
        free(t->name);
        free(t->type);
        free(t->value);
        task_figures_done(&t->figures);
        free(t);
        return NULL;
}

void task_set_figures(Task *t, TaskFigures *f) {
        task_figures_done(&t->figures);
        t->figures = *f;
        *f = (TaskFigures) {};
}
