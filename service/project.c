/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>

#include "apply.h"
#include "authorize.h"
#include "bus-util.h"
#include "engine.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "tree.h"
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
        int r;

        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->tree = t;
        p->name = strdup(spec->name);
        if (!p->name)
                return -ENOMEM;
        r = sd_bus_path_encode(PROJECT_PREFIX, spec->name, &p->path);
        if (r < 0)
                return r;
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
        free(p->path);
        free(p->last_error);
        free(p);
        return NULL;
}

void project_info(const Project *p, struct etmem_project_info *ret) {
        *ret = (struct etmem_project_info) {
                .name = p->name,
                .loop = p->loop,
                .interval = p->interval,
                .sleep = p->sleep,
                .sysmem_threshold = p->sysmem_threshold,
                .swapcache_high_wmark = p->swapcache_high_wmark,
                .swapcache_low_wmark = p->swapcache_low_wmark,
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

void project_attach_engine(Project *p, Engine *e) {
        assert(p->n_engines < p->cap_engines);
        p->engines[p->n_engines++] = e;
        e->project = p;
        p->tree->n_objects++;
        tree_added(p->tree, OBJ_ENGINE, e);
}

void project_set_state(Project *p, ProjectState s, const char *error) {
        bool changed = p->state != s || !streq_ptr(p->last_error, error);

        p->state = s;
        if (!streq_ptr(p->last_error, error)) {
                free(p->last_error);
                p->last_error = error ? strdup(error) : NULL;
        }
        if (changed)
                tree_changed(p->tree, OBJ_PROJECT, p, TREE_CHANGE_STATE);
}

/* Asks every engine whether its tasks can run here before starting any. */
static int project_check_start(Project *p, sd_bus_error *error) {
        for (size_t i = 0; i < p->n_engines; i++) {
                Engine *e = p->engines[i];
                const struct etmem_engine_ops *ops = e->impl->plugin->ops;

                for (size_t j = 0; j < e->n_tasks; j++) {
                        struct etmem_error err = {};
                        int r;

                        r = ops->check_start ? ops->check_start(e->impl->priv, e->tasks[j]->impl->priv, &err) : 0;
                        if (r >= 0 && !ops->scan && !ops->act)
                                return sd_bus_error_setf(error, ETMEM_ERROR_NOT_SUPPORTED,
                                                         "engine '%s' (type %s) cannot run tasks: it implements neither scan nor act",
                                                         e->name, e->type);
                        if (r < 0)
                                return sd_bus_error_setf(error,
                                                         r == -EOPNOTSUPP ? ETMEM_ERROR_NOT_SUPPORTED : ETMEM_ERROR_INVALID_CONFIG,
                                                         "project '%s', engine '%s', task '%s' cannot start: %s",
                                                         p->name, e->name, e->tasks[j]->name,
                                                         err.message[0] ? err.message : strerror(-r));
                }
        }
        return 0;
}

int project_start(Project *p, sd_bus_error *error) {
        int r;

        r = project_check_start(p, error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_engines; i++)
                for (size_t j = 0; j < p->engines[i]->n_tasks; j++)
                        if (p->engines[i]->tasks[j]->stopping)
                                return sd_bus_error_setf(error, ETMEM_ERROR_BUSY,
                                                         "task '%s' of project '%s' is still stopping its previous run; try again shortly",
                                                         p->engines[i]->tasks[j]->name, p->name);
        for (size_t i = 0; i < p->n_engines; i++)
                for (size_t j = 0; j < p->engines[i]->n_tasks; j++) {
                        r = task_start(p->engines[i]->tasks[j], error);
                        if (r < 0) {
                                project_stop(p);
                                return r;
                        }
                }
        project_set_state(p, PROJECT_RUNNING, NULL);
        log_info("project %s started", p->name);
        return 0;
}

void project_stop(Project *p) {
        for (size_t i = 0; i < p->n_engines; i++)
                for (size_t j = 0; j < p->engines[i]->n_tasks; j++)
                        task_stop(p->engines[i]->tasks[j]);
        project_set_state(p, PROJECT_STOPPED, NULL);
}

void project_remove(Project *p) {
        project_stop(p);
        while (p->n_engines > 0)
                engine_remove(p->engines[p->n_engines - 1]);
        tree_removing(p->tree, OBJ_PROJECT, p);
        tree_detach_project(p->tree, p);
        project_free(p);
}

int project_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                        sd_bus_error *error) {
        Project *p = NULL;
        Engine *e = NULL;

        if (manager_lookup_path(userdata, path, &p, &e, NULL) < 0 || !p || e)
                return 0;
        *found = p;
        return 1;
}

int project_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Tree *t = &((Manager *) userdata)->tree;
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;

        l = calloc(t->n_objects + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_projects; i++) {
                Project *p = t->projects[i];
                if (n < t->n_objects && !(l[n++] = strdup(p->path)))
                        return -ENOMEM;
                for (size_t j = 0; j < p->n_engines; j++) {
                        Engine *e = p->engines[j];
                        if (n < t->n_objects && !(l[n++] = strdup(e->path)))
                                return -ENOMEM;
                        for (size_t k = 0; k < e->n_tasks; k++)
                                if (n < t->n_objects && !(l[n++] = strdup(e->tasks[k]->path)))
                                        return -ENOMEM;
                }
        }
        *nodes = TAKE_PTR(l);
        return 1;
}

static int method_start(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Project *p = userdata;
        int r;

        r = bus_authorize(msg, ACTION_MANAGE, BUS_DETAILS("project", p->name), error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        if (p->state != PROJECT_RUNNING) {
                r = project_start(p, error);
                if (r < 0)
                        return r;
                manager_schedule_save(container_of(p->tree, Manager, tree));
        }
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_stop(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Project *p = userdata;
        int r;

        r = bus_authorize(msg, ACTION_MANAGE, BUS_DETAILS("project", p->name), error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        if (p->state != PROJECT_STOPPED) {
                project_stop(p);
                log_info("project %s stopped", p->name);
                manager_schedule_save(container_of(p->tree, Manager, tree));
        }
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_add_engine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Project *p = userdata;
        _cleanup_strv_free_ char **params = NULL, **paths = NULL;
        const char *type;
        int r;

        r = sd_bus_message_read(msg, "s", &type);
        if (r < 0)
                return r;
        r = bus_read_params(msg, &params, error);
        if (r < 0)
                return r;
        r = bus_authorize(msg, streq(type, "thirdparty") ? ACTION_LOAD_ENGINE : ACTION_MANAGE,
                          BUS_DETAILS("project", p->name, "engine", type), error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        r = apply_section(container_of(p->tree, Manager, tree), CONFIG_SECTION_ENGINE, "AddEngine", BUS_DETAILS("project", p->name, "name", type),
                          params, &paths, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", paths[0]);
}

static int method_remove_engine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Project *p = userdata;
        const char *name;
        Engine *e;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_authorize(msg, ACTION_MANAGE, BUS_DETAILS("project", p->name, "engine", name), error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        e = project_find_engine(p, name);
        if (!e)
                return sd_bus_error_setf(error, ETMEM_ERROR_NO_SUCH_OBJECT, "project '%s' has no engine '%s'",
                                         p->name, name);
        engine_remove(e);
        manager_schedule_save(container_of(p->tree, Manager, tree));
        return sd_bus_reply_method_return(msg, NULL);
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Project *p = userdata;

        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", project_state_to_string(p->state));
        return sd_bus_message_append(reply, "s", strempty(p->last_error));
}

static int property_get_cycles(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Project *p = userdata;
        uint64_t total = 0;

        for (size_t i = 0; i < p->n_engines; i++)
                for (size_t j = 0; j < p->engines[i]->n_tasks; j++)
                        total += p->engines[i]->tasks[j]->figures.cycles;
        return sd_bus_message_append(reply, "t", total);
}

const sd_bus_vtable project_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", NULL, offsetof(Project, name), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastError", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Loop", "u", NULL, offsetof(Project, loop), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Interval", "u", NULL, offsetof(Project, interval), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Sleep", "u", NULL, offsetof(Project, sleep), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("SysmemThreshold", "i", NULL, offsetof(Project, sysmem_threshold),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("SwapcacheHighWmark", "i", NULL, offsetof(Project, swapcache_high_wmark),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("SwapcacheLowWmark", "i", NULL, offsetof(Project, swapcache_low_wmark),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Cycles", "t", property_get_cycles, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("Start", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_start, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("AddEngine", SD_BUS_ARGS("s", type, "a{sv}", params), SD_BUS_RESULT("o", engine),
                                method_add_engine, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveEngine", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_remove_engine,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};
