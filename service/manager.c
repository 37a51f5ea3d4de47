/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <sys/eventfd.h>

#include "bus-util.h"
#include "kernel-features.h"
#include "lifecycle.h"
#include "log.h"
#include "macro.h"
#include "manager-bus.h"
#include "manager.h"
#include "placement.h"
#include "state.h"
#include "tree.h"

static void schedule_save(BusContext *ctx) {
        manager_schedule_save(container_of(ctx, Manager, ctx));
}

int manager_new(Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->ctx.schedule_save = schedule_save;
        tree_init(&m->ctx.tree);
        lifecycle_init(&m->ctx.lifecycle, &m->ctx.tree);
        r = sd_event_default(&m->ctx.event);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        /* No signal for objects that go with the daemon. */
        m->ctx.tree.observer = (TreeObserver) {};
        lifecycle_stop_all(&m->ctx.lifecycle);
        lifecycle_drain(&m->ctx.lifecycle, 2 * 1000000u);
        lifecycle_done(&m->ctx.lifecycle);
        tree_done(&m->ctx.tree);
        placement_cancel_all();
        plugin_cache_clear(&m->ctx.plugins);
        strv_free(m->ctx.dirs.engines_dirs);
        free(m->ctx.dirs.thirdparty_dir);
        free(m->state_dir);
        config_dir_done(&m->config_dir);
        sd_event_source_unref(m->save_source);
        sd_event_source_unref(m->notify_source);
        sd_event_source_unref(m->features_source);
        strv_free(m->ctx.features);
        if (m->ctx.lifecycle.notify_fd >= 0)
                close(m->ctx.lifecycle.notify_fd);
        sd_bus_flush_close_unref(m->ctx.bus);
        sd_event_unref(m->ctx.event);
        free(m);
        return NULL;
}

static int on_notify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        uint64_t v;

        if (read(fd, &v, sizeof v) < 0 && errno != EAGAIN)
                log_debug("eventfd read: %m");
        if (lifecycle_collect(&((Manager *) userdata)->ctx.lifecycle))
                manager_schedule_save(userdata);
        return 0;
}

static int on_save(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        (void) state_save(&m->ctx.tree, m->state_dir);
        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
}

void manager_schedule_save(Manager *m) {
        if (!m->state_dir || !m->ctx.event)
                return;
        if (!m->save_source) {
                if (sd_event_add_defer(m->ctx.event, &m->save_source, on_save, m) < 0) {
                        (void) state_save(&m->ctx.tree, m->state_dir);
                        return;
                }
                (void) sd_event_source_set_description(m->save_source, "state-save");
        }
        (void) sd_event_source_set_enabled(m->save_source, SD_EVENT_ONESHOT);
}

int manager_save_now(Manager *m) {
        if (m->save_source)
                (void) sd_event_source_set_enabled(m->save_source, SD_EVENT_OFF);
        return state_save(&m->ctx.tree, m->state_dir);
}

int manager_restore(Manager *m) {
        ApplyEnv env = bus_context_apply_env(&m->ctx);

        return state_restore(&env, m->state_dir);
}

int manager_load_config_dir(Manager *m, bool at_start) {
        ApplyEnv env = bus_context_apply_env(&m->ctx);
        bool changed = false;
        int r;

        r = config_dir_load(&m->config_dir, &env, at_start, &changed);
        if (changed)
                manager_schedule_save(m);
        return r;
}

int manager_connect_bus(Manager *m, const char *address) {
        sd_bus **bus = &m->ctx.bus;
        int r;

        if (address) {
                r = sd_bus_new(bus);
                if (r < 0)
                        return r;
                r = sd_bus_set_address(*bus, address);
                if (r < 0)
                        return r;
                r = sd_bus_set_bus_client(*bus, true);
                if (r < 0)
                        return r;
                (void) sd_bus_negotiate_creds(*bus, true, SD_BUS_CREDS_EUID | SD_BUS_CREDS_PID);
                r = sd_bus_start(*bus);
        } else
                r = sd_bus_open_system(bus);
        if (r < 0)
                return r;
        return sd_bus_attach_event(*bus, m->ctx.event, SD_EVENT_PRIORITY_NORMAL);
}

static int manager_setup_notify(Manager *m) {
        int r;

        m->ctx.lifecycle.notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m->ctx.lifecycle.notify_fd < 0)
                return -errno;
        r = sd_event_add_io(m->ctx.event, &m->notify_source, m->ctx.lifecycle.notify_fd, EPOLLIN, on_notify, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->notify_source, "worker-notify");
        return 0;
}

static int probe_features(Manager *m) {
        char **kv = NULL;
        int r;

        r = mem_kernel_features(&kv);
        if (r < 0)
                return r;
        strv_free(m->ctx.features);
        m->ctx.features = kv;
        log_debug("kernel features probed (tracker: %s)", strna(params_get(kv, "tracker")));
        return 0;
}

static int on_features_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        int r;

        r = probe_features(m);
        if (r < 0)
                log_warning("probing kernel features again: %s", strerror(-r));
        return sd_event_source_set_time_relative(s, FEATURES_REPROBE_USEC);
}

int manager_add_objects(Manager *m) {
        int r;

        r = manager_setup_notify(m);
        if (r < 0)
                return r;
        /* modules come and go (etmem_scan, DAMON): probe again now and then, not per read */
        r = probe_features(m);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(m->ctx.event, &m->features_source, CLOCK_MONOTONIC, FEATURES_REPROBE_USEC,
                                       0, on_features_timer, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->features_source, SD_EVENT_ON);
        (void) sd_event_source_set_description(m->features_source, "kernel-features-probe");
        return manager_bus_add_objects(&m->ctx);
}
