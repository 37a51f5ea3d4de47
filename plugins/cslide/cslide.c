/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cslide: memory tiering between NUMA nodes.  For each DRAM,slow node pair
 * (node_pair=0,1: node 0 is DRAM, node 1 the slow AEP/CXL node), a cycle finds the
 * target's hot and cold pages (accessed in >= / < hot_threshold of the `loop` scan
 * rounds) and, with move_pages(2) in batches:
 *   - demotes cold pages on a DRAM node to its slow node (coldest first),
 *   - promotes hot pages on a slow node to its DRAM node (hottest first),
 *   - keeps at most node_hot_reserve MiB of the hot pages in DRAM: beyond it the
 *     least hot are demoted too (etmem: "when all hot memory exceeds this, hot memory
 *     also moves to AEP"),
 *   - moves at most node_mig_quota MiB per direction per cycle and target.
 * Task keys: vm_flags=ht (only huge-page VMAs), anon_only=yes (leave file pages),
 * ign_host (accepted for etmem's files; there is no guest/EPT scan to ignore here).
 * Everything it does to a process goes through host->mem (etmem-mem.h).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cslide-params.h"
#include "cslide-report.h"
#include "etmem-mem.h"
#include "plugin-util.h"

#define SYSFS_NODE_DIR "/sys/devices/system/node"
/* One cycle handles at most this many resident pages of a target (64 GiB of 4 KiB pages):
 * the page lists cost 16 bytes a page. */
#define CSLIDE_MAX_PAGES (16ULL << 20)
/* Regions over 1 GiB whose resident memory is under 1/64 of their span are not walked. */
#define SPARSE_SPAN_MIN (1ULL << 30)
#define SPARSE_RATIO 64

typedef struct CslidePage {
        uint64_t addr;
        uint32_t accesses;
        int node;         /* from move_pages(nodes=NULL); < 0: not present */
        bool managed;     /* in a VMA this task may move (vm_flags / anon_only) */
        bool hot;
} CslidePage;

typedef struct CslidePid {
        struct etmem_tracker *tracker;
        bool gone;
} CslidePid;

static bool mem_usable(const struct etmem_host *host) {
        return host && ETMEM_MEM_HAS(host->mem, set_affinity);
}

static int cslide_fill_eng(const struct etmem_host *host, const struct etmem_project_info *project,
                           const struct etmem_params *params, void **ret, struct etmem_error *err) {
        CslideEngineRt *e = calloc(1, sizeof *e);
        /* Tests of single-node machines point this at a made-up node directory; the daemon's
         * unit never sets it (secure_getenv: ignored in a setuid context). */
        const char *dir = secure_getenv("ETMEM_SYSFS_NODE_DIR");
        int r;

        if (!e)
                return -ENOMEM;
        r = cslide_parse_engine(params, dir && *dir ? dir : SYSFS_NODE_DIR, &e->conf, err);
        if (r < 0) {
                free(e);
                return r;
        }
        e->host = host;
        pthread_mutex_init(&e->lock, NULL);
        *ret = e;
        return 0;
}

static void cslide_clear_eng(void *eng) {
        CslideEngineRt *e = eng;

        if (!e)
                return;
        pthread_mutex_destroy(&e->lock);
        free(e);
}

static int cslide_fill_task(void *eng, const struct etmem_project_info *project, const struct etmem_task_info *task,
                            const struct etmem_params *params, struct etmem_task_conf *conf, void **ret,
                            struct etmem_error *err) {
        CslideEngineRt *e = eng;
        CslideTaskRt *t = calloc(1, sizeof *t);
        int r;

        if (!t)
                return -ENOMEM;
        r = cslide_parse_task(params, &t->conf, err);
        if (r < 0) {
                free(t);
                return r;
        }
        snprintf(t->name, sizeof t->name, "%s", task->name);
        t->engine = e;
        conf->max_threads = 1;
        pthread_mutex_lock(&e->lock);
        t->next = e->tasks;
        e->tasks = t;
        pthread_mutex_unlock(&e->lock);
        *ret = t;
        return 0;
}

static void cslide_clear_task(void *task) {
        CslideTaskRt *t = task;

        if (!t)
                return;
        pthread_mutex_lock(&t->engine->lock);
        for (CslideTaskRt **p = &t->engine->tasks; *p; p = &(*p)->next)
                if (*p == t) {
                        *p = t->next;
                        break;
                }
        pthread_mutex_unlock(&t->engine->lock);
        free(t->snaps);
        free(t);
}

static int cslide_check_start(void *eng, void *task, struct etmem_error *err) {
        CslideEngineRt *e = eng;

        if (e->conf.pmu_key)
                return plugin_pmu_not_supported(err, e->conf.pmu_key);
        if (!mem_usable(e->host))
                return plugin_fail(err, NULL, -EOPNOTSUPP,
                                   "this etmemd offers no NUMA migration services to engines (host->mem too old)");
        return 0;
}

static int cslide_alloc_pid(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target,
                            void **ret) {
        CslideEngineRt *e = eng;
        CslidePid *p;
        int r;

        if (!mem_usable(e->host))
                return -EOPNOTSUPP;
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        r = e->host->mem->tracker_open(target, NULL, &p->tracker);
        if (r == -ESRCH)
                p->gone = true;
        else if (r < 0) {
                free(p);
                return r;
        }
        *ret = p;
        return 0;
}

static void cslide_free_pid(void *eng, void *pid) {
        CslideEngineRt *e = eng;
        CslidePid *p = pid;

        if (!p)
                return;
        if (p->tracker)
                e->host->mem->tracker_close(p->tracker);
        free(p);
}

static int cslide_scan(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target, void *pid,
                       unsigned round) {
        CslideEngineRt *e = eng;
        CslidePid *p = pid;
        int r;

        if (p->gone)
                return 0;
        if (e->host->cancelled(run))
                return -ECANCELED;
        r = e->host->mem->tracker_scan(p->tracker, round);
        if (r == -ESRCH) {
                p->gone = true;
                return 0;
        }
        return r;
}

static bool region_managed(const CslideTask *t, uint32_t flags) {
        if (t->vm_flags_ht && !(flags & (ETMEM_REGION_HUGE | ETMEM_REGION_HUGETLB)))
                return false;
        if (t->anon_only && (flags & ETMEM_REGION_FILE))
                return false;
        return true;
}

/* hugetlbfs / MAP_HUGETLB VMAs from /proc/PID/smaps.  Only the kmod tracker gives their
 * pages a verdict (2 MiB pages as PMD leaves); the others leave them out (their Rss is 0;
 * page_idle, clear_refs and DAMON's estimates cannot judge them).  What no tracker region
 * covers is added by cslide_act as memory without a verdict, which stays where it is. */
static int hugetlb_regions(const struct etmem_target *t, struct etmem_region **ret, size_t *n_ret) {
        char path[64], line[512];
        struct etmem_region *v = NULL, cur = {};
        size_t n = 0;
        bool have = false, file = false;
        FILE *f;
        struct pollfd pfd = { .fd = t->pidfd, .events = POLLIN };

        *ret = NULL;
        *n_ret = 0;
        snprintf(path, sizeof path, "/proc/%d/smaps", (int) t->pid);
        f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? -ESRCH : -errno;
        if (poll(&pfd, 1, 0) != 0) { /* the pid is no longer the target's */
                fclose(f);
                return -ESRCH;
        }
        while (fgets(line, sizeof line, f)) {
                unsigned long long a, b, kb;
                char name[256] = "";

                if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %255s", &a, &b, name) >= 2 && strchr(line, '-') &&
                    line[0] != ' ' && strchr("0123456789abcdef", line[0])) {
                        cur = (struct etmem_region) { .start = a, .end = b };
                        file = name[0] == '/' && strncmp(name, "/anon_hugepage", 14) != 0;
                        have = false;
                        continue;
                }
                if ((sscanf(line, "Shared_Hugetlb: %llu kB", &kb) == 1 ||
                     sscanf(line, "Private_Hugetlb: %llu kB", &kb) == 1) && kb > 0 && !have) {
                        struct etmem_region *nv = realloc(v, (n + 1) * sizeof *nv);
                        if (!nv) {
                                free(v);
                                fclose(f);
                                return -ENOMEM;
                        }
                        v = nv;
                        cur.flags = ETMEM_REGION_HUGETLB | (file ? ETMEM_REGION_FILE : ETMEM_REGION_ANON);
                        cur.resident = kb * 1024;
                        v[n++] = cur;
                        have = true;
                }
        }
        fclose(f);
        *ret = v;
        *n_ret = n;
        return 0;
}

/* The parts of the hugetlb ranges huge[0..n_huge) that no tracker region reg[0..n_reg)
 * (sorted) covers, appended to out (room for n_huge + n_reg entries). */
static size_t unjudged_hugetlb(const struct etmem_region *reg, size_t n_reg, const struct etmem_region *huge,
                               size_t n_huge, struct etmem_region *out) {
        size_t n = 0;

        for (size_t h = 0; h < n_huge; h++) {
                uint64_t p = huge[h].start;

                for (size_t i = 0; i < n_reg && p < huge[h].end; i++) {
                        if (reg[i].end <= p || reg[i].start >= huge[h].end)
                                continue;
                        if (reg[i].start > p) {
                                out[n] = huge[h];
                                out[n].start = p;
                                out[n++].end = reg[i].start;
                        }
                        p = reg[i].end;
                }
                if (p < huge[h].end) {
                        out[n] = huge[h];
                        out[n++].start = p;
                }
        }
        return n;
}

/* Present pages of every region (all resident memory: the per-node figures of
 * showtaskpages cover the whole process), with the tracker's verdicts. */
static int collect_pages(const struct etmem_mem_services *mem, const struct etmem_target *target,
                         const struct etmem_region *reg, size_t n, size_t judged, const CslideTask *t,
                         unsigned hot_threshold, uint64_t page, CslidePage **ret, size_t *n_ret, bool *truncated,
                         uint64_t *skipped, uint64_t *unjudged) {
        CslidePage *v = NULL;
        size_t len = 0, cap = 0;
        uint64_t *pm = NULL;
        size_t pm_cap = 0;
        int r = 0;

        *truncated = false;
        *skipped = 0;
        *unjudged = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                /* regions past `judged` have no tracker verdict: listed, never moved */
                bool managed = i < judged && region_managed(t, reg[i].flags);
                bool hot = reg[i].accesses >= hot_threshold;
                uint64_t span = reg[i].end - reg[i].start;

                /* A huge sparse mapping (sanitizer shadow, NORESERVE arenas reported whole by a
                 * VMA tracker) would cost 8 bytes of pagemap per 4 KiB of address space: skip it. */
                if (span > SPARSE_SPAN_MIN && span / SPARSE_RATIO > reg[i].resident) {
                        *skipped += reg[i].resident;
                        continue;
                }
                /* read pagemap in 2 MiB windows */
                for (uint64_t s = reg[i].start; s < reg[i].end; s += 512 * page) {
                        uint64_t e = s + 512 * page < reg[i].end ? s + 512 * page : reg[i].end;
                        size_t k = (size_t) ((e - s) / page);

                        if (k > pm_cap) {
                                free(pm);
                                pm = malloc(k * sizeof *pm);
                                pm_cap = pm ? k : 0;
                                if (!pm) {
                                        r = -ENOMEM;
                                        break;
                                }
                        }
                        r = mem->pagemap_read(target, s, e, pm);
                        if (r < 0)
                                break;
                        for (size_t j = 0; j < k; j++) {
                                if (!(pm[j] & ETMEM_PM_PRESENT))
                                        continue;
                                if (len >= CSLIDE_MAX_PAGES) {
                                        *truncated = true;
                                        goto out;
                                }
                                if (len == cap) {
                                        size_t nc = cap ? cap * 2 : 4096;
                                        CslidePage *nv = realloc(v, nc * sizeof *nv);
                                        if (!nv) {
                                                r = -ENOMEM;
                                                goto out;
                                        }
                                        v = nv;
                                        cap = nc;
                                }
                                v[len++] = (CslidePage) { .addr = s + j * page, .accesses = reg[i].accesses,
                                                          .node = -1, .managed = managed, .hot = hot };
                                if (i >= judged)
                                        (*unjudged)++;
                        }
                }
        }
out:
        free(pm);
        if (r < 0) {
                free(v);
                return r;
        }
        *ret = v;
        *n_ret = len;
        return 0;
}

static int cmp_hottest_first(const void *a, const void *b) {
        const CslidePage *x = *(CslidePage *const *) a, *y = *(CslidePage *const *) b;

        if (x->accesses != y->accesses)
                return x->accesses > y->accesses ? -1 : 1;
        return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_coldest_first(const void *a, const void *b) {
        return -cmp_hottest_first(a, b);
}

#define HUGE_BLOCK_SHIFT 21 /* 2 MiB: x86-64 / arm64-4K PMD size */

static bool same_block(const CslidePage *a, const CslidePage *b) {
        return a->addr >> HUGE_BLOCK_SHIFT == b->addr >> HUGE_BLOCK_SHIFT;
}

/* Largest n' <= n such that list[n'] does not share a 2 MiB block with list[n'-1]. */
static size_t trim_to_block(CslidePage **list, size_t n) {
        while (n > 0 && same_block(list[n], list[n - 1]))
                n--;
        return n;
}

/* Smallest n' >= n (<= total) such that list[n'] starts a new 2 MiB block. */
static size_t extend_to_block(CslidePage **list, size_t n, size_t total) {
        while (n > 0 && n < total && same_block(list[n], list[n - 1]))
                n++;
        return n;
}

static uint64_t hot_in_dram(const CslideEngineRt *e, const CslidePage *pages, size_t n) {
        uint64_t c = 0;

        for (size_t i = 0; i < n; i++)
                if (pages[i].managed && pages[i].hot)
                        for (unsigned k = 0; k < e->conf.n_pairs; k++)
                                if (pages[i].node == e->conf.pairs[k].fast)
                                        c++;
        return c;
}

static bool run_cancelled(void *userdata) {
        void **ctx = userdata;
        const struct etmem_host *host = ctx[0];
        return host->cancelled(ctx[1]);
}

static bool node_online(const struct etmem_numa_sample *s, int node) {
        for (uint32_t i = 0; i < s->n_nodes; i++)
                if (s->nodes[i].id == node)
                        return s->nodes[i].mem_total > 0;
        return false;
}

/* Moves list[0..n) to `node`; pages that moved get their new node. */
static int move_list(const struct etmem_host *host, struct etmem_run *run, const struct etmem_target *target,
                     CslidePage **list, size_t n, int node, uint64_t *moved) {
        uint64_t *addrs = NULL;
        int *nodes = NULL, *status = NULL, r;
        void *ctx[2] = { (void *) host, run };
        struct etmem_pageout_opts opts = { .cancelled = run_cancelled, .userdata = ctx };
        struct etmem_move_stats st = {};

        *moved = 0;
        if (n == 0)
                return 0;
        addrs = malloc(n * sizeof *addrs);
        nodes = malloc(n * sizeof *nodes);
        status = malloc(n * sizeof *status);
        if (!addrs || !nodes || !status) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                addrs[i] = list[i]->addr;
                nodes[i] = node;
                status[i] = list[i]->node;
        }
        r = host->mem->move_pages(target, addrs, nodes, n, status, &opts, &st);
        for (size_t i = 0; i < n; i++)
                if (status[i] == node)
                        list[i]->node = node;
        *moved = st.pages_moved;
out:
        free(addrs);
        free(nodes);
        free(status);
        return r;
}

static void store_snapshot(CslideTaskRt *t, const struct etmem_target *target, const CslidePage *pages, size_t n,
                           uint64_t page, uint64_t cycle_moved_down, uint64_t cycle_moved_up, uint64_t skipped) {
        CslidePidSnap s = { .pid = target->pid, .page_size = page, .demoted = cycle_moved_down,
                            .promoted = cycle_moved_up, .skipped = skipped };

        for (size_t i = 0; i < n; i++) {
                int node = pages[i].node;
                if (node < 0 || node >= ETMEM_NUMA_MAX_NODES)
                        continue;
                s.node[node].pages++;
                if (pages[i].managed) {
                        if (pages[i].hot)
                                s.node[node].hot++;
                        else
                                s.node[node].cold++;
                }
                s.nodes |= 1ULL << node;
        }
        pthread_mutex_lock(&t->engine->lock);
        s.cycle = ++t->generation;
        cslide_snap_put(t, &s);
        pthread_mutex_unlock(&t->engine->lock);
}

static int cslide_act(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target, void *pid) {
        CslideEngineRt *e = eng;
        CslideTaskRt *t = task;
        CslidePid *p = pid;
        const struct etmem_host *host = e->host;
        const struct etmem_mem_services *mem = host->mem;
        const struct etmem_region *reg;
        struct etmem_numa_sample *sample = NULL;
        CslidePage *pages = NULL, **down = NULL, **up = NULL, **hotlist = NULL;
        size_t n_reg = 0, n = 0, n_down = 0, n_up = 0, n_hot = 0;
        uint64_t page = (uint64_t) sysconf(_SC_PAGESIZE), hot = 0, cold = 0, moved_down = 0, moved_up = 0;
        uint64_t quota_pages, reserve_pages;
        unsigned rounds = 0, active_pairs = 0;
        char why[200] = "";
        bool truncated = false;
        int *status = NULL;
        uint64_t *addrs = NULL;
        struct etmem_region *huge = NULL, *all = NULL;
        size_t n_huge = 0, n_unjudged = 0;
        uint64_t skipped = 0, unjudged = 0;
        char note[200] = "";
        int r;

        if (p->gone) {
                host->set_status(run, "pid %d exited during the cycle", (int) target->pid);
                return 0;
        }
        r = mem->tracker_results(p->tracker, &reg, &n_reg, &rounds);
        if (r < 0)
                return r;

        /* Which pairs can move memory on this machine now (a node may be offline or gone). */
        sample = malloc(sizeof *sample);
        if (!sample)
                return -ENOMEM;
        r = mem->numa_sample(sample);
        if (r < 0)
                goto out;
        for (unsigned i = 0; i < e->conf.n_pairs; i++) {
                const CslideNodePair *np = &e->conf.pairs[i];
                if (node_online(sample, np->fast) && node_online(sample, np->slow))
                        active_pairs++;
                else if (!why[0])
                        snprintf(why, sizeof why, "NUMA node %d of pair %d,%d is not online on this machine",
                                 node_online(sample, np->fast) ? np->slow : np->fast, np->fast, np->slow);
        }

        r = hugetlb_regions(target, &huge, &n_huge);
        if (r == -ESRCH) {
                r = 0;
                goto out;
        }
        if (r < 0)
                goto out;
        all = malloc((2 * n_reg + n_huge + 1) * sizeof *all);
        if (!all) {
                r = -ENOMEM;
                goto out;
        }
        if (n_reg > 0)
                memcpy(all, reg, n_reg * sizeof *all);
        n_unjudged = unjudged_hugetlb(reg, n_reg, huge, n_huge, all + n_reg);
        r = collect_pages(mem, target, all, n_reg + n_unjudged, n_reg, &t->conf, (unsigned) e->conf.hot_threshold,
                          page, &pages, &n, &truncated, &skipped, &unjudged);
        if (r == -ESRCH) {
                r = 0;
                goto out;
        }
        if (r < 0)
                goto out;
        addrs = malloc((n ? n : 1) * sizeof *addrs);
        status = malloc((n ? n : 1) * sizeof *status);
        down = malloc((n ? n : 1) * sizeof *down);
        up = malloc((n ? n : 1) * sizeof *up);
        hotlist = malloc((n ? n : 1) * sizeof *hotlist);
        if (!addrs || !status || !down || !up || !hotlist) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++)
                addrs[i] = pages[i].addr;
        r = n ? mem->page_nodes(target, addrs, n, status) : 0;
        if (r == -ESRCH) {
                r = 0;
                goto out;
        }
        if (r < 0)
                goto out;
        for (size_t i = 0; i < n; i++) {
                pages[i].node = status[i];
                if (!pages[i].managed)
                        continue;
                if (pages[i].hot) {
                        hot++;
                        hotlist[n_hot++] = &pages[i];
                } else
                        cold++;
        }
        host->count(run, ETMEM_COUNTER_PAGES_SCANNED, hot + cold);
        host->count(run, ETMEM_COUNTER_PAGES_HOT, hot);
        host->count(run, ETMEM_COUNTER_PAGES_COLD, cold);

        quota_pages = e->conf.node_mig_quota * (1ULL << 20) / page;
        reserve_pages = e->conf.node_hot_reserve * (1ULL << 20) / page;
        if (active_pairs > 0) {
                /* The hottest reserve_pages of the hot pages belong in DRAM, the rest on slow nodes. */
                qsort(hotlist, n_hot, sizeof *hotlist, cmp_hottest_first);
                size_t keep = reserve_pages < n_hot ? (size_t) reserve_pages : n_hot;
                keep = extend_to_block(hotlist, keep, n_hot); /* a huge page is kept or moved whole */
                for (size_t i = keep; i < n_hot; i++)
                        hotlist[i]->hot = false; /* overflow: demoted like cold memory, after it */
                for (unsigned pi = 0; pi < e->conf.n_pairs; pi++) {
                        const CslideNodePair *np = &e->conf.pairs[pi];
                        size_t d0 = n_down, u0 = n_up;

                        if (!node_online(sample, np->fast) || !node_online(sample, np->slow))
                                continue;
                        for (size_t i = 0; i < n; i++) {
                                if (!pages[i].managed)
                                        continue;
                                if (pages[i].node == np->fast && !pages[i].hot)
                                        down[n_down++] = &pages[i];
                                else if (pages[i].node == np->slow && pages[i].hot)
                                        up[n_up++] = &pages[i];
                        }
                        /* coldest leave first, hottest come back first; never over the quota */
                        qsort(down + d0, n_down - d0, sizeof *down, cmp_coldest_first);
                        qsort(up + u0, n_up - u0, sizeof *up, cmp_hottest_first);
                        size_t nd = n_down - d0, nu = n_up - u0;
                        uint64_t left_down = quota_pages > moved_down ? quota_pages - moved_down : 0;
                        uint64_t left_up = quota_pages > moved_up ? quota_pages - moved_up : 0;
                        /* move_pages() moves a transparent huge page whole: cut the lists between
                         * 2 MiB blocks, or one cycle could move up to 2 MiB past the quota */
                        if (nd > left_down)
                                nd = trim_to_block(down + d0, (size_t) left_down);
                        if (nu > left_up)
                                nu = trim_to_block(up + u0, (size_t) left_up);
                        uint64_t m = 0;
                        r = move_list(host, run, target, down + d0, nd, np->slow, &m);
                        moved_down += m;
                        if (r >= 0) {
                                r = move_list(host, run, target, up + u0, nu, np->fast, &m);
                                moved_up += m;
                        }
                        if (r < 0)
                                break;
                }
                /* restore the verdicts for the report */
                for (size_t i = 0; i < n_hot; i++)
                        hotlist[i]->hot = true;
        }
        host->count(run, ETMEM_COUNTER_BYTES_MIGRATED, (moved_down + moved_up) * page);
        store_snapshot(t, target, pages, n, page, moved_down * page, moved_up * page, skipped);
        if (unjudged > 0) {
                struct etmem_tracker_info info = {};

                mem->tracker_info(p->tracker, &info);
                snprintf(note, sizeof note,
                         "; %llu KiB of hugetlb memory left where it is: the %s tracker gives it no access verdict",
                         (unsigned long long) (unjudged * page >> 10), info.kind ? info.kind : "current");
        }

        if (r == -ECANCELED)
                host->set_status(run, "stopped: pid %d moved %llu MiB down and %llu MiB up before the stop",
                                 (int) target->pid, (unsigned long long) (moved_down * page >> 20),
                                 (unsigned long long) (moved_up * page >> 20));
        else if (r == -ESRCH) {
                host->set_status(run, "pid %d exited during migration", (int) target->pid);
                r = 0;
        } else if (r >= 0 && active_pairs == 0)
                host->set_status(run, "nothing to move: %s (pid %d: %llu KiB hot, %llu KiB cold)%s", why,
                                 (int) target->pid, (unsigned long long) (hot * page >> 10),
                                 (unsigned long long) (cold * page >> 10), note);
        else if (r >= 0 && moved_down + moved_up == 0)
                host->set_status(run,
                                 "nothing to move: pid %d has %llu KiB hot (%llu KiB of it in DRAM, node_hot_reserve "
                                 "%llu MiB) and %llu KiB cold, each where it belongs%s%s",
                                 (int) target->pid, (unsigned long long) (hot * page >> 10),
                                 (unsigned long long) (hot_in_dram(e, pages, n) * page >> 10),
                                 e->conf.node_hot_reserve, (unsigned long long) (cold * page >> 10),
                                 truncated ? " (first 64 GiB only)" : "", note);
        else if (r >= 0)
                host->set_status(run,
                                 "pid %d: moved %llu KiB cold to slow nodes and %llu KiB hot to DRAM (quota %llu MiB "
                                 "per direction, %u rounds, hot_threshold %llu)%s%s",
                                 (int) target->pid, (unsigned long long) (moved_down * page >> 10),
                                 (unsigned long long) (moved_up * page >> 10), e->conf.node_mig_quota, rounds,
                                 e->conf.hot_threshold, truncated ? " (first 64 GiB only)" : "", note);
out:
        free(huge);
        free(all);
        free(sample);
        free(pages);
        free(addrs);
        free(status);
        free(down);
        free(up);
        free(hotlist);
        return r < 0 ? r : 0;
}

static int cslide_mgt(void *eng, void *task, const char *cmd, const struct etmem_params *args, char **json,
                      struct etmem_error *err) {
        CslideEngineRt *e = eng;

        for (size_t i = 0; i < args->n; i++)
                if (strcmp(args->v[i].key, "task") != 0)
                        return plugin_fail(err, args->v[i].key, -EINVAL,
                                           "unknown argument '%s' (valid: task)", args->v[i].key);
        if (strcmp(cmd, "showtaskpages") == 0)
                return cslide_report_taskpages(e, task, json);
        if (strcmp(cmd, "showhostpages") == 0)
                return cslide_report_hostpages(e, json, err);
        return plugin_fail(err, NULL, -EOPNOTSUPP, "valid commands: showtaskpages, showhostpages");
}

__attribute__((visibility("default"))) const struct etmem_engine_ops etmem_engine_ops = {
        .abi_major = ETMEM_PLUGIN_ABI_MAJOR,
        .abi_minor = ETMEM_PLUGIN_ABI_MINOR,
        .size = sizeof(struct etmem_engine_ops),
        .type = "cslide",
        .fill_eng_params = cslide_fill_eng,
        .clear_eng_params = cslide_clear_eng,
        .fill_task_params = cslide_fill_task,
        .clear_task_params = cslide_clear_task,
        .check_start = cslide_check_start,
        .alloc_pid_params = cslide_alloc_pid,
        .free_pid_params = cslide_free_pid,
        .scan = cslide_scan,
        .act = cslide_act,
        .eng_mgt_func = cslide_mgt,
};
