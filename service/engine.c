/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>

#include "apply.h"
#include "authorize.h"
#include "bus-util.h"
#include "engine.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "project.h"
#include "task.h"
#include "tree.h"

int engine_new(Project *p, const char *name, const char *type, const char *libname, const char *ops_name,
               char **params, EngineImpl *impl, Engine **ret) {
        _cleanup_(engine_freep) Engine *e = NULL;
        int r;

        e = calloc(1, sizeof *e);
        if (!e)
                return -ENOMEM;
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
        r = bus_child_path(p->path, "engine", name, &e->path);
        if (r < 0)
                return r;
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
        free(e->path);
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

void engine_attach_task(Engine *e, Task *t) {
        assert(e->n_tasks < e->cap_tasks);
        e->tasks[e->n_tasks++] = t;
        t->engine = e;
        e->project->tree->n_objects++;
        tree_added(e->project->tree, OBJ_TASK, t);
}

void engine_remove(Engine *e) {
        Project *p = e->project;

        while (e->n_tasks > 0)
                task_remove(e->tasks[e->n_tasks - 1]);
        tree_removing(p->tree, OBJ_ENGINE, e);
        for (size_t i = 0; i < p->n_engines; i++)
                if (p->engines[i] == e) {
                        ARRAY_REMOVE(p->engines, p->n_engines, i);
                        break;
                }
        p->tree->n_objects--;
        engine_free(e);
}

int engine_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                       sd_bus_error *error) {
        Engine *e = NULL;
        Task *t = NULL;

        if (manager_lookup_path(userdata, path, NULL, &e, &t) < 0 || !e || t)
                return 0;
        *found = e;
        return 1;
}

static int method_add_task(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Engine *e = userdata;
        _cleanup_strv_free_ char **params = NULL, **paths = NULL;
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_read_params(msg, &params, error);
        if (r < 0)
                return r;
        r = bus_authorize(msg, ACTION_MANAGE, BUS_DETAILS("project", e->project->name, "engine", e->name, "task", name),
                          error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */

        r = apply_section(container_of(e->project->tree, Manager, tree), CONFIG_SECTION_TASK, "AddTask",
                          BUS_DETAILS("project", e->project->name, "engine", e->name, "name", name), params, &paths,
                          error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", paths[0]);
}

static int method_remove_task(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Engine *e = userdata;
        const char *name;
        Task *t;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_authorize(msg, ACTION_MANAGE, BUS_DETAILS("project", e->project->name, "engine", e->name, "task", name),
                          error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        /* look up only after authorization: the tree may have changed meanwhile */
        t = engine_find_task(e, name);
        if (!t)
                return sd_bus_error_setf(error, ETMEM_ERROR_NO_SUCH_OBJECT, "engine '%s' of project '%s' has no task '%s'",
                                         e->name, e->project->name, name);
        log_info("removing task %s/%s/%s", e->project->name, e->name, name);
        task_remove(t);
        manager_schedule_save(container_of(e->project->tree, Manager, tree));
        return sd_bus_reply_method_return(msg, NULL);
}

/* Engine1.Command("set", {key: value}) changed settings of a running engine (the plugin
 * validated and took them): record them in Params, which the state file and ExportConfig
 * read, so they survive a restart. */
static int params_merge(char ***params, char **args) {
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

static int method_command(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Engine *e = userdata;
        const struct etmem_engine_ops *ops = e->impl->plugin->ops;
        _cleanup_strv_free_ char **args = NULL;
        _cleanup_free_ struct etmem_param *pv = NULL;
        _cleanup_free_ char *json = NULL;
        struct etmem_error err = {};
        struct etmem_params params = {};
        const char *cmd, *task_name;
        Task *t = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_read(msg, "s", &cmd);
        if (r < 0)
                return r;
        r = bus_read_params(msg, &args, error);
        if (r < 0)
                return r;
        /* Engine commands may read other processes' page maps: manage, not inspect. */
        task_name = params_get(args, "task");
        r = bus_authorize(msg, ACTION_MANAGE,
                          task_name ? BUS_DETAILS("project", e->project->name, "engine", e->name, "task", task_name)
                                    : BUS_DETAILS("project", e->project->name, "engine", e->name),
                          error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        if (task_name) {
                t = engine_find_task(e, task_name);
                if (!t)
                        return sd_bus_error_setf(error, ETMEM_ERROR_NO_SUCH_OBJECT,
                                                 "engine '%s' of project '%s' has no task '%s'", e->name,
                                                 e->project->name, task_name);
        }
        if (!ops->eng_mgt_func)
                return sd_bus_error_setf(error, ETMEM_ERROR_NOT_SUPPORTED,
                                         "engine '%s' (type %s) has no private commands", e->name, e->type);
        for (char **p = args; *p; p += 2)
                n++;
        pv = calloc(n ? n : 1, sizeof *pv);
        if (!pv)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                pv[i] = (struct etmem_param) { args[2 * i], args[2 * i + 1] };
        params = (struct etmem_params) { n, pv };
        r = ops->eng_mgt_func(e->impl->priv, t ? t->impl->priv : NULL, cmd, &params, &json, &err);
        if (r == -EOPNOTSUPP)
                return sd_bus_error_setf(error, ETMEM_ERROR_NOT_SUPPORTED, "engine '%s' (type %s) has no command '%s'%s%s",
                                         e->name, e->type, cmd, err.message[0] ? ": " : "", err.message);
        if (r < 0)
                return sd_bus_error_setf(error, ETMEM_ERROR_INVALID_CONFIG, "%s %s: %s%s%s", e->name, cmd,
                                         err.key[0] ? err.key : "", err.key[0] ? ": " : "",
                                         err.message[0] ? err.message : strerror(-r));
        if (streq(cmd, "set")) {
                r = params_merge(&e->params, args);
                if (r < 0)
                        return r;
                (void) sd_bus_emit_properties_changed(container_of(e->project->tree, Manager, tree)->bus, e->path,
                                                      "org.etmem.Engine1", "Params", NULL);
                manager_schedule_save(container_of(e->project->tree, Manager, tree));
        }
        return sd_bus_reply_method_return(msg, "s", json ? json : "{}");
}

static int property_get_params(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Engine *e = userdata;
        return bus_append_params(reply, e->params);
}

static int property_get_project(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Engine *e = userdata;
        return sd_bus_message_append(reply, "s", e->project->name);
}

const sd_bus_vtable engine_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", NULL, offsetof(Engine, name), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Type", "s", NULL, offsetof(Engine, type), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Project", "s", property_get_project, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Params", "a{ss}", property_get_params, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("AddTask", SD_BUS_ARGS("s", name, "a{sv}", params), SD_BUS_RESULT("o", task),
                                method_add_task, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveTask", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_remove_task,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Command", SD_BUS_ARGS("s", command, "a{sv}", args), SD_BUS_RESULT("s", json),
                                method_command, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};
