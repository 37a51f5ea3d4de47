/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>

#include "engine.h"
#include "macro.h"
#include "plugin.h"
#include "project.h"
#include "task.h"

static const char *const state_names[] = {
        [PROJECT_STOPPED] = "stopped",
        [PROJECT_RUNNING] = "running",
        [PROJECT_FAILED] = "failed",
};

const char *project_state_to_string(ProjectState s) {
        return state_names[s];
}

int project_new(Tree *t, const ProjectSpec *spec, Project **ret) {
        _cleanup_(project_freep) Project *p = NULL;

        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->tree = t;
        p->name = strdup(spec->name);
        if (!p->name)
                return -ENOMEM;
        p->scan_type = spec->scan_type && streq(spec->scan_type, "psi") ? "psi" : "page";
        p->loop = spec->loop;
        p->interval = spec->interval;
        p->sleep = spec->sleep;
        p->sysmem_threshold = spec->sysmem_threshold;
        p->swapcache_high_wmark = spec->swapcache_high_wmark;
        p->swapcache_low_wmark = spec->swapcache_low_wmark;
        p->state = PROJECT_STOPPED;
        *ret = TAKE_PTR(p);
        return 0;
}

Project *project_free(Project *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_engines; i++)
                engine_free(p->engines[i]);
        free(p->engines);
        free(p->name);
        free(p->last_error);
        free(p);
        return NULL;
}

void project_plugin_info(const Project *p, struct etmem_project_info *ret) {
        *ret = (struct etmem_project_info) {
                .name = p->name,
                .loop = p->loop,
                .interval = p->interval,
                .sleep = p->sleep,
                .sysmem_threshold = p->sysmem_threshold,
                .swapcache_high_wmark = p->swapcache_high_wmark,
                .swapcache_low_wmark = p->swapcache_low_wmark,
                .scan_type = p->scan_type,
        };
}

Engine *project_find_engine(Project *p, const char *name) {
        for (size_t i = 0; i < p->n_engines; i++)
                if (streq(p->engines[i]->name, name))
                        return p->engines[i];
        return NULL;
}

int project_reserve_engines(Project *p, size_t n) {
        return GREEDY_REALLOC(p->engines, p->cap_engines, p->n_engines + n);
}

bool project_set_state(Project *p, ProjectState s, const char *error) {
        bool changed = p->state != s || !streq_ptr(p->last_error, error);

        p->state = s;
        if (!streq_ptr(p->last_error, error)) {
                free(p->last_error);
                p->last_error = error ? strdup(error) : NULL;
        }
        return changed;
}

/* Asks every engine whether its tasks can run here before starting any. */
int project_check_start(Project *p, ConfigError *error) {
        for (size_t i = 0; i < p->n_engines; i++) {
                Engine *e = p->engines[i];
                const struct etmem_engine_ops *ops = e->impl->plugin->ops;

                for (size_t j = 0; j < e->n_tasks; j++) {
                        struct etmem_error err = {};
                        int r;

                        r = ops->check_start ? ops->check_start(e->impl->priv, e->tasks[j]->impl->priv, &err) : 0;
                        if (r >= 0 && !ops->scan && !ops->act && !plugin_ops_cycle(ops))
                                return config_error_message(error, -EOPNOTSUPP,
                                                            "engine '%s' (type %s) cannot run tasks: it implements neither scan, act nor cycle",
                                                            e->name, e->type);
                        if (r < 0)
                                return config_error_message(error, r == -EOPNOTSUPP ? -EOPNOTSUPP : -EINVAL,
                                                            "project '%s', engine '%s', task '%s' cannot start: %s",
                                                            p->name, e->name, e->tasks[j]->name,
                                                            err.message[0] ? err.message : strerror(-r));
                }
        }
        return 0;
}

uint64_t project_cycles(const Project *p) {
        uint64_t total = 0;

        for (size_t i = 0; i < p->n_engines; i++)
                for (size_t j = 0; j < p->engines[i]->n_tasks; j++)
                        total += p->engines[i]->tasks[j]->figures.cycles;
        return total;
}
