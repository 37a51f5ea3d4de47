/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <poll.h>

#include "engine.h"
#include "lifecycle.h"
#include "log.h"
#include "macro.h"
#include "project.h"
#include "runner.h"
#include "task.h"
#include "tree.h"

void lifecycle_init(Lifecycle *lc, Tree *tree) {
        *lc = (Lifecycle) { .tree = tree, .notify_fd = -1 };
}

void lifecycle_done(Lifecycle *lc) {
        for (size_t i = 0; i < lc->n_draining; i++) {
                Task *t = lc->draining[i].task;

                if (t && t->stopping == lc->draining[i].run)
                        t->stopping = runner_unref(t->stopping);
                runner_unref(lc->draining[i].run);
        }
        free(lc->draining);
        lc->draining = NULL;
        lc->n_draining = lc->cap_draining = 0;
}

int lifecycle_task_start(Lifecycle *lc, Task *t, ConfigError *error) {
        RunSpec spec;
        int r;

        if (t->run)
                return 0;
        if (t->stopping)
                return config_error_message(error, -EBUSY,
                                            "task '%s' is still stopping its previous run; try again shortly", t->name);
        spec = (RunSpec) {
                .impl = t->impl,
                .task = { t->engine->project->name, t->engine->name, t->name, t->type, t->value },
                .cycles = t->figures.cycles,
                .notify_fd = lc->notify_fd,
        };
        project_plugin_info(t->engine->project, &spec.project);
        memcpy(spec.counters, t->figures.counters, sizeof spec.counters);
        r = runner_start(&spec, &t->run);
        if (r < 0)
                return config_error_message(error, r, "cannot start a worker for task '%s': %s", t->name,
                                            strerror(-r));
        free(t->figures.last_error);
        t->figures.last_error = NULL;
        return 0;
}

void lifecycle_task_stop(Lifecycle *lc, Task *t) {
        RunSnapshot s;

        if (!t->run)
                return;
        runner_cancel(t->run);
        if (runner_finished(t->run)) {
                runner_join(t->run);
                if (runner_take_snapshot(t->run, &s))
                        task_set_figures(t, &s);
                t->run = runner_unref(t->run);
                return;
        }
        /* Don't wait: the worker returns on its own; lifecycle_collect() joins it later. */
        if (GREEDY_REALLOC(lc->draining, lc->cap_draining, lc->n_draining + 1) < 0) {
                /* out of memory: wait for it instead of leaking a thread */
                (void) runner_wait(t->run, UINT64_MAX);
                t->run = runner_unref(t->run);
                return;
        }
        lc->draining[lc->n_draining++] = (DrainEntry) { runner_ref(t->run), t };
        t->stopping = TAKE_PTR(t->run);
}

int lifecycle_project_start(Lifecycle *lc, Project *p, ConfigError *error) {
        int r;

        r = project_check_start(p, error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_engines; i++)
                for (size_t j = 0; j < p->engines[i]->n_tasks; j++)
                        if (p->engines[i]->tasks[j]->stopping)
                                return config_error_message(error, -EBUSY,
                                                            "task '%s' of project '%s' is still stopping its previous run; try again shortly",
                                                            p->engines[i]->tasks[j]->name, p->name);
        for (size_t i = 0; i < p->n_engines; i++)
                for (size_t j = 0; j < p->engines[i]->n_tasks; j++) {
                        r = lifecycle_task_start(lc, p->engines[i]->tasks[j], error);
                        if (r < 0) {
                                lifecycle_project_stop(lc, p);
                                return r;
                        }
                }
        tree_set_project_state(lc->tree, p, PROJECT_RUNNING, NULL);
        log_info("project %s started", p->name);
        return 0;
}

void lifecycle_project_stop(Lifecycle *lc, Project *p) {
        for (size_t i = 0; i < p->n_engines; i++)
                for (size_t j = 0; j < p->engines[i]->n_tasks; j++)
                        lifecycle_task_stop(lc, p->engines[i]->tasks[j]);
        tree_set_project_state(lc->tree, p, PROJECT_STOPPED, NULL);
}

/* The draining list keeps its own reference until the worker returns. */
static void forget_stopping(Lifecycle *lc, Task *t) {
        if (!t->stopping)
                return;
        for (size_t i = 0; i < lc->n_draining; i++)
                if (lc->draining[i].task == t)
                        lc->draining[i].task = NULL;
        t->stopping = runner_unref(t->stopping);
}

void lifecycle_task_remove(Lifecycle *lc, Task *t) {
        tree_removing(lc->tree, OBJ_TASK, t);
        lifecycle_task_stop(lc, t);
        forget_stopping(lc, t);
        tree_detach_task(lc->tree, t);
        task_free(t);
}

void lifecycle_engine_remove(Lifecycle *lc, Engine *e) {
        while (e->n_tasks > 0)
                lifecycle_task_remove(lc, e->tasks[e->n_tasks - 1]);
        tree_removing(lc->tree, OBJ_ENGINE, e);
        tree_detach_engine(lc->tree, e);
        engine_free(e);
}

void lifecycle_project_remove(Lifecycle *lc, Project *p) {
        lifecycle_project_stop(lc, p);
        while (p->n_engines > 0)
                lifecycle_engine_remove(lc, p->engines[p->n_engines - 1]);
        tree_removing(lc->tree, OBJ_PROJECT, p);
        tree_detach_project(lc->tree, p);
        project_free(p);
}

void lifecycle_stop_all(Lifecycle *lc) {
        Tree *t = lc->tree;

        for (size_t i = 0; i < t->n_projects; i++)
                for (size_t j = 0; j < t->projects[i]->n_engines; j++)
                        for (size_t k = 0; k < t->projects[i]->engines[j]->n_tasks; k++)
                                lifecycle_task_stop(lc, t->projects[i]->engines[j]->tasks[k]);
}

bool lifecycle_collect(Lifecycle *lc) {
        bool save = false;

        for (size_t i = 0; i < lc->n_draining;) {
                TaskRun *r = lc->draining[i].run;
                Task *owner = lc->draining[i].task;
                RunSnapshot s;

                if (!runner_finished(r)) {
                        i++;
                        continue;
                }
                runner_join(r);
                if (owner && owner->stopping == r) {
                        if (runner_take_snapshot(r, &s)) {
                                task_set_figures(owner, &s);
                                tree_changed(lc->tree, OBJ_TASK, owner, TREE_CHANGE_FIGURES);
                        }
                        owner->stopping = runner_unref(owner->stopping);
                }
                runner_unref(r);
                ARRAY_REMOVE(lc->draining, lc->n_draining, i);
        }
        for (size_t i = 0; i < lc->tree->n_projects; i++) {
                Project *p = lc->tree->projects[i];
                bool published = false;

                for (size_t j = 0; j < p->n_engines; j++)
                        for (size_t k = 0; k < p->engines[j]->n_tasks; k++) {
                                Task *t = p->engines[j]->tasks[k];
                                RunSnapshot s;

                                unsigned long long bound = t->impl ?
                                        __atomic_load_n(&t->impl->bound_starttime, __ATOMIC_SEQ_CST) : 0;

                                if (bound != t->binding_seen) {
                                        t->binding_seen = bound;
                                        save = true;
                                }
                                if (t->run && runner_take_snapshot(t->run, &s)) {
                                        task_set_figures(t, &s);
                                        tree_changed(lc->tree, OBJ_TASK, t, TREE_CHANGE_FIGURES);
                                        published = true;
                                }
                        }
                if (published)
                        tree_changed(lc->tree, OBJ_PROJECT, p, TREE_CHANGE_CYCLES);
        }
        return save;
}

void lifecycle_drain(Lifecycle *lc, uint64_t timeout_usec) {
        uint64_t step = 10000;

        for (uint64_t waited = 0; lc->n_draining > 0 && waited < timeout_usec; waited += step) {
                (void) lifecycle_collect(lc);
                if (lc->n_draining > 0)
                        (void) poll(NULL, 0, (int) (step / 1000));
        }
        (void) lifecycle_collect(lc);
        if (lc->n_draining > 0)
                log_warning("%zu worker(s) did not return in time", lc->n_draining);
}
