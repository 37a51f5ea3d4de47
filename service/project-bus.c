/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.etmem.Project1 at /org/etmem/project/P, and the node enumerator of the whole tree. */
#include <stddef.h>

#include "apply.h"
#include "authorize.h"
#include "bus-check.h"
#include "bus-context.h"
#include "bus-names.h"
#include "bus-objects.h"
#include "bus-util.h"
#include "engine.h"
#include "lifecycle.h"
#include "log.h"
#include "macro.h"
#include "project-bus.h"
#include "project.h"
#include "task.h"
#include "tree.h"

int project_bus_path(const Project *p, char **ret) {
        return etmem_object_path(p->name, NULL, NULL, ret);
}

int project_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                        sd_bus_error *error) {
        BusContext *ctx = userdata;
        _cleanup_free_ char *pname = NULL, *ename = NULL, *tname = NULL;
        Project *p;

        if (etmem_object_path_decode(path, &pname, &ename, &tname) < 0 || ename)
                return 0;
        p = tree_find_project(&ctx->tree, pname);
        if (!p)
                return 0;
        *found = p;
        return 1;
}

int project_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Tree *t = &((BusContext *) userdata)->tree;
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;

        l = calloc(t->n_objects + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_projects; i++) {
                Project *p = t->projects[i];

                if (n < t->n_objects && project_bus_path(p, &l[n++]) < 0)
                        return -ENOMEM;
                for (size_t j = 0; j < p->n_engines; j++) {
                        Engine *e = p->engines[j];

                        if (n < t->n_objects && etmem_object_path(p->name, e->name, NULL, &l[n++]) < 0)
                                return -ENOMEM;
                        for (size_t k = 0; k < e->n_tasks; k++)
                                if (n < t->n_objects && etmem_object_path(p->name, e->name, e->tasks[k]->name, &l[n++]) < 0)
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
                ConfigError ce = {};

                r = lifecycle_project_start(&bus_context_of_tree(p->tree)->lifecycle, p, &ce);
                if (r < 0)
                        return bus_error_set_config(error, r, &ce);
                bus_context_schedule_save(bus_context_of_tree(p->tree));
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
                lifecycle_project_stop(&bus_context_of_tree(p->tree)->lifecycle, p);
                log_info("project %s stopped", p->name);
                bus_context_schedule_save(bus_context_of_tree(p->tree));
        }
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_add_engine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Project *p = userdata;
        _cleanup_strv_free_ char **params = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(obj_refs_done) ObjRefs objs = {};
        _cleanup_(bus_details_done) BusDetails d = {};
        ConfigError ce = {};
        BusContext *ctx;
        ApplyEnv env;
        const char *type;
        bool thirdparty;
        int r;

        r = sd_bus_message_read(msg, "s", &type);
        if (r < 0)
                return r;
        r = bus_read_params(msg, &params, error);
        if (r < 0)
                return r;
        r = apply_section_new(CONFIG_SECTION_ENGINE, "AddEngine", BUS_DETAILS("project", p->name, "name", type),
                              params, &c, &thirdparty, &ce);
        if (r < 0)
                return bus_error_set_config(error, r, &ce);
        bus_details_add(&d, "project", p->name);
        bus_details_add(&d, "engine", thirdparty ? params_get(params, "eng_name") : type);
        bus_details_add(&d, "type", type);
        bus_details_add(&d, "libname", thirdparty ? params_get(params, "libname") : NULL);
        r = bus_authorize(msg, thirdparty ? ACTION_LOAD_ENGINE : ACTION_MANAGE, d.kv, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        ctx = bus_context_of_tree(p->tree);
        env = bus_context_apply_env(ctx);
        r = apply_config(&env, c, &objs, &ce);
        if (r < 0)
                return bus_error_set_config(error, r, &ce);
        bus_context_schedule_save(ctx);
        return bus_reply_object(msg, &objs);
}

static int method_remove_engine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Project *p = userdata;
        const char *name;
        Engine *e;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_check_name("engine", name, error);
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
        lifecycle_engine_remove(&bus_context_of_tree(p->tree)->lifecycle, e);
        bus_context_schedule_save(bus_context_of_tree(p->tree));
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

        return sd_bus_message_append(reply, "t", project_cycles(p));
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
