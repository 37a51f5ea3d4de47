/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>

#include "log.h"
#include "macro.h"
#include "mem-error.h"
#include "plugin.h"
#include "runner.h"
#include "target.h"

struct etmem_run {
        atomic_uint n_ref;
        TaskImpl *impl;

        /* copies taken at start: the worker never touches the object model */
        struct etmem_project_info project;
        struct etmem_task_info task;
        char *strings[5];
        int notify_fd;

        pthread_t thread;
        bool thread_started, joined;
        atomic_bool cancelled;
        atomic_bool finished;

        pthread_mutex_t lock;
        pthread_cond_t cond;     /* signalled on cancel, wakes sleeps */
        /* guarded by lock */
        uint64_t live[_ETMEM_COUNTER_MAX];
        uint64_t published[_ETMEM_COUNTER_MAX];
        uint64_t cycles, last_cycle_usec;
        pid_t *pids;
        size_t n_pids;
        char *status;
        char *last_error;
        pid_t skipped_logged;   /* the process report_skipped() last logged */
        bool dirty;
};

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

bool runner_cancelled(TaskRun *r) {
        return atomic_load(&r->cancelled);
}

int runner_sleep(TaskRun *r, uint64_t usec) {
        struct timespec deadline;
        int ret = 0;

        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += (time_t) (usec / 1000000u);
        deadline.tv_nsec += (long) (usec % 1000000u) * 1000;
        if (deadline.tv_nsec >= 1000000000) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock(&r->lock);
        while (!atomic_load(&r->cancelled))
                if (pthread_cond_timedwait(&r->cond, &r->lock, &deadline) == ETIMEDOUT)
                        break;
        if (atomic_load(&r->cancelled))
                ret = -ECANCELED;
        pthread_mutex_unlock(&r->lock);
        return ret;
}

void runner_count(TaskRun *r, enum etmem_counter c, uint64_t delta) {
        if ((unsigned) c >= _ETMEM_COUNTER_MAX)
                return;
        pthread_mutex_lock(&r->lock);
        r->live[c] += delta;
        pthread_mutex_unlock(&r->lock);
}

static void set_text(TaskRun *r, char **field, const char *fmt, va_list ap) __attribute__((__format__(printf, 3, 0)));
static void set_text(TaskRun *r, char **field, const char *fmt, va_list ap) {
        char *s = NULL;

        if (vasprintf(&s, fmt, ap) < 0)
                return;
        pthread_mutex_lock(&r->lock);
        free(*field);
        *field = s;
        pthread_mutex_unlock(&r->lock);
}

void runner_set_statusv(TaskRun *r, const char *fmt, va_list ap) {
        set_text(r, &r->status, fmt, ap);
}

static void run_status(TaskRun *r, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));
static void run_status(TaskRun *r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        runner_set_statusv(r, fmt, ap);
        va_end(ap);
}

static void run_error(TaskRun *r, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));
static void run_error(TaskRun *r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        set_text(r, &r->last_error, fmt, ap);
        va_end(ap);
        pthread_mutex_lock(&r->lock);
        log_warning("task %s/%s/%s: %s", r->task.project, r->task.engine, r->task.name, r->last_error);
        pthread_mutex_unlock(&r->lock);
}

static void notify(TaskRun *r) {
        uint64_t one = 1;

        if (write(r->notify_fd, &one, sizeof one) < 0)
                log_debug("eventfd write: %m");
}

/* ---- one cycle ---- */

typedef struct Slot {
        MemTarget *target;
        struct etmem_target t;
        void *priv;
        bool failed;
} Slot;

typedef struct Phase {
        TaskRun *run;
        Slot *slots;
        size_t n;
        atomic_size_t next;
        bool act;
        unsigned round;
} Phase;

static void phase_one(Phase *ph, Slot *s) {
        const struct etmem_engine_ops *ops = ph->run->impl->engine->plugin->ops;
        void *eng = ph->run->impl->engine->priv, *task = ph->run->impl->priv;
        int r;

        if (s->failed || atomic_load(&ph->run->cancelled))
                return;
        if (!mem_target_alive(s->target)) {
                s->failed = true; /* exited: never act on a pid that may be reused */
                run_status(ph->run, "pid %d exited during the cycle: nothing done to it", (int) s->t.pid);
                return;
        }
        if (!mem_target_creds_unchanged(s->target)) {
                s->failed = true; /* e.g. it exec'd a setuid program since it was resolved */
                run_error(ph->run, "pid %d (%s) changed credentials or became non-dumpable during the cycle: "
                          "left alone", (int) s->t.pid, s->target->comm);
                return;
        }
        if (ph->act)
                r = ops->act ? ops->act(ph->run, eng, task, &s->t, s->priv) : 0;
        else
                r = ops->scan ? ops->scan(ph->run, eng, task, &s->t, s->priv, ph->round) : 0;
        if (r < 0 && r != -ECANCELED) {
                s->failed = true;
                run_error(ph->run, "%s of pid %d failed: %s", ph->act ? "action" : "scan", (int) s->t.pid,
                          strerror(-r));
        }
}

static void *phase_thread(void *arg) {
        Phase *ph = arg;
        size_t i;

        while ((i = atomic_fetch_add(&ph->next, 1)) < ph->n)
                phase_one(ph, &ph->slots[i]);
        return NULL;
}

/* Runs one phase over all targets on up to max_threads threads (this one included). */
static void run_phase(TaskRun *r, Slot *slots, size_t n, bool act, unsigned round) {
        Phase ph = { .run = r, .slots = slots, .n = n, .act = act, .round = round };
        unsigned nthreads = r->impl->conf.max_threads ? r->impl->conf.max_threads : 1;
        pthread_t th[64];
        size_t started = 0;

        atomic_init(&ph.next, 0);
        if (nthreads > n)
                nthreads = (unsigned) n;
        if (nthreads > ELEMENTSOF(th) + 1)
                nthreads = ELEMENTSOF(th) + 1;
        for (unsigned i = 1; i < nthreads; i++)
                if (pthread_create(&th[started], NULL, phase_thread, &ph) == 0)
                        started++;
        phase_thread(&ph);
        for (size_t i = 0; i < started; i++)
                pthread_join(th[i], NULL);
}

/* A type=pid task stays with the process it first found: the same pid with another
 * start time is an unrelated process that reused the number, and is never touched.
 * The binding survives restarts (the state file), so a restored task does not adopt
 * whoever holds the pid by then.  False with Status set when the task must do nothing. */
static bool pid_target_is_bound_process(TaskRun *r, const MemTarget *targets, size_t n) {
        unsigned long long want = __atomic_load_n(&r->impl->bound_starttime, __ATOMIC_SEQ_CST);
        pid_t root = (pid_t) strtol(r->task.value, NULL, 10);

        for (size_t i = 0; i < n; i++) {
                if (targets[i].pid != root)
                        continue;
                if (want == 0) {
                        __atomic_store_n(&r->impl->bound_starttime, targets[i].starttime, __ATOMIC_SEQ_CST);
                        return true;
                }
                if (targets[i].starttime == want)
                        return true;
                if (want == TASK_BOUND_OTHER_BOOT)
                        run_status(r, "bound to pid %d of an earlier boot (binding in the state file); that process "
                                   "is gone and pid %d is another process now: nothing done (remove and add the "
                                   "task again to bind it to this one)", (int) root, (int) root);
                else
                        run_status(r, "bound to the process of pid %d started at tick %llu, but pid %d now belongs to "
                                   "another process (started at tick %llu): nothing done (remove and add the task "
                                   "again to bind it to this one)", (int) root, want, (int) root, targets[i].starttime);
                return false;
        }
        return true; /* a thread id of the process: resolution already mapped it */
}

/* LastError says which process was left alone and why, every cycle it happens (plugins
 * overwrite Status); the log says it when the first such process changes. */
static void report_skipped(TaskRun *r, const MemTargetSkipped *sk) {
        char *s = NULL;
        bool news;
        int k = sk->n > 1 ? asprintf(&s, "%s (and %zu more left alone)", sk->why, sk->n - 1) :
                            asprintf(&s, "%s", sk->why);

        if (k < 0)
                return;
        pthread_mutex_lock(&r->lock);
        news = sk->pid != r->skipped_logged;
        r->skipped_logged = sk->pid;
        free(r->last_error);
        r->last_error = s;
        pthread_mutex_unlock(&r->lock);
        if (news)
                log_info("task %s/%s/%s: %zu process(es) left alone: %s", r->task.project, r->task.engine,
                         r->task.name, sk->n, sk->why);
}

/* The end of every cycle: publish the figures and wake the loop thread. */
static void cycle_done(TaskRun *r, uint64_t t0, bool count) {
        pthread_mutex_lock(&r->lock);
        if (count)
                r->cycles++;
        r->last_cycle_usec = now_usec() - t0;
        memcpy(r->published, r->live, sizeof r->published);
        r->dirty = true;
        pthread_mutex_unlock(&r->lock);
        notify(r);
}

/* An engine with its own cycle (ABI 1.2, e.g. psi on a cgroup): no processes to resolve. */
static void run_engine_cycle(TaskRun *r, int (*cycle)(struct etmem_run *, void *, void *)) {
        uint64_t t0 = now_usec();
        int k;

        k = cycle(r, r->impl->engine->priv, r->impl->priv);
        if (k < 0 && k != -ECANCELED)
                run_error(r, "cycle failed: %s", strerror(-k));
        cycle_done(r, t0, !atomic_load(&r->cancelled));
}

static void run_cycle(TaskRun *r) {
        const struct etmem_engine_ops *ops = r->impl->engine->plugin->ops;
        void *eng = r->impl->engine->priv, *task = r->impl->priv;
        MemTarget *targets = NULL;
        _cleanup_free_ Slot *slots = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        uint64_t t0 = now_usec();
        int (*cycle)(struct etmem_run *, void *, void *) = plugin_ops_cycle(ops);
        int k;

        if (cycle) {
                run_engine_cycle(r, cycle);
                return;
        }
        MemTargetSkipped skipped;
        k = mem_targets_resolve_query(&(MemTargetQuery) {
                        .type = r->task.type, .value = r->task.value,
                        .has_uid = r->impl->has_match_uid, .uid = r->impl->match_uid,
                }, &targets, &n, &skipped);
        if (k >= 0 && skipped.n > 0)
                report_skipped(r, &skipped);
        if (k < 0) {
                run_error(r, "cannot resolve %s %s: %s", r->task.type, r->task.value, strerror(-k));
                n = 0;
        } else if (n == 0)
                run_status(r, "waiting: no process matches %s %s", r->task.type, r->task.value);
        else if (streq(r->task.type, "pid") && !pid_target_is_bound_process(r, targets, n)) {
                mem_targets_free(targets, n);
                targets = NULL;
                n = 0;
        }

        slots = calloc(n ? n : 1, sizeof *slots);
        pids = calloc(n ? n : 1, sizeof *pids);
        if (!slots || !pids) {
                mem_targets_free(targets, n);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                slots[i].target = &targets[i];
                slots[i].t = (struct etmem_target) {
                        .pid = targets[i].pid, .pidfd = targets[i].pidfd, .comm = targets[i].comm };
                pids[i] = targets[i].pid;
                if (ops->alloc_pid_params) {
                        mem_error_clear();
                        k = ops->alloc_pid_params(r, eng, task, &slots[i].t, &slots[i].priv);
                        if (k < 0) {
                                /* the memory layer's sentence, where it left one (which tracker
                                 * was refused for this process, and why), else the errno's */
                                const char *why = mem_error_get();
                                slots[i].failed = true;
                                run_error(r, "cannot set up pid %d: %s", (int) targets[i].pid,
                                          *why ? why : strerror(-k));
                        }
                }
        }
        pthread_mutex_lock(&r->lock);
        free(r->pids);
        r->pids = TAKE_PTR(pids);
        r->n_pids = n;
        pthread_mutex_unlock(&r->lock);

        if (n > 0) {
                for (unsigned round = 0; round < r->project.loop && !atomic_load(&r->cancelled); round++) {
                        if (round > 0 && runner_sleep(r, (uint64_t) r->project.interval * 1000000u) < 0)
                                break;
                        run_phase(r, slots, n, false, round);
                }
                if (!atomic_load(&r->cancelled))
                        run_phase(r, slots, n, true, 0);
        }
        for (size_t i = 0; i < n; i++)
                if (slots[i].priv && ops->free_pid_params)
                        ops->free_pid_params(eng, slots[i].priv);
        mem_targets_free(targets, n);
        cycle_done(r, t0, !atomic_load(&r->cancelled) || n == 0);
}

static void *run_thread(void *arg) {
        TaskRun *r = arg;

        while (!atomic_load(&r->cancelled)) {
                run_cycle(r);
                if (runner_sleep(r, (uint64_t) r->project.sleep * 1000000u) < 0)
                        break;
        }
        atomic_store(&r->finished, true);
        notify(r);
        return NULL;
}

int runner_start(const RunSpec *spec, TaskRun **ret) {
        TaskRun *r;
        int k;

        r = calloc(1, sizeof *r);
        if (!r)
                return -ENOMEM;
        atomic_init(&r->n_ref, 2); /* caller + worker */
        r->impl = task_impl_ref(spec->impl);
        r->notify_fd = spec->notify_fd;
        pthread_mutex_init(&r->lock, NULL);
        {
                pthread_condattr_t a;
                pthread_condattr_init(&a);
                pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
                pthread_cond_init(&r->cond, &a);
                pthread_condattr_destroy(&a);
        }
        r->project = spec->project;
        r->strings[0] = strdup(spec->task.project);
        r->strings[1] = strdup(spec->task.engine);
        r->strings[2] = strdup(spec->task.name);
        r->strings[3] = strdup(spec->task.type);
        r->strings[4] = strdup(spec->task.value);
        for (size_t i = 0; i < ELEMENTSOF(r->strings); i++)
                if (!r->strings[i]) {
                        atomic_store(&r->n_ref, 1);
                        runner_unref(r);
                        return -ENOMEM;
                }
        r->project.name = r->strings[0];
        r->task = (struct etmem_task_info) { .project = r->strings[0], .engine = r->strings[1],
                                             .name = r->strings[2], .type = r->strings[3],
                                             .value = r->strings[4] };
        memcpy(r->live, spec->counters, sizeof r->live);
        memcpy(r->published, spec->counters, sizeof r->published);
        r->cycles = spec->cycles;

        k = -pthread_create(&r->thread, NULL, run_thread, r);
        if (k < 0) {
                atomic_store(&r->n_ref, 1);
                runner_unref(r);
                return k;
        }
        r->thread_started = true;
        *ret = r;
        return 0;
}

void runner_cancel(TaskRun *r) {
        const struct etmem_engine_ops *ops = r->impl->engine->plugin->ops;

        pthread_mutex_lock(&r->lock);
        atomic_store(&r->cancelled, true);
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
        if (ops->stop_task)
                ops->stop_task(r->impl->engine->priv, r->impl->priv);
}

bool runner_finished(TaskRun *r) {
        return atomic_load(&r->finished);
}

void runner_join(TaskRun *r) {
        if (r->thread_started && !r->joined) {
                pthread_join(r->thread, NULL);
                r->joined = true;
                runner_unref(r); /* the worker's reference */
        }
}

bool runner_wait(TaskRun *r, uint64_t timeout_usec) {
        uint64_t end = now_usec() + timeout_usec;

        while (!runner_finished(r)) {
                if (now_usec() >= end)
                        return false;
                (void) poll(NULL, 0, 10);
        }
        runner_join(r);
        return true;
}

bool runner_take_snapshot(TaskRun *r, RunSnapshot *ret) {
        RunSnapshot s = {};
        bool changed;

        pthread_mutex_lock(&r->lock);
        changed = r->dirty;
        if (changed) {
                memcpy(s.counters, r->published, sizeof s.counters);
                s.cycles = r->cycles;
                s.last_cycle_usec = r->last_cycle_usec;
                if (r->n_pids > 0 && (s.pids = malloc(r->n_pids * sizeof(pid_t)))) {
                        memcpy(s.pids, r->pids, r->n_pids * sizeof(pid_t));
                        s.n_pids = r->n_pids;
                }
                if ((r->n_pids > 0 && !s.pids) || (r->status && !(s.status = strdup(r->status))) ||
                    (r->last_error && !(s.last_error = strdup(r->last_error)))) {
                        task_figures_done(&s);
                        changed = false; /* out of memory: try again at the next report */
                } else
                        r->dirty = false;
        }
        pthread_mutex_unlock(&r->lock);
        if (changed)
                *ret = s;
        return changed;
}

TaskRun *runner_ref(TaskRun *r) {
        atomic_fetch_add(&r->n_ref, 1);
        return r;
}

TaskRun *runner_unref(TaskRun *r) {
        if (!r || atomic_fetch_sub(&r->n_ref, 1) > 1)
                return NULL;
        task_impl_unref(r->impl);
        for (size_t i = 0; i < ELEMENTSOF(r->strings); i++)
                free(r->strings[i]);
        free(r->pids);
        free(r->status);
        free(r->last_error);
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->cond);
        free(r);
        return NULL;
}
