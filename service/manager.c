/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <poll.h>
#include <sys/eventfd.h>

#include "engine.h"
#include "log.h"
#include "macro.h"
#include "manager-bus.h"
#include "placement.h"
#include "manager.h"
#include "project.h"
#include "runner.h"
#include "state.h"
#include "task.h"
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
        m->ctx.notify_fd = -1;
        m->ctx.schedule_save = schedule_save;
        tree_init(&m->ctx.tree);
        r = sd_event_default(&m->ctx.event);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        tree_done(&m->ctx.tree);
        manager_drain(m, 2 * 1000000u);
        for (size_t i = 0; i < m->ctx.n_draining; i++)
                runner_unref(m->ctx.draining[i].run); /* a worker still inside a plugin keeps its own reference */
        free(m->ctx.draining);
        placement_cancel_all();
        plugin_cache_clear(&m->ctx.plugins);
        strv_free(m->ctx.dirs.engines_dirs);
        free(m->ctx.dirs.thirdparty_dir);
        free(m->state_dir);
        sd_event_source_unref(m->save_source);
        sd_event_source_unref(m->notify_source);
        if (m->ctx.notify_fd >= 0)
                close(m->ctx.notify_fd);
        sd_bus_flush_close_unref(m->ctx.bus);
        sd_event_unref(m->ctx.event);
        free(m);
        return NULL;
}

int draining_add(BusContext *ctx, TaskRun *r, Task *t) {
        return GREEDY_APPEND(ctx->draining, ctx->n_draining, ctx->cap_draining,
                             ((struct DrainEntry) { runner_ref(r), t }));
}

void draining_forget(BusContext *ctx, Task *t) {
        for (size_t i = 0; i < ctx->n_draining; i++)
                if (ctx->draining[i].task == t)
                        ctx->draining[i].task = NULL;
}

/* Joins finished stopped runs and publishes fresh figures of running ones. */
static void manager_collect(Manager *m) {
        BusContext *ctx = &m->ctx;

        for (size_t i = 0; i < ctx->n_draining;) {
                TaskRun *r = ctx->draining[i].run;
                Task *owner = ctx->draining[i].task;
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
                ARRAY_REMOVE(ctx->draining, ctx->n_draining, i);
        }
        for (size_t i = 0; i < ctx->tree.n_projects; i++) {
                Project *p = ctx->tree.projects[i];
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
                        tree_changed(&ctx->tree, OBJ_PROJECT, p, TREE_CHANGE_CYCLES);
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
        if (!m->state_dir || m->restoring || !m->ctx.event)
                return;
        if (!m->save_source) {
                if (sd_event_add_defer(m->ctx.event, &m->save_source, on_save, m) < 0) {
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
        Tree *t = &m->ctx.tree;

        for (size_t i = 0; i < t->n_projects; i++)
                for (size_t j = 0; j < t->projects[i]->n_engines; j++)
                        for (size_t k = 0; k < t->projects[i]->engines[j]->n_tasks; k++)
                                task_stop(t->projects[i]->engines[j]->tasks[k]);
}

void manager_drain(Manager *m, uint64_t timeout_usec) {
        uint64_t step = 10000;

        for (uint64_t waited = 0; m->ctx.n_draining > 0 && waited < timeout_usec; waited += step) {
                manager_collect(m);
                if (m->ctx.n_draining > 0)
                        (void) poll(NULL, 0, (int) (step / 1000));
        }
        manager_collect(m);
        if (m->ctx.n_draining > 0)
                log_warning("%zu worker(s) did not return in time", m->ctx.n_draining);
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

        m->ctx.notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m->ctx.notify_fd < 0)
                return -errno;
        r = sd_event_add_io(m->ctx.event, &m->notify_source, m->ctx.notify_fd, EPOLLIN, on_notify, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->notify_source, "worker-notify");
        return 0;
}

int manager_add_objects(Manager *m) {
        int r;

        r = manager_setup_notify(m);
        if (r < 0)
                return r;
        return manager_bus_add_objects(&m->ctx);
}
