/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.etmem.Manager1 at /org/etmem, the ObjectManager, the registration of the three
 * object types, and the tree's observer (InterfacesAdded/Removed, PropertiesChanged). */
#include <stddef.h>

#include "apply.h"
#include "authorize.h"
#include "bus-check.h"
#include "bus-context.h"
#include "bus-managed-objects.h"
#include "bus-names.h"
#include "bus-objects.h"
#include "bus-util.h"
#include "engine-bus.h"
#include "etmem-config.h"
#include "export.h"
#include "lifecycle.h"
#include "log.h"
#include "macro.h"
#include "manager-bus.h"
#include "placement.h"
#include "project-bus.h"
#include "project.h"
#include "task-bus.h"
#include "tree.h"

/* ---- the tree's observer ---- */

static void on_added(void *userdata, ObjKind kind, void *obj) {
        BusContext *ctx = userdata;

        if (ctx->bus)
                (void) bus_emit_object_added(ctx->bus, kind, obj);
}

static void on_removing(void *userdata, ObjKind kind, void *obj) {
        BusContext *ctx = userdata;

        if (ctx->bus)
                (void) bus_emit_object_removed(ctx->bus, kind, obj);
}

static void on_changed(void *userdata, ObjKind kind, void *obj, unsigned what) {
        BusContext *ctx = userdata;
        _cleanup_free_ char *path = NULL;

        if (!ctx->bus || bus_object_path(kind, obj, &path) < 0)
                return;
        if (what & TREE_CHANGE_STATE)
                (void) sd_bus_emit_properties_changed(ctx->bus, path, ETMEM_PROJECT_IFACE, "State", "LastError", NULL);
        if (what & TREE_CHANGE_CYCLES)
                (void) sd_bus_emit_properties_changed(ctx->bus, path, ETMEM_PROJECT_IFACE, "Cycles", NULL);
        if (what & TREE_CHANGE_PARAMS)
                (void) sd_bus_emit_properties_changed(ctx->bus, path, ETMEM_ENGINE_IFACE, "Params", NULL);
        if (what & TREE_CHANGE_FIGURES)
                (void) sd_bus_emit_properties_changed(ctx->bus, path, ETMEM_TASK_IFACE, "Pids", "Status", "LastError",
                                                      "Cycles", "PagesScanned", "PagesHot", "PagesCold",
                                                      "BytesPagedOut", "BytesMigrated", "LastCycleUsec", NULL);
}

/* ---- Manager1 ---- */

static int method_create_project(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        BusContext *ctx = userdata;
        ApplyEnv env = bus_context_apply_env(ctx);
        _cleanup_strv_free_ char **params = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(obj_refs_done) ObjRefs objs = {};
        ConfigError ce = {};
        const char *name;
        bool thirdparty;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_read_params(msg, &params, error);
        if (r < 0)
                return r;
        r = bus_check_name("project", name, error);
        if (r < 0)
                return r;
        r = apply_section_new(CONFIG_SECTION_PROJECT, "CreateProject", BUS_DETAILS("name", name), params, &c,
                              &thirdparty, &ce);
        if (r < 0)
                return bus_error_set_config(error, r, &ce);
        r = bus_authorize(msg, ACTION_MANAGE, BUS_DETAILS("project", name), error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        r = apply_config(&env, c, &objs, &ce);
        if (r < 0)
                return bus_error_set_config(error, r, &ce);
        bus_context_schedule_save(ctx);
        return bus_reply_object(msg, &objs);
}

static int method_remove_project(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        BusContext *ctx = userdata;
        const char *name;
        Project *p;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_check_name("project", name, error);
        if (r < 0)
                return r;
        r = bus_authorize(msg, ACTION_MANAGE, BUS_DETAILS("project", name), error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        p = tree_find_project(&ctx->tree, name);
        if (!p)
                return sd_bus_error_setf(error, ETMEM_ERROR_NO_SUCH_OBJECT, "project '%s' does not exist", name);
        log_info("removing project %s", name);
        lifecycle_project_remove(&ctx->lifecycle, p);
        bus_context_schedule_save(ctx);
        return sd_bus_reply_method_return(msg, NULL);
}

static int load_or_unload(sd_bus_message *msg, void *userdata, sd_bus_error *error, bool unload) {
        BusContext *ctx = userdata;
        ApplyEnv env = bus_context_apply_env(ctx);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(obj_refs_done) ObjRefs objs = {};
        _cleanup_(bus_details_done) BusDetails d = {};
        const char *text, *format, *source;
        ConfigError ce = {};
        ConfigFormat f;
        bool thirdparty;
        int r;

        r = sd_bus_message_read(msg, "sss", &text, &format, &source);
        if (r < 0)
                return r;
        if (config_format_from_string(format, &f) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "format '%s' is not one of \"ini\", \"json\" or \"\" (auto)", format);
        r = bus_check_source(source, error);
        if (r < 0)
                return r;
        r = config_parse(text, strlen(text), f, source[0] ? source : "config", &c, &ce);
        if (r < 0)
                return bus_error_set_config(error, -EINVAL, &ce); /* -E2BIG of a limit too */
        /* parse -> validate -> authorize -> act: input that does not validate never costs a
         * polkit prompt, and the action comes from what the text parses to (a third-party
         * engine runs its code as root: loading one needs its own action), never from its
         * raw bytes.  UnloadConfig needs only names, which are checked against the tree. */
        thirdparty = false;
        r = unload ? 0 : apply_validate(c, &thirdparty, &ce);
        if (r < 0)
                return bus_error_set_config(error, r, &ce);
        r = bus_details_add_config(&d, c, source);
        if (r < 0)
                return r;
        r = bus_authorize(msg, thirdparty ? ACTION_LOAD_ENGINE : ACTION_MANAGE, d.kv, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        if (!unload) {
                r = apply_config(&env, c, &objs, &ce);
                if (r < 0)
                        return bus_error_set_config(error, r, &ce);
                bus_context_schedule_save(ctx);
                return bus_reply_objects(msg, &objs);
        }
        r = unapply_config(&env, c, &objs, &ce);
        if (r < 0)
                return bus_error_set_config(error, r, &ce);
        /* the paths are built while the objects still exist */
        r = bus_objects_reply_new(msg, &objs, &reply);
        if (r < 0)
                return r;
        unapply_commit(&env, &objs);
        bus_context_schedule_save(ctx);
        return sd_bus_send(NULL, reply, NULL);
}

static int method_load_config(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return load_or_unload(msg, userdata, error, false);
}

static int method_unload_config(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return load_or_unload(msg, userdata, error, true);
}

static int method_export_config(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        BusContext *ctx = userdata;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *text = NULL;
        const char *format;
        ConfigFormat f;
        int r;

        r = sd_bus_message_read(msg, "s", &format);
        if (r < 0)
                return r;
        if (config_format_from_string(format, &f) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "format '%s' is not one of \"json\" or \"ini\"", format);
        /* The whole configuration names every task's pids and process names, which
         * hidepid= may hide from the caller: manage, not inspect (docs/security.md). */
        r = bus_authorize(msg, ACTION_MANAGE, NULL, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        r = export_config(&ctx->tree, &c);
        if (r < 0)
                return r;
        r = f == CONFIG_FORMAT_INI ? config_to_ini(c, &text) : config_to_json(c, &text);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", text);
}

static int method_get_placement_advice(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        BusContext *ctx = userdata;
        uint32_t cpus;
        uint64_t mbs;
        int r;

        r = sd_bus_message_read(msg, "ut", &cpus, &mbs);
        if (r < 0)
                return r;
        /* advice reads only node figures anyone can read in sysfs: inspect, not manage */
        r = bus_authorize(msg, ACTION_INSPECT, NULL, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* 0: held until polkit answers, then dispatched again */
        return placement_advice_start(ctx->event, msg, cpus, mbs, error);
}

static int property_get_engine_types(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusContext *ctx = userdata;
        _cleanup_strv_free_ char **types = plugin_list_types(&ctx->dirs);

        if (!types)
                return -ENOMEM;
        return sd_bus_message_append_strv(reply, types);
}

static int property_get_features(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusContext *ctx = userdata;

        /* the manager's copy (probed at start and on a timer): a read never probes */
        return bus_append_params(reply, ctx->features);
}

static int property_get_count(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusContext *ctx = userdata;
        return sd_bus_message_append(reply, "u", (uint32_t) ctx->tree.n_objects);
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", ETMEM_VERSION);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("EngineTypes", "as", property_get_engine_types, 0, 0),
        SD_BUS_PROPERTY("KernelFeatures", "a{ss}", property_get_features, 0, 0),
        SD_BUS_PROPERTY("MaxObjects", "u", NULL, offsetof(BusContext, tree.max_objects), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ObjectCount", "u", property_get_count, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("CreateProject", SD_BUS_ARGS("s", name, "a{sv}", options), SD_BUS_RESULT("o", project),
                                method_create_project, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveProject", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_remove_project,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("LoadConfig", SD_BUS_ARGS("s", text, "s", format, "s", source),
                                SD_BUS_RESULT("ao", objects), method_load_config, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("UnloadConfig", SD_BUS_ARGS("s", text, "s", format, "s", source),
                                SD_BUS_RESULT("ao", objects), method_unload_config, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ExportConfig", SD_BUS_ARGS("s", format), SD_BUS_RESULT("s", text),
                                method_export_config, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetPlacementAdvice", SD_BUS_ARGS("u", cpus, "t", megabytes),
                                SD_BUS_RESULT("s", nodelist), method_get_placement_advice, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int manager_bus_add_objects(BusContext *ctx) {
        int r;

        ctx->tree.observer = (TreeObserver) { on_added, on_removing, on_changed, ctx };
        r = sd_bus_add_object_vtable(ctx->bus, NULL, ETMEM_ROOT_PATH, ETMEM_MANAGER_IFACE, manager_vtable, ctx);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(ctx->bus, NULL, ETMEM_PROJECT_PREFIX, ETMEM_PROJECT_IFACE, project_vtable,
                                       project_object_find, ctx);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(ctx->bus, NULL, ETMEM_PROJECT_PREFIX, ETMEM_ENGINE_IFACE, engine_vtable,
                                       engine_object_find, ctx);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(ctx->bus, NULL, ETMEM_PROJECT_PREFIX, ETMEM_TASK_IFACE, task_vtable,
                                       task_object_find, ctx);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(ctx->bus, NULL, ETMEM_PROJECT_PREFIX, project_node_enumerator, ctx);
        if (r < 0)
                return r;
        r = sd_bus_add_object_manager(ctx->bus, NULL, ETMEM_ROOT_PATH);
        if (r < 0)
                return r;
        /* GetManagedObjects from the tree, in one walk (sd-bus's would look every path up again) */
        return bus_managed_objects_install(ctx);
}
