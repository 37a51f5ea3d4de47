/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The psi engine (upstream etmem's etmemd_psi_fb.c): proactive reclaim of a memory
 * cgroup while its memory pressure stays low.  Each cycle, for every cgroup cg_dir
 * matches: if some task stalled on memory for less than `pressure` % of the last
 * period, reclaim reclaim_rate of its usage (at most reclaim_max_bytes, never below
 * the floor: limit_min_bytes, limit_min_ratio of the highest usage seen); else reclaim
 * nothing.  The rate grows ×1.5 after 5 calm cycles in a row and halves
 * after 2 pressured ones, within reclaim_rate_min..reclaim_rate_max.
 *
 * How it reclaims: memory.reclaim (cgroup v2, or v1 where openEuler has it); on a v1
 * kernel without it, memory.limit_in_bytes is stepped down in chunks (the kernel
 * reclaims in our context) and put back to what it was right after, so the workload
 * never runs under a lowered limit; a chunk that shows pressure, or that the kernel
 * cannot reach (EBUSY), ends the step at once.
 */
#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plugin-util.h"
#include "psi-cgroup.h"
#include "psi-params.h"

#define MiB (1024.0 * 1024.0)
#define CHUNK_MIN (8ull << 20)
#define CALM_TO_GROW 5
#define PRESSURED_TO_SHRINK 2

typedef struct CgState {
        PsiCgroup cg;
        double rate;
        unsigned calm, pressured;
        uint64_t peak;                /* highest usage seen: limit_min_ratio's base */
        uint64_t stall_prev, t_prev;  /* stall total and time at the end of the last cycle */
        uint64_t own_prev;            /* our own reclaim time by then */
        bool have_prev, seen;
} CgState;

typedef struct PsiTask {
        PsiParams p;
        const char *root;
        bool v2;
        CgState *cg;
        size_t n_cg;
        uint64_t own_us;              /* time this task spent reclaiming (it stalls in the system PSI) */
} PsiTask;

static const struct etmem_host *host;

static uint64_t now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static int psi_fill_eng(const struct etmem_host *h, const struct etmem_project_info *project,
                        const struct etmem_params *params, void **ret, struct etmem_error *err) {
        host = h;
        if (h->abi_minor >= 2 && project->scan_type && strcmp(project->scan_type, "psi") != 0)
                return plugin_fail(err, "", -EINVAL,
                                   "the psi engine runs in scan_type=psi projects; project '%s' is scan_type=%s",
                                   project->name, project->scan_type);
        for (size_t i = 0; i < params->n; i++)
                return plugin_unknown_key(&params->v[i], "engine", "(none)", err);
        *ret = calloc(1, 1);
        return *ret ? 0 : -ENOMEM;
}

static int psi_fill_task(void *eng, const struct etmem_project_info *project, const struct etmem_task_info *task,
                         const struct etmem_params *params, struct etmem_task_conf *conf, void **ret,
                         struct etmem_error *err) {
        PsiTask *t = calloc(1, sizeof *t);
        int r;

        if (!t)
                return -ENOMEM;
        r = psi_params_parse(params, &t->p, err);
        if (r < 0) {
                free(t);
                return r;
        }
        conf->max_threads = 1;
        *ret = t;
        return 0;
}

static void psi_clear_task(void *task) {
        PsiTask *t = task;

        if (t)
                free(t->cg);
        free(t);
}

static int psi_check_start(void *eng, void *task, struct etmem_error *err) {
        PsiTask *t = task;

        t->root = psi_memory_root(&t->v2);
        if (!t->root)
                return plugin_fail(err, "cg_dir", -EOPNOTSUPP,
                                   "no memory cgroup controller: neither cgroup v2 at /sys/fs/cgroup nor v1 at /sys/fs/cgroup/memory");
        if (access("/proc/pressure/memory", R_OK) < 0)
                return plugin_fail(err, "", -EOPNOTSUPP, "this kernel has no PSI (/proc/pressure/memory; boot with psi=1)");
        return 0;
}

/* Others' stall over the period, in % of it: the cgroup's own file, or the system's
 * minus the time we spent reclaiming ourselves (our reclaim stalls count there). */
static double period_pressure(CgState *s, PsiTask *t, uint64_t stall, uint64_t now) {
        uint64_t dt = now - s->t_prev, ds = stall - s->stall_prev, own = t->own_us - s->own_prev;

        if (!s->have_prev || dt == 0)
                return 0.0;
        if (s->cg.pressure_is_system)
                ds = ds > own ? ds - own : 0;
        return 100.0 * (double) ds / (double) dt;
}

static void mark_period(CgState *s, PsiTask *t) {
        uint64_t stall;

        if (psi_cg_stall_us(&s->cg, &stall) >= 0) {
                s->stall_prev = stall;
                s->t_prev = now_us();
                s->own_prev = t->own_us;
                s->have_prev = true;
        }
}

/* Pressure since the last mark, as period_pressure(). */
static double pressure_since_mark(CgState *s, PsiTask *t) {
        uint64_t stall;

        if (psi_cg_stall_us(&s->cg, &stall) < 0)
                return 0.0;
        return period_pressure(s, t, stall, now_us());
}

/* Reclaims about `want` bytes in chunks; stops at pressure, at the kernel's limit, or
 * when cancelled.  v1 limit steps always end with the original limit back. */
static int reclaim(struct etmem_run *run, CgState *s, PsiTask *t, uint64_t usage, uint64_t want, const char **why) {
        uint64_t chunk = want / 8 > CHUNK_MIN ? want / 8 : CHUNK_MIN, done = 0, orig = 0;
        int r = 0;

        *why = "done";
        if (s->cg.mode == PSI_CG_V1_LIMIT) {
                r = psi_cg_limit(&s->cg, &orig);
                if (r < 0)
                        return r;
        }
        mark_period(s, t);
        while (done < want) {
                uint64_t step = want - done < chunk ? want - done : chunk, t0 = now_us(), after;

                if (host->cancelled(run)) {
                        *why = "stopped";
                        break;
                }
                if (s->cg.mode == PSI_CG_V1_LIMIT)
                        r = psi_cg_set_limit(&s->cg, usage - done - step);
                else
                        r = psi_cg_reclaim(&s->cg, step);
                t->own_us += now_us() - t0;
                if (r == -EBUSY || r == -EAGAIN) {
                        *why = "the kernel could reclaim no more";
                        r = 0;
                        break;
                }
                if (r < 0)
                        break;
                done += step;
                if (s->cg.mode == PSI_CG_V1_LIMIT && psi_cg_usage(&s->cg, &after) >= 0 && after > usage - done) {
                        *why = "usage did not follow the limit";
                        break;
                }
                if (pressure_since_mark(s, t) >= t->p.pressure) {
                        *why = "pressure rose";
                        break;
                }
                mark_period(s, t);
        }
        if (s->cg.mode == PSI_CG_V1_LIMIT) {
                int k = psi_cg_set_limit(&s->cg, orig);
                if (k < 0) {
                        host->log(ETMEM_LOG_ERROR, "psi: cannot restore %s/memory.limit_in_bytes to %llu: %s", s->cg.path,
                                  (unsigned long long) orig, strerror(-k));
                        r = r < 0 ? r : k;
                }
        }
        return r;
}

static CgState *state_for(PsiTask *t, const char *path) {
        CgState *n;

        for (size_t i = 0; i < t->n_cg; i++)
                if (strcmp(t->cg[i].cg.path, path) == 0)
                        return &t->cg[i];
        n = realloc(t->cg, (t->n_cg + 1) * sizeof *n);
        if (!n)
                return NULL;
        t->cg = n;
        n = &t->cg[t->n_cg];
        *n = (CgState) { .rate = t->p.reclaim_rate };
        if (psi_cgroup_describe(path, t->v2, &n->cg) < 0)
                return NULL;
        t->n_cg++;
        return n;
}

static void one_cgroup(struct etmem_run *run, PsiTask *t, CgState *s, char *status, size_t size) {
        const char *name = s->cg.path + strlen(t->root) + 1, *why = "";
        uint64_t usage, after, stall, now = now_us(), floor, want = 0;
        double pressure;
        int r;

        if (psi_cg_usage(&s->cg, &usage) < 0 || psi_cg_stall_us(&s->cg, &stall) < 0) {
                snprintf(status, size, "cgroup %s: cannot read its usage or pressure", name);
                return;
        }
        if (usage > s->peak)
                s->peak = usage;
        pressure = period_pressure(s, t, stall, now);
        if (pressure >= t->p.pressure) {
                s->calm = 0;
                if (++s->pressured >= PRESSURED_TO_SHRINK) {
                        s->pressured = 0;
                        s->rate = s->rate / 2 < t->p.reclaim_rate_min ? t->p.reclaim_rate_min : s->rate / 2;
                }
                snprintf(status, size, "cgroup %s: pressure %.2f%% >= %.2f%%: not reclaiming (%s; rate %.3f)", name,
                         pressure, t->p.pressure, psi_cg_mode_to_string(s->cg.mode), s->rate);
                mark_period(s, t);
                return;
        }
        if (s->have_prev && ++s->calm >= CALM_TO_GROW) {
                s->calm = 0;
                s->rate = s->rate * 1.5 > t->p.reclaim_rate_max ? t->p.reclaim_rate_max : s->rate * 1.5;
        }
        s->pressured = 0;
        floor = (uint64_t) (t->p.limit_min_ratio * (double) s->peak);
        if (floor < t->p.limit_min_bytes)
                floor = t->p.limit_min_bytes;
        if (s->have_prev && usage > floor) {
                want = (uint64_t) (s->rate * (double) usage);
                if (want > t->p.reclaim_max_bytes)
                        want = t->p.reclaim_max_bytes;
                if (usage - want < floor)
                        want = usage - floor;
                want &= ~4095ull;
        }
        if (want < 4096) {
                snprintf(status, size, "cgroup %s: %.1f MiB, %s (%s; pressure %.2f%%, floor %.1f MiB)", name,
                         usage / MiB, s->have_prev ? "at the floor" : "first look: reclaiming from the next cycle",
                         psi_cg_mode_to_string(s->cg.mode), pressure, floor / MiB);
                mark_period(s, t);
                return;
        }
        r = reclaim(run, s, t, usage, want, &why);
        if (psi_cg_usage(&s->cg, &after) < 0)
                after = usage;
        if (after < usage)
                host->count(run, ETMEM_COUNTER_BYTES_PAGED_OUT, usage - after);
        snprintf(status, size, "cgroup %s: %.1f MiB -> %.1f MiB by %s (%s%s; rate %.3f, pressure %.2f%% < %.2f%%, floor %.1f MiB)",
                 name, usage / MiB, after / MiB, psi_cg_mode_to_string(s->cg.mode), r < 0 ? "error: " : "",
                 r < 0 ? strerror(-r) : why, s->rate, pressure, t->p.pressure, floor / MiB);
        mark_period(s, t);
}

static int psi_cycle(struct etmem_run *run, void *eng, void *task) {
        PsiTask *t = task;
        char pattern[PATH_MAX + PSI_CG_DIR_MAX], status[1024] = "";
        size_t matched = 0;
        glob_t g = {};
        int r;

        if (!t->root && !(t->root = psi_memory_root(&t->v2)))
                return -EOPNOTSUPP;
        snprintf(pattern, sizeof pattern, "%s/%s", t->root, t->p.cg_dir);
        r = glob(pattern, GLOB_ONLYDIR | GLOB_NOSORT, NULL, &g);
        if (r != 0 && r != GLOB_NOMATCH) {
                globfree(&g);
                return -ENOMEM;
        }
        for (size_t i = 0; i < t->n_cg; i++)
                t->cg[i].seen = false;
        for (size_t i = 0; r == 0 && i < g.gl_pathc && !host->cancelled(run); i++) {
                size_t len = strlen(status);
                CgState *s = state_for(t, g.gl_pathv[i]);

                if (!s)
                        continue;
                s->seen = true;
                matched++;
                if (len)
                        len += (size_t) snprintf(status + len, sizeof status - len, "; ");
                if (len < sizeof status)
                        one_cgroup(run, t, s, status + len, sizeof status - len);
        }
        globfree(&g);
        /* forget cgroups that went away */
        for (size_t i = 0; i < t->n_cg;)
                if (!t->cg[i].seen)
                        t->cg[i] = t->cg[--t->n_cg];
                else
                        i++;
        if (!matched)
                host->set_status(run, "waiting: no cgroup matches %s", pattern);
        else
                host->set_status(run, "%s", status);
        return 0;
}

/* The one exported symbol (the module is built with hidden visibility). */
__attribute__((visibility("default"))) const struct etmem_engine_ops etmem_engine_ops = {
        .abi_major = ETMEM_PLUGIN_ABI_MAJOR,
        .abi_minor = ETMEM_PLUGIN_ABI_MINOR,
        .size = sizeof(struct etmem_engine_ops),
        .type = "psi",
        .fill_eng_params = psi_fill_eng,
        .clear_eng_params = free,
        .fill_task_params = psi_fill_task,
        .clear_task_params = psi_clear_task,
        .check_start = psi_check_start,
        .cycle = psi_cycle,
};
