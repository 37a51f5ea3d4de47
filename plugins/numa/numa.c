/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numa: numad as an etmem engine.  The engine's tasks (type=pid / type=name) form the
 * inclusion list; scan_all=yes adds every other process; exclude=PID,... is never
 * touched.  Per process and evaluation (numad's manage_loads()):
 *   - CPU use = the largest of its last 8 samples (hundredths of a CPU), memory = RSS;
 *     below cpu_threshold % of a CPU or mem_threshold MiB it is left alone;
 *   - requests: RSS * 100 / target_utilization MiB (capped at 100 %), CPU * 100 /
 *     target_utilization (capped at its thread count);
 *   - nodes are picked by free CPU x free memory weighted by node distance (host->mem
 *     numa_pick: numad's pick_numa_nodes());
 *   - then every thread's affinity is set to the CPUs of those nodes and its memory on
 *     other nodes is migrated there with migrate_pages(2), largest source first.
 * Settings change on a running engine with Engine1.Command("set", {key: value}); the
 * host records them in Engine1.Params (docs/engines.md).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "etmem-mem.h"
#include "numa-params.h"
#include "plugin-util.h"

#define RING 8               /* numad's RING_BUF_SIZE */
#define MAX_PROCS 4096       /* processes remembered by an engine */
#define SAMPLE_EVERY_CS 100  /* node figures are refreshed at most once a second */

typedef struct ProcState {
        pid_t pid;
        unsigned long long starttime; /* pid + starttime: never confused with a reused pid */
        uint64_t cpu_ticks, time_cs;  /* last utime+stime and when */
        uint64_t ring[RING];
        unsigned ring_ix, samples;
        uint64_t bind_cs;             /* 0 = never bound */
        uint64_t nodes;               /* node set it is bound to */
        uint64_t next_eval_cs;
        /* last decision, for showplacement */
        char decision[256];
        uint64_t target_nodes, cpu_request, mb_request;
        unsigned utilization_used;
} ProcState;

typedef struct NumaEngine {
        const struct etmem_host *host;
        pthread_mutex_t lock; /* conf, samples, procs */
        NumaConf conf;
        struct etmem_numa_sample *prev, *cur;
        ProcState *procs;
        size_t n_procs;
        uint64_t last_system_pass_cs;
        bool system_pass_running;
} NumaEngine;

typedef struct ProcStat {
        unsigned long long ticks, starttime, vsize, rss_pages, threads;
        unsigned flags;
} ProcStat;

static uint64_t now_cs(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 100 + (uint64_t) ts.tv_nsec / 10000000;
}

static bool pidfd_alive(int pidfd) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        return pidfd >= 0 && poll(&p, 1, 0) == 0;
}

/* Reads /proc/PID/<name> whole, then checks the pidfd: the text is that process's. */
static int read_proc(const struct etmem_target *t, const char *name, char *buf, size_t size) {
        char path[64];
        ssize_t n;
        int fd;

        snprintf(path, sizeof path, "/proc/%d/%s", (int) t->pid, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        n = read(fd, buf, size - 1);
        close(fd);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        if (!pidfd_alive(t->pidfd))
                return -ESRCH;
        return 0;
}

static int proc_stat(const struct etmem_target *t, ProcStat *ret) {
        char buf[1024], *p;
        unsigned long long v[52];
        int r, i;

        r = read_proc(t, "stat", buf, sizeof buf);
        if (r < 0)
                return r;
        p = strrchr(buf, ')'); /* comm may hold spaces and ')' */
        if (!p)
                return -EIO;
        p += 2;
        /* fields from 3 (state) on */
        while (*p && *p != ' ')
                p++;
        for (i = 4; i <= 24 && *p; i++) {
                v[i] = strtoull(p, &p, 10);
        }
        if (i <= 24)
                return -EIO;
        ret->flags = (unsigned) v[9];
        ret->ticks = v[14] + v[15];
        ret->threads = v[20];
        ret->starttime = v[22];
        ret->vsize = v[23];
        ret->rss_pages = v[24];
        return 0;
}

static uint64_t mems_allowed(const struct etmem_target *t, const struct etmem_mem_services *mem) {
        char buf[4096], *p;
        uint64_t nodes = 0;

        if (read_proc(t, "status", buf, sizeof buf) < 0)
                return 0;
        p = strstr(buf, "Mems_allowed_list:");
        if (!p)
                return 0;
        p += strlen("Mems_allowed_list:");
        while (*p == ' ' || *p == '\t')
                p++;
        char *nl = strchr(p, '\n');
        if (nl)
                *nl = 0;
        if (mem->idlist_parse(p, &nodes, 1) < 0)
                return 0;
        return nodes;
}

static ProcState *proc_state(NumaEngine *e, pid_t pid, unsigned long long starttime) {
        for (size_t i = 0; i < e->n_procs; i++)
                if (e->procs[i].pid == pid) {
                        if (e->procs[i].starttime != starttime) /* a new process got this pid */
                                e->procs[i] = (ProcState) { .pid = pid, .starttime = starttime };
                        return &e->procs[i];
                }
        if (e->n_procs >= MAX_PROCS) {
                /* drop the entries of processes that are gone */
                size_t k = 0;
                for (size_t i = 0; i < e->n_procs; i++) {
                        char path[32];
                        snprintf(path, sizeof path, "/proc/%d", (int) e->procs[i].pid);
                        if (access(path, F_OK) == 0)
                                e->procs[k++] = e->procs[i];
                }
                e->n_procs = k;
                if (k >= MAX_PROCS)
                        return NULL;
        }
        ProcState *n = realloc(e->procs, (e->n_procs + 1) * sizeof *n);
        if (!n)
                return NULL;
        e->procs = n;
        e->procs[e->n_procs] = (ProcState) { .pid = pid, .starttime = starttime };
        return &e->procs[e->n_procs++];
}

/* Keeps two node samples at least 0.07 s apart (numad's minimum), refreshed once a second. */
static int refresh_samples(NumaEngine *e, struct etmem_run *run) {
        const struct etmem_mem_services *mem = e->host->mem;
        struct etmem_numa_sample *s;
        uint64_t now = now_cs();
        int r;

        if (e->cur && now < e->cur->time_cs + SAMPLE_EVERY_CS && e->prev && e->prev->time_cs)
                return 0;
        s = e->prev ? e->prev : malloc(sizeof *s);
        if (!s)
                return -ENOMEM;
        r = mem->numa_sample(s);
        if (r < 0) {
                if (s != e->prev)
                        free(s);
                return r;
        }
        e->prev = e->cur;
        e->cur = s;
        if (!e->prev) {
                /* first reading: CPU load needs a second one */
                pthread_mutex_unlock(&e->lock);
                r = run ? e->host->sleep(run, 1000000) : 0;
                pthread_mutex_lock(&e->lock);
                if (r < 0)
                        return r;
                if (!e->prev) {
                        s = malloc(sizeof *s);
                        if (!s)
                                return -ENOMEM;
                        r = mem->numa_sample(s);
                        if (r < 0) {
                                free(s);
                                return r;
                        }
                        e->prev = e->cur;
                        e->cur = s;
                }
        }
        return 0;
}

static void fmt_nodes(const struct etmem_mem_services *mem, uint64_t nodes, char *buf, size_t size) {
        if (mem->idlist_format(&nodes, 1, buf, size) < 0)
                snprintf(buf, size, "?");
}

/* One process: numad's per-candidate step of manage_loads() + bind_process_and_migrate_memory().
 * Returns 1 if it moved something, 0 if not, -errno.  why gets a sentence either way. */
static int evaluate(NumaEngine *e, struct etmem_run *run, const struct etmem_target *t, char *why, size_t size,
                    uint64_t *migrated_bytes) {
        const struct etmem_mem_services *mem = e->host->mem;
        struct etmem_numa_process proc = {};
        uint64_t node_bytes[ETMEM_NUMA_MAX_NODES], before_nonlocal = 0, after_nonlocal = 0, target = 0;
        uint64_t cpus[ETMEM_CPU_WORDS] = {}, now, all_nodes = 0, mb_request, cpu_request, mbs_used;
        long ps = sysconf(_SC_PAGESIZE);
        bool interleaved = false;
        char list[64], cur_list[64];
        NumaConf c;
        ProcStat st;
        ProcState *s;
        int r, moved = 0;
        unsigned threads = 0;

        *migrated_bytes = 0;
        r = proc_stat(t, &st);
        if (r < 0)
                return r;
        if (st.flags & 0x00200000) { /* PF_KTHREAD */
                snprintf(why, size, "pid %d is a kernel thread", (int) t->pid);
                return 0;
        }
        mbs_used = st.rss_pages * (uint64_t) ps >> 20;

        pthread_mutex_lock(&e->lock);
        c = e->conf;
        if (numa_conf_excluded(&c, t->pid)) {
                pthread_mutex_unlock(&e->lock);
                snprintf(why, size, "pid %d is on the exclusion list: never moved", (int) t->pid);
                return 0;
        }
        now = now_cs();
        s = proc_state(e, t->pid, st.starttime);
        if (!s) {
                pthread_mutex_unlock(&e->lock);
                return -ENOMEM;
        }
        if (s->time_cs && now > s->time_cs) {
                s->ring_ix = (s->ring_ix + 1) % RING;
                s->ring[s->ring_ix] = 100 * (st.ticks - s->cpu_ticks) / (now - s->time_cs);
                s->samples++;
        }
        s->cpu_ticks = st.ticks;
        s->time_cs = now;
        proc.cpus_used = 0;
        for (unsigned i = 0; i < RING; i++)
                if (s->ring[i] > proc.cpus_used)
                        proc.cpus_used = s->ring[i];
        if (s->samples == 0) {
                pthread_mutex_unlock(&e->lock);
                snprintf(why, size, "pid %d: measuring its CPU use (needs a second cycle)", (int) t->pid);
                return 0;
        }
        if (proc.cpus_used <= c.cpu_threshold || mbs_used <= c.mem_threshold) {
                snprintf(s->decision, sizeof s->decision,
                         "below the thresholds: %llu%% of a CPU (cpu_threshold %u), %llu MiB (mem_threshold %u)",
                         (unsigned long long) proc.cpus_used, c.cpu_threshold, (unsigned long long) mbs_used,
                         c.mem_threshold);
                pthread_mutex_unlock(&e->lock);
                snprintf(why, size, "pid %d: not managed, %llu%% of a CPU and %llu MiB are not above cpu_threshold %u%% "
                                    "and mem_threshold %u MiB",
                         (int) t->pid, (unsigned long long) proc.cpus_used, (unsigned long long) mbs_used,
                         c.cpu_threshold, c.mem_threshold);
                return 0;
        }
        if (now < s->next_eval_cs || (s->bind_cs && c.reeval_delay && now < s->bind_cs + c.reeval_delay * 100ULL)) {
                uint64_t at = s->next_eval_cs > s->bind_cs + c.reeval_delay * 100ULL ? s->next_eval_cs
                                                                                       : s->bind_cs + c.reeval_delay * 100ULL;
                fmt_nodes(mem, s->nodes, list, sizeof list);
                pthread_mutex_unlock(&e->lock);
                snprintf(why, size, "pid %d: on node(s) %s; next evaluation in %llu s", (int) t->pid,
                         s->bind_cs ? list : "all", (unsigned long long) ((at - now + 99) / 100));
                return 0;
        }
        r = refresh_samples(e, run);
        if (r < 0) {
                pthread_mutex_unlock(&e->lock);
                return r;
        }
        /* the process state may have moved (realloc by another thread while unlocked) */
        s = proc_state(e, t->pid, st.starttime);
        if (!s) {
                pthread_mutex_unlock(&e->lock);
                return -ENOMEM;
        }
        for (uint32_t i = 0; i < e->cur->n_nodes; i++)
                if (e->cur->nodes[i].mem_total >= (1ULL << 20))
                        all_nodes |= 1ULL << e->cur->nodes[i].id;
        pthread_mutex_unlock(&e->lock);

        r = mem->process_node_bytes(t, node_bytes, &interleaved);
        if (r < 0)
                return r;
        if (interleaved && c.keep_interleaved) {
                snprintf(why, size, "pid %d has interleaved memory and keep_interleaved=yes: left alone", (int) t->pid);
                return 0;
        }
        proc.mbs_used = mbs_used;
        for (int n = 0; n < ETMEM_NUMA_MAX_NODES; n++)
                proc.node_mbs[n] = node_bytes[n] >> 20;
        proc.nodes = mems_allowed(t, mem) & (all_nodes ? all_nodes : ~0ULL);

        /* requests with margin (numad): memory capped at 100 %, CPUs at its thread count */
        unsigned mem_util = c.place.target_utilization > 100 ? 100 : c.place.target_utilization;
        uint64_t node0_mbs = 0;
        pthread_mutex_lock(&e->lock);
        node0_mbs = e->cur->nodes[0].mem_total >> 20;
        s = proc_state(e, t->pid, st.starttime);
        proc.bound = s && s->bind_cs;
        if (s && !s->bind_cs && proc.nodes && proc.nodes != all_nodes)
                proc.bound = true; /* bound by someone else before we saw it (numad: as if 30 min ago) */
        if ((st.vsize >> 20) > node0_mbs && mbs_used * 5 / 4 > node0_mbs)
                mb_request = (st.vsize >> 20) * 100 / mem_util;
        else
                mb_request = mbs_used * 100 / mem_util;
        cpu_request = proc.cpus_used * 100 / c.place.target_utilization;
        if (cpu_request > st.threads * 100)
                cpu_request = st.threads * 100;
        uint64_t total_cpus = 0;
        for (uint32_t i = 0; i < e->cur->n_nodes; i++)
                total_cpus += e->cur->nodes[i].n_cpus * 100ULL;
        r = mem->numa_pick(e->prev, e->cur, &c.place, &proc, cpu_request, mb_request, proc.cpus_used <= total_cpus,
                           &target);
        if (r >= 0 && s) {
                s->target_nodes = target;
                s->cpu_request = cpu_request;
                s->mb_request = mb_request;
                s->utilization_used = c.place.target_utilization;
        }
        for (uint32_t i = 0; r > 0 && i < e->cur->n_nodes; i++)
                if ((target >> e->cur->nodes[i].id) & 1)
                        for (int w = 0; w < ETMEM_CPU_WORDS; w++)
                                cpus[w] |= e->cur->nodes[i].cpus[w] & ~c.place.reserved_cpus[w];
        pthread_mutex_unlock(&e->lock);
        if (r < 0)
                return r;
        fmt_nodes(mem, target, list, sizeof list);
        if (r == 0) {
                snprintf(why, size, "pid %d: already on node(s) %s with at least %u%% of its memory there",
                         (int) t->pid, list, c.place.target_memlocality);
                moved = 0;
                goto record;
        }

        /* bind: threads first, so new allocations land on the target nodes */
        bool any_cpu = false;
        for (int w = 0; w < ETMEM_CPU_WORDS; w++)
                any_cpu |= cpus[w] != 0;
        if (any_cpu) {
                r = mem->set_affinity(t, cpus, ETMEM_CPU_WORDS, &threads);
                if (r < 0)
                        return r;
        }
        for (int n = 0; n < ETMEM_NUMA_MAX_NODES; n++)
                if (!((target >> n) & 1))
                        before_nonlocal += node_bytes[n];
        /* numad's loop: largest non-target node into the target node that has least of it */
        uint64_t mbs[ETMEM_NUMA_MAX_NODES];
        int prev_from = -1;
        for (int n = 0; n < ETMEM_NUMA_MAX_NODES; n++)
                mbs[n] = node_bytes[n];
        for (;;) {
                int from = -1, to = -1;
                for (int n = 0; n < ETMEM_NUMA_MAX_NODES; n++) {
                        if (!((all_nodes >> n) & 1) && mbs[n] == 0)
                                continue;
                        if ((target >> n) & 1) {
                                if (to < 0 || mbs[to] >= mbs[n])
                                        to = n;
                        } else if (from < 0 || mbs[from] < mbs[n])
                                from = n;
                }
                if (from < 0 || to < 0 || mbs[from] == 0 || from == prev_from)
                        break;
                if (e->host->cancelled(run))
                        return -ECANCELED;
                r = mem->migrate_process(t, 1ULL << from, 1ULL << to);
                if (r < 0)
                        return r;
                mbs[to] += mbs[from];
                mbs[from] = 0;
                prev_from = from;
        }
        if (mem->process_node_bytes(t, node_bytes, NULL) >= 0) {
                for (int n = 0; n < ETMEM_NUMA_MAX_NODES; n++)
                        if (!((target >> n) & 1))
                                after_nonlocal += node_bytes[n];
                *migrated_bytes = before_nonlocal > after_nonlocal ? before_nonlocal - after_nonlocal : 0;
        }
        fmt_nodes(mem, proc.nodes, cur_list, sizeof cur_list);
        snprintf(why, size,
                 "pid %d: bound %u thread(s) to node(s) %s (was %s), migrated %llu MiB there (requests: %llu.%02llu "
                 "CPUs, %llu MiB at target_utilization %u%%)",
                 (int) t->pid, threads, list, cur_list, (unsigned long long) (*migrated_bytes >> 20),
                 (unsigned long long) (cpu_request / 100), (unsigned long long) (cpu_request % 100),
                 (unsigned long long) mb_request, c.place.target_utilization);
        moved = 1;
record:
        pthread_mutex_lock(&e->lock);
        s = proc_state(e, t->pid, st.starttime);
        if (s) {
                now = now_cs();
                if (moved) {
                        s->bind_cs = now;
                        s->nodes = target;
                } else if (!s->bind_cs)
                        s->bind_cs = now;
                s->next_eval_cs = now + (moved ? c.min_interval : c.max_interval) * 100ULL;
                snprintf(s->decision, sizeof s->decision, "%s", why);
        }
        pthread_mutex_unlock(&e->lock);
        return moved;
}

/* scan_all=yes: every other user process, once per min_interval, from one worker at a time. */
static void system_pass(NumaEngine *e, struct etmem_run *run, pid_t skip) {
        DIR *d;
        struct dirent *de;
        uint64_t now = now_cs(), moved_bytes = 0;
        unsigned moved = 0;

        pthread_mutex_lock(&e->lock);
        if (!e->conf.scan_all || e->system_pass_running ||
            (e->last_system_pass_cs && now < e->last_system_pass_cs + e->conf.min_interval * 100ULL)) {
                pthread_mutex_unlock(&e->lock);
                return;
        }
        e->system_pass_running = true;
        e->last_system_pass_cs = now;
        pthread_mutex_unlock(&e->lock);

        d = opendir("/proc");
        while (d && (de = readdir(d)) && !e->host->cancelled(run)) {
                char why[320];
                uint64_t b = 0;
                long pid;
                char *end;
                int fd;

                if (!isdigit((unsigned char) de->d_name[0]))
                        continue;
                pid = strtol(de->d_name, &end, 10);
                if (*end || pid <= 1 || pid == skip || pid == getpid())
                        continue;
                fd = (int) syscall(SYS_pidfd_open, (pid_t) pid, 0);
                if (fd < 0)
                        continue;
                struct etmem_target t = { .pid = (pid_t) pid, .pidfd = fd, .comm = "" };
                if (evaluate(e, run, &t, why, sizeof why, &b) > 0) {
                        moved++;
                        moved_bytes += b;
                }
                close(fd);
        }
        if (d)
                closedir(d);
        if (moved)
                e->host->log(ETMEM_LOG_INFO, "numa: scan_all pass moved %u process(es), %llu MiB", moved,
                             (unsigned long long) (moved_bytes >> 20));
        e->host->count(run, ETMEM_COUNTER_BYTES_MIGRATED, moved_bytes);
        pthread_mutex_lock(&e->lock);
        e->system_pass_running = false;
        pthread_mutex_unlock(&e->lock);
}

static bool mem_usable(const struct etmem_host *host) {
        return host && ETMEM_MEM_HAS(host->mem, set_affinity);
}

static void apply_thp(const NumaEngine *e, unsigned ms) {
        static const char path[] = "/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs";
        char buf[32];
        int fd;

        if (ms == 0)
                return;
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        snprintf(buf, sizeof buf, "%u\n", ms);
        if (write(fd, buf, strlen(buf)) < 0)
                e->host->log(ETMEM_LOG_WARNING, "numa: cannot set %s to %u: %s", path, ms, strerror(errno));
        close(fd);
}

static int numa_fill_eng(const struct etmem_host *host, const struct etmem_project_info *project,
                         const struct etmem_params *params, void **ret, struct etmem_error *err) {
        NumaEngine *e;
        NumaConf c;
        int r;

        numa_conf_default(&c);
        r = numa_conf_apply(&c, params, err);
        if (r < 0)
                return r;
        e = calloc(1, sizeof *e);
        if (!e)
                return -ENOMEM;
        e->host = host;
        e->conf = c;
        pthread_mutex_init(&e->lock, NULL);
        *ret = e;
        return 0;
}

static void numa_clear_eng(void *eng) {
        NumaEngine *e = eng;

        if (!e)
                return;
        pthread_mutex_destroy(&e->lock);
        free(e->prev);
        free(e->cur);
        free(e->procs);
        free(e);
}

static int numa_fill_task(void *eng, const struct etmem_project_info *project, const struct etmem_task_info *task,
                          const struct etmem_params *params, struct etmem_task_conf *conf, void **ret,
                          struct etmem_error *err) {
        if (params->n > 0)
                return plugin_fail(err, params->v[0].key, -EINVAL,
                                   "unknown key '%s' in [task] (a numa task only names processes with type and "
                                   "value; the engine holds numad's settings)",
                                   params->v[0].key);
        conf->max_threads = 1;
        *ret = calloc(1, 1);
        return *ret ? 0 : -ENOMEM;
}

static int numa_check_start(void *eng, void *task, struct etmem_error *err) {
        NumaEngine *e = eng;

        if (!mem_usable(e->host))
                return plugin_fail(err, NULL, -EOPNOTSUPP,
                                   "this etmemd offers no NUMA services to engines (host->mem too old)");
        apply_thp(e, e->conf.thp_scan_sleep_ms);
        return 0;
}

static int numa_act(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target, void *pid) {
        NumaEngine *e = eng;
        struct etmem_numa_sample *s;
        char why[320];
        uint64_t bytes = 0;
        int r;

        if (!mem_usable(e->host))
                return -EOPNOTSUPP;
        /* One node: nothing to place (numad idles too: it manages only when nodes > 1). */
        s = malloc(sizeof *s);
        if (!s)
                return -ENOMEM;
        r = e->host->mem->numa_sample(s);
        if (r >= 0 && s->n_nodes < 2) {
                e->host->set_status(run, "nothing to move: this machine has one NUMA node (pid %d stays where it is)",
                                    (int) target->pid);
                free(s);
                return 0;
        }
        free(s);
        if (r < 0)
                return r;
        r = evaluate(e, run, target, why, sizeof why, &bytes);
        if (r == -ESRCH) {
                e->host->set_status(run, "pid %d exited", (int) target->pid);
                return 0;
        }
        if (r < 0 && r != -ECANCELED)
                return r;
        e->host->count(run, ETMEM_COUNTER_BYTES_MIGRATED, bytes);
        e->host->set_status(run, "%s", why);
        system_pass(e, run, target->pid);
        return r == -ECANCELED ? r : 0;
}

static int numa_mgt(void *eng, void *task, const char *cmd, const struct etmem_params *args, char **json,
                    struct etmem_error *err) {
        NumaEngine *e = eng;
        char buf[4096];
        int r;

        if (strcmp(cmd, "set") == 0) {
                if (args->n == 0)
                        return plugin_fail(err, NULL, -EINVAL, "set needs at least one key (valid: %s)", NUMA_KEYS);
                pthread_mutex_lock(&e->lock);
                r = numa_conf_apply(&e->conf, args, err);
                unsigned thp = e->conf.thp_scan_sleep_ms;
                if (r >= 0)
                        r = numa_conf_json(&e->conf, buf, sizeof buf);
                /* new settings count from now on: evaluate every process on the next cycle */
                for (size_t i = 0; r >= 0 && i < e->n_procs; i++)
                        e->procs[i].next_eval_cs = 0;
                pthread_mutex_unlock(&e->lock);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < args->n; i++)
                        if (strcmp(args->v[i].key, "thp_scan_sleep_ms") == 0)
                                apply_thp(e, thp);
                return asprintf(json, "{\"params\":{%s}}", buf) < 0 ? -ENOMEM : 0;
        }
        if (strcmp(cmd, "showplacement") == 0) {
                char *out = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&out, &size);

                if (!f)
                        return -ENOMEM;
                pthread_mutex_lock(&e->lock);
                numa_conf_json(&e->conf, buf, sizeof buf);
                fprintf(f, "{\"params\":{%s},\"processes\":[", buf);
                for (size_t i = 0; i < e->n_procs; i++) {
                        const ProcState *s = &e->procs[i];
                        char nodes[64] = "", target[64] = "";
                        if (s->bind_cs)
                                fmt_nodes(e->host->mem, s->nodes, nodes, sizeof nodes);
                        fmt_nodes(e->host->mem, s->target_nodes, target, sizeof target);
                        fputs(i ? "," : "", f);
                        fprintf(f, "{\"pid\":%d,\"bound_nodes\":\"%s\",\"target_nodes\":\"%s\",\"cpu_request\":%llu,"
                                   "\"mb_request\":%llu,\"target_utilization\":%u,\"decision\":\"",
                                (int) s->pid, nodes, target, (unsigned long long) s->cpu_request,
                                (unsigned long long) s->mb_request, s->utilization_used);
                        for (const char *c = s->decision; *c; c++)
                                if (*c == '"' || *c == '\\')
                                        fprintf(f, "\\%c", *c);
                                else if ((unsigned char) *c >= 0x20)
                                        fputc(*c, f);
                        fputs("\"}", f);
                }
                pthread_mutex_unlock(&e->lock);
                fputs("]}", f);
                if (fclose(f) != 0) {
                        free(out);
                        return -ENOMEM;
                }
                *json = out;
                return 0;
        }
        return plugin_fail(err, NULL, -EOPNOTSUPP, "valid commands: set, showplacement");
}

__attribute__((visibility("default"))) const struct etmem_engine_ops etmem_engine_ops = {
        .abi_major = ETMEM_PLUGIN_ABI_MAJOR,
        .abi_minor = ETMEM_PLUGIN_ABI_MINOR,
        .size = sizeof(struct etmem_engine_ops),
        .type = "numa",
        .fill_eng_params = numa_fill_eng,
        .clear_eng_params = numa_clear_eng,
        .fill_task_params = numa_fill_task,
        .clear_task_params = free,
        .check_start = numa_check_start,
        .act = numa_act,
        .eng_mgt_func = numa_mgt,
};
