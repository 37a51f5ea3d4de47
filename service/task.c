/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>

#include "engine.h"
#include "log.h"
#include "macro.h"
#include "bus-context.h"
#include "project.h"
#include "runner.h"
#include "task.h"
#include "tree.h"

int task_new(Engine *e, const char *name, const char *type, const char *value, char **params, TaskImpl *impl,
             Task **ret) {
        _cleanup_(task_freep) Task *t = NULL;

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
                draining_forget(bus_context_of_tree(t->engine->project->tree), t);
                t->stopping = runner_unref(t->stopping);
        }
        task_impl_unref(t->impl);
        strv_free(t->params);
        free(t->name);
        free(t->type);
        free(t->value);
        task_figures_done(&t->figures);
        free(t);
        return NULL;
}

int task_start(Task *t, ConfigError *error) {
        BusContext *m = bus_context_of_tree(t->engine->project->tree);
        int r;

        if (t->run)
                return 0;
        if (t->stopping)
                return config_error_message(error, -EBUSY,
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
                return config_error_message(error, r, "cannot start a worker for task '%s': %s", t->name,
                                            strerror(-r));
        free(t->figures.last_error);
        t->figures.last_error = NULL;
        return 0;
}

void task_stop(Task *t) {
        BusContext *m = bus_context_of_tree(t->engine->project->tree);

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
        if (draining_add(m, t->run, t) < 0) {
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

