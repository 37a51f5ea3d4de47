/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.etmem.Engine1 at /org/etmem/project/P/engine/E. */
#include <stddef.h>

#include "apply.h"
#include "authorize.h"
#include "bus-check.h"
#include "bus-context.h"
#include "bus-names.h"
#include "bus-objects.h"
#include "bus-util.h"
#include "engine-bus.h"
#include "engine.h"
#include "lifecycle.h"
#include "log.h"
#include "macro.h"
#include "project.h"
#include "task.h"
#include "tree.h"

int engine_bus_path(const Engine *e, char **ret) {
        return etmem_object_path(e->project->name, e->name, NULL, ret);
}

int engine_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                       sd_bus_error *error) {
        BusContext *ctx = userdata;
        _cleanup_free_ char *pname = NULL, *ename = NULL, *tname = NULL;
        Engine *e;

        if (etmem_object_path_decode(path, &pname, &ename, &tname) < 0 || !ename || tname)
                return 0;
        e = tree_find_engine(&ctx->tree, pname, ename);
        if (!e)
                return 0;
        *found = e;
        return 1;
}

static int method_add_task(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Engine *e = userdata;
        _cleanup_strv_free_ char **params = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(obj_refs_done) ObjRefs objs = {};
        _cleanup_(bus_details_done) BusDetails d = {};
        ConfigError ce = {};
        BusContext *ctx;
        ApplyEnv env;
        const char *name;
        bool thirdparty;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_read_params(msg, &params, error);
        if (r < 0)
                return r;
        r = bus_check_name("task", name, error);
        if (r < 0)
                return r;
        r = apply_section_new(CONFIG_SECTION_TASK, "AddTask",
                              BUS_DETAILS("project", e->project->name, "engine", e->name, "name", name), params, &c,
                              &thirdparty, &ce);
        if (r < 0)
                return bus_error_set_config(error, r, &ce);
        bus_details_add(&d, "project", e->project->name);
        bus_details_add(&d, "engine", e->name);
        bus_details_add(&d, "task", name);
        bus_details_add_target(&d, params_get(params, "type"), params_get(params, "value"));
        r = bus_authorize(msg, ACTION_MANAGE, d.kv, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */

        ctx = bus_context_of_tree(e->project->tree);
        env = bus_context_apply_env(ctx);
        r = apply_config(&env, c, &objs, &ce);
        if (r < 0)
                return bus_error_set_config(error, r, &ce);
        bus_context_schedule_save(ctx);
        return bus_reply_object(msg, &objs);
}

static int method_remove_task(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Engine *e = userdata;
        _cleanup_(bus_details_done) BusDetails d = {};
        const char *name;
        Task *t;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_check_name("task", name, error);
        if (r < 0)
                return r;
        t = engine_find_task(e, name);
        bus_details_add(&d, "project", e->project->name);
        bus_details_add(&d, "engine", e->name);
        bus_details_add(&d, "task", name);
        if (t)
                bus_details_add_target(&d, t->type, t->value);
        r = bus_authorize(msg, ACTION_MANAGE, d.kv, error);
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
        lifecycle_task_remove(&bus_context_of_tree(e->project->tree)->lifecycle, t);
        bus_context_schedule_save(bus_context_of_tree(e->project->tree));
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_command(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Engine *e = userdata;
        const struct etmem_engine_ops *ops = e->impl->plugin->ops;
        _cleanup_strv_free_ char **args = NULL, **merged = NULL;
        _cleanup_free_ struct etmem_param *pv = NULL;
        _cleanup_free_ char *json = NULL;
        struct etmem_error err = {};
        struct etmem_params params = {};
        _cleanup_(bus_details_done) BusDetails d = {};
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
        r = bus_check_params(args, error);
        if (r < 0)
                return r;
        if (!config_key_is_valid(cmd))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "a command name is 1..%u characters of [A-Za-z0-9_.-]", CONFIG_KEY_MAX);
        task_name = params_get(args, "task");
        if (task_name) {
                r = bus_check_name("task", task_name, error);
                if (r < 0)
                        return r;
        }
        /* "set" is taken as the engine's section of a config file would be, all-or-nothing,
         * and checked before polkit is asked: what it records must export and save again. */
        if (streq(cmd, "set")) {
                ConfigError ce = {};

                r = engine_params_merged(e, args, &merged);
                if (r < 0)
                        return r;
                r = apply_engine_check(e, merged, "Command set", &ce);
                if (r < 0)
                        return bus_error_set_config(error, r, &ce);
        }
        /* Engine commands may read other processes' page maps: manage, not inspect. */
        bus_details_add(&d, "project", e->project->name);
        bus_details_add(&d, "engine", e->name);
        bus_details_add(&d, "command", cmd);
        bus_details_add(&d, "task", task_name);
        t = task_name ? engine_find_task(e, task_name) : NULL;
        if (t)
                bus_details_add_target(&d, t->type, t->value);
        r = bus_authorize(msg, ACTION_MANAGE, d.kv, error);
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
                engine_set_params(e, TAKE_PTR(merged));
                tree_changed(e->project->tree, OBJ_ENGINE, e, TREE_CHANGE_PARAMS);
                bus_context_schedule_save(bus_context_of_tree(e->project->tree));
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
