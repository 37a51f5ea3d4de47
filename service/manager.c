/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <poll.h>
#include <sys/eventfd.h>

#include "apply.h"
#include "authorize.h"
#include "bus-util.h"
#include "engine.h"
#include "etmem-config.h"
#include "export.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "placement.h"
#include "project.h"
#include "runner.h"
#include "state.h"
#include "target.h"
#include "task.h"

/* ---- the tree's observer: InterfacesAdded/Removed and PropertiesChanged ---- */

static const char *obj_path(ObjKind kind, void *obj) {
        switch (kind) {
        case OBJ_PROJECT:
                return ((Project *) obj)->path;
        case OBJ_ENGINE:
                return ((Engine *) obj)->path;
        case OBJ_TASK:
                return ((Task *) obj)->path;
        }
        return NULL;
}

static void on_added(void *userdata, ObjKind kind, void *obj) {
        Manager *m = userdata;

        if (m->bus)
                (void) sd_bus_emit_object_added(m->bus, obj_path(kind, obj));
}

static void on_removing(void *userdata, ObjKind kind, void *obj) {
        Manager *m = userdata;

        if (m->bus)
                (void) sd_bus_emit_object_removed(m->bus, obj_path(kind, obj));
}

static void on_changed(void *userdata, ObjKind kind, void *obj, unsigned what) {
        Manager *m = userdata;
        const char *path = obj_path(kind, obj);

        if (!m->bus)
                return;
        if (what & TREE_CHANGE_STATE)
                (void) sd_bus_emit_properties_changed(m->bus, path, "org.etmem.Project1", "State", "LastError", NULL);
        if (what & TREE_CHANGE_CYCLES)
                (void) sd_bus_emit_properties_changed(m->bus, path, "org.etmem.Project1", "Cycles", NULL);
        if (what & TREE_CHANGE_PARAMS)
                (void) sd_bus_emit_properties_changed(m->bus, path, "org.etmem.Engine1", "Params", NULL);
        if (what & TREE_CHANGE_FIGURES)
                (void) sd_bus_emit_properties_changed(m->bus, path, "org.etmem.Task1", "Pids", "Status", "LastError",
                                                      "Cycles", "PagesScanned", "PagesHot", "PagesCold",
                                                      "BytesPagedOut", "BytesMigrated", "LastCycleUsec", NULL);
}

int manager_new(Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->notify_fd = -1;
        tree_init(&m->tree);
        m->tree.observer = (TreeObserver) { on_added, on_removing, on_changed, m };
        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        tree_done(&m->tree);
        manager_drain(m, 2 * 1000000u);
        for (size_t i = 0; i < m->n_draining; i++)
                runner_unref(m->draining[i].run); /* a worker still inside a plugin keeps its own reference */
        free(m->draining);
        placement_cancel_all();
        plugin_cache_clear(&m->plugins);
        strv_free(m->dirs.engines_dirs);
        free(m->dirs.thirdparty_dir);
        free(m->state_dir);
        sd_event_source_unref(m->save_source);
        sd_event_source_unref(m->notify_source);
        if (m->notify_fd >= 0)
                close(m->notify_fd);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}


static const char *path_child(const char *path, const char *parent, const char *kind) {
        size_t n = strlen(parent), k = strlen(kind);

        if (strncmp(path, parent, n) != 0 || path[n] != '/' || strncmp(path + n + 1, kind, k) != 0 ||
            path[n + 1 + k] != '/')
                return NULL;
        return path + n;
}

int manager_lookup_path(Manager *m, const char *path, Project **ret_p, Engine **ret_e, Task **ret_t) {
        for (size_t i = 0; i < m->tree.n_projects; i++) {
                Project *p = m->tree.projects[i];

                if (streq(path, p->path)) {
                        if (ret_p)
                                *ret_p = p;
                        return 0;
                }
                if (!path_child(path, p->path, "engine"))
                        continue;
                for (size_t j = 0; j < p->n_engines; j++) {
                        Engine *e = p->engines[j];

                        if (streq(path, e->path)) {
                                if (ret_p)
                                        *ret_p = p;
                                if (ret_e)
                                        *ret_e = e;
                                return 0;
                        }
                        if (!path_child(path, e->path, "task"))
                                continue;
                        for (size_t k = 0; k < e->n_tasks; k++)
                                if (streq(path, e->tasks[k]->path)) {
                                        if (ret_p)
                                                *ret_p = p;
                                        if (ret_e)
                                                *ret_e = e;
                                        if (ret_t)
                                                *ret_t = e->tasks[k];
                                        return 0;
                                }
                }
        }
        return -ENOENT;
}

int manager_add_draining(Manager *m, TaskRun *r, Task *t) {
        struct DrainEntry *n = realloc(m->draining, (m->n_draining + 1) * sizeof *n);

        if (!n)
                return -ENOMEM;
        m->draining = n;
        m->draining[m->n_draining++] = (struct DrainEntry) { runner_ref(r), t };
        return 0;
}

void manager_forget_draining(Manager *m, Task *t) {
        for (size_t i = 0; i < m->n_draining; i++)
                if (m->draining[i].task == t)
                        m->draining[i].task = NULL;
}

/* Joins finished stopped runs and publishes fresh figures of running ones. */
static void manager_collect(Manager *m) {
        for (size_t i = 0; i < m->n_draining;) {
                TaskRun *r = m->draining[i].run;
                Task *owner = m->draining[i].task;
                RunSnapshot s;

                if (!runner_finished(r)) {
                        i++;
                        continue;
                }
                runner_join(r);
                if (owner && owner->stopping == r) {
                        if (runner_take_snapshot(r, &s)) {
                                task_set_figures(owner, &s);
                                task_publish(owner);
                        }
                        owner->stopping = runner_unref(owner->stopping);
                }
                runner_unref(r);
                memmove(m->draining + i, m->draining + i + 1, (m->n_draining - i - 1) * sizeof *m->draining);
                m->n_draining--;
        }
        for (size_t i = 0; i < m->tree.n_projects; i++) {
                Project *p = m->tree.projects[i];
                bool published = false;

                for (size_t j = 0; j < p->n_engines; j++)
                        for (size_t k = 0; k < p->engines[j]->n_tasks; k++) {
                                Task *t = p->engines[j]->tasks[k];
                                RunSnapshot s;

                                if (t->run && runner_take_snapshot(t->run, &s)) {
                                        task_set_figures(t, &s);
                                        task_publish(t);
                                        published = true;
                                }
                        }
                if (published)
                        tree_changed(&m->tree, OBJ_PROJECT, p, TREE_CHANGE_CYCLES);
        }
}

static int on_notify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        uint64_t v;

        if (read(fd, &v, sizeof v) < 0 && errno != EAGAIN)
                log_debug("eventfd read: %m");
        manager_collect(userdata);
        return 0;
}

static int on_save(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        (void) state_save(m);
        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
}

void manager_schedule_save(Manager *m) {
        if (!m->state_dir || m->restoring || !m->event)
                return;
        if (!m->save_source) {
                if (sd_event_add_defer(m->event, &m->save_source, on_save, m) < 0) {
                        (void) state_save(m);
                        return;
                }
                (void) sd_event_source_set_description(m->save_source, "state-save");
        }
        (void) sd_event_source_set_enabled(m->save_source, SD_EVENT_ONESHOT);
}

int manager_save_now(Manager *m) {
        if (m->save_source)
                (void) sd_event_source_set_enabled(m->save_source, SD_EVENT_OFF);
        return state_save(m);
}

void manager_stop_all(Manager *m) {
        for (size_t i = 0; i < m->tree.n_projects; i++)
                for (size_t j = 0; j < m->tree.projects[i]->n_engines; j++)
                        for (size_t k = 0; k < m->tree.projects[i]->engines[j]->n_tasks; k++)
                                task_stop(m->tree.projects[i]->engines[j]->tasks[k]);
}

void manager_drain(Manager *m, uint64_t timeout_usec) {
        uint64_t step = 10000;

        for (uint64_t waited = 0; m->n_draining > 0 && waited < timeout_usec; waited += step) {
                manager_collect(m);
                if (m->n_draining > 0)
                        (void) poll(NULL, 0, (int) (step / 1000));
        }
        manager_collect(m);
        if (m->n_draining > 0)
                log_warning("%zu worker(s) did not return in time", m->n_draining);
}

/* ---- Manager1 ---- */

static int method_create_project(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **params = NULL, **paths = NULL;
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_read_params(msg, &params, error);
        if (r < 0)
                return r;
        r = bus_authorize(msg, ACTION_MANAGE, BUS_DETAILS("project", name), error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        r = apply_section(m, CONFIG_SECTION_PROJECT, "CreateProject", BUS_DETAILS("name", name), params, &paths, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", paths[0]);
}

static int method_remove_project(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Project *p;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_authorize(msg, ACTION_MANAGE, BUS_DETAILS("project", name), error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        p = tree_find_project(&m->tree, name);
        if (!p)
                return sd_bus_error_setf(error, ETMEM_ERROR_NO_SUCH_OBJECT, "project '%s' does not exist", name);
        log_info("removing project %s", name);
        project_remove(p);
        manager_schedule_save(m);
        return sd_bus_reply_method_return(msg, NULL);
}

static int reply_paths(sd_bus_message *msg, char **paths) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "o");
        if (r < 0)
                return r;
        for (char **p = paths; p && *p; p++) {
                r = sd_bus_message_append(reply, "o", *p);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int load_or_unload(sd_bus_message *msg, void *userdata, sd_bus_error *error, bool unload) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **paths = NULL;
        const char *text, *format, *source;
        bool thirdparty;
        int r;

        r = sd_bus_message_read(msg, "sss", &text, &format, &source);
        if (r < 0)
                return r;
        /* Code runs as root when a third-party engine loads: that needs its own action. */
        thirdparty = !unload && strstr(text, "thirdparty");
        r = bus_authorize(msg, thirdparty ? ACTION_LOAD_ENGINE : ACTION_MANAGE, NULL, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* held until polkit answers, then dispatched again */
        r = apply_text(m, text, strlen(text), format, source, unload, &paths, error);
        if (r < 0)
                return r;
        return reply_paths(msg, paths);
}

static int method_load_config(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return load_or_unload(msg, userdata, error, false);
}

static int method_unload_config(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return load_or_unload(msg, userdata, error, true);
}

static int method_export_config(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *text = NULL;
        const char *format;
        int r;

        r = sd_bus_message_read(msg, "s", &format);
        if (r < 0)
                return r;
        if (!streq(format, "json") && !streq(format, "ini") && !streq(format, ""))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "format '%s' is not one of \"json\" or \"ini\"", format);
        r = export_config(m, &c);
        if (r < 0)
                return r;
        r = streq(format, "ini") ? config_to_ini(c, &text) : config_to_json(c, &text);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", text);
}

static int method_get_placement_advice(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
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
        return placement_advice_start(userdata, msg, cpus, mbs, error);
}

static int property_get_engine_types(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **types = plugin_list_types(&m->dirs);

        if (!types)
                return -ENOMEM;
        return sd_bus_message_append_strv(reply, types);
}

static int property_get_features(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        /* Probing reads sysfs and may briefly create a kdamond: once per few seconds is plenty. */
        static char **cache = NULL;
        static uint64_t cached_at = 0;
        uint64_t now = 0;
        int r;

        (void) sd_event_now(((Manager *) userdata)->event, CLOCK_MONOTONIC, &now);
        if (!cache || now - cached_at > 5 * 1000000u) {
                char **kv = NULL;
                r = mem_kernel_features(&kv);
                if (r < 0)
                        return r;
                strv_free(cache);
                cache = kv;
                cached_at = now;
        }
        return bus_append_params(reply, cache);
}

static int property_get_count(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "u", (uint32_t) m->tree.n_objects);
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", ETMEM_VERSION);
}

const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("EngineTypes", "as", property_get_engine_types, 0, 0),
        SD_BUS_PROPERTY("KernelFeatures", "a{ss}", property_get_features, 0, 0),
        SD_BUS_PROPERTY("MaxObjects", "u", NULL, offsetof(Manager, tree.max_objects), SD_BUS_VTABLE_PROPERTY_CONST),
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


int manager_connect_bus(Manager *m, const char *address) {
        int r;

        if (address) {
                r = sd_bus_new(&m->bus);
                if (r < 0)
                        return r;
                r = sd_bus_set_address(m->bus, address);
                if (r < 0)
                        return r;
                r = sd_bus_set_bus_client(m->bus, true);
                if (r < 0)
                        return r;
                (void) sd_bus_negotiate_creds(m->bus, true, SD_BUS_CREDS_EUID | SD_BUS_CREDS_PID);
                r = sd_bus_start(m->bus);
        } else
                r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return r;
        return sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
}

int manager_add_objects(Manager *m) {
        int r;

        m->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m->notify_fd < 0)
                return -errno;
        r = sd_event_add_io(m->event, &m->notify_source, m->notify_fd, EPOLLIN, on_notify, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->notify_source, "worker-notify");

        r = sd_bus_add_object_vtable(m->bus, NULL, MANAGER_PATH, "org.etmem.Manager1", manager_vtable, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(m->bus, NULL, PROJECT_PREFIX, "org.etmem.Project1", project_vtable,
                                       project_object_find, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(m->bus, NULL, PROJECT_PREFIX, "org.etmem.Engine1", engine_vtable,
                                       engine_object_find, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(m->bus, NULL, PROJECT_PREFIX, "org.etmem.Task1", task_vtable,
                                       task_object_find, m);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(m->bus, NULL, PROJECT_PREFIX, project_node_enumerator, m);
        if (r < 0)
                return r;
        return sd_bus_add_object_manager(m->bus, NULL, MANAGER_PATH);
}
