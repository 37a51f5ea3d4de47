/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DAMON virtual-address monitoring through its sysfs interface
 * (Documentation/admin-guide/mm/damon/usage.rst).
 *
 * One kdamond, one "vaddr" context, one target (pid_target), and one DAMOS scheme
 * with action "stat" matching every region, so that writing
 * "update_schemes_tried_regions" to the kdamond's state fills
 * schemes/0/tried_regions/N/{start,end,nr_accesses,age} with DAMON's current
 * regions.  A region was accessed during the window since the previous round if
 * its nr_accesses (samples in the last aggregation) is > 0, or if its access rate
 * changed during the later half of the window: its age (in aggregations) is below
 * half the number of aggregations DAMON did during the window (not in round 0, two
 * aggregations after the start, when ages say nothing yet).
 *   - Half, because DAMON averages the ages of regions it merges (by size): a big
 *     region idle all along that absorbs a small, recently active neighbour comes out
 *     younger than the window although nearly all of it was idle.  Taking any age
 *     below the window as an access made whole idle mappings hot in the VM suite.
 *   - The number of aggregations is measured, not computed from aggr_us: under load
 *     (and in a TCG guest) kdamond's intervals stretch.  The oldest region (unmapped
 *     gaps, memory nobody touches) ages by one per aggregation, so the growth of the
 *     largest age between two rounds is the window in aggregations; in round 0 it is
 *     the largest age itself (the kdamond started then: a region that never changed
 *     was idle all along).  When the oldest region was merged or touched meanwhile,
 *     the window's length / aggr_us stands in.
 *
 * The sysfs tree is global and refuses to grow while any kdamond runs, so this
 * tracker only starts when nobody else has kdamonds (else -EBUSY and tracker_open
 * falls back), and only one process is monitored at a time. */
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "sysfs-util.h"
#include "target.h"
#include "tracker.h"

#define KD  DAMON_ADMIN "/kdamonds/0"
#define CTX KD "/contexts/0"
#define SCHEME CTX "/schemes/0"

#define SAMPLE_US 5000ULL
#define AGGR_US 100000ULL
#define UPDATE_US 1000000ULL

/* Not a mutex: open and close may run on different worker threads.  The probe takes
 * it too, so it never creates/removes kdamond directories under a running tracker. */
static atomic_bool damon_in_use;

static bool tracker_damon_claim(void) {
        return !atomic_exchange(&damon_in_use, true);
}

static void tracker_damon_release(void) {
        atomic_store(&damon_in_use, false);
}

typedef struct Damon {
        uint64_t last_usec;               /* previous round (or the start) */
        unsigned long long last_max_age;  /* largest region age at the previous round */
        bool observed;                    /* a round happened */
} Damon;

typedef struct DamonRegion {
        uint64_t start, end;
        unsigned long long nr_accesses, age;
} DamonRegion;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static int damon_setup(pid_t pid) {
        static const struct {
                const char *path, *value;
        } steps[] = {
                { DAMON_ADMIN "/kdamonds/nr_kdamonds", "1" },
                { KD "/contexts/nr_contexts", "1" },
                { CTX "/operations", "vaddr" },
                { CTX "/monitoring_attrs/nr_regions/min", "10" },
                { CTX "/monitoring_attrs/nr_regions/max", "10000" },
                { CTX "/targets/nr_targets", "1" },
                { CTX "/schemes/nr_schemes", "1" },
                { SCHEME "/action", "stat" },
                { SCHEME "/access_pattern/sz/min", "0" },
                { SCHEME "/access_pattern/sz/max", "18446744073709551615" },
                { SCHEME "/access_pattern/nr_accesses/min", "0" },
                { SCHEME "/access_pattern/nr_accesses/max", "4294967295" },
                { SCHEME "/access_pattern/age/min", "0" },
                { SCHEME "/access_pattern/age/max", "4294967295" },
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                r = sysfs_write(steps[i].path, steps[i].value);
                if (r < 0)
                        return r;
        }
        r = sysfs_writef(CTX "/monitoring_attrs/intervals/sample_us", "%llu", SAMPLE_US);
        if (r >= 0)
                r = sysfs_writef(CTX "/monitoring_attrs/intervals/aggr_us", "%llu", AGGR_US);
        if (r >= 0)
                r = sysfs_writef(CTX "/monitoring_attrs/intervals/update_us", "%llu", UPDATE_US);
        if (r >= 0)
                r = sysfs_writef(CTX "/targets/0/pid_target", "%d", (int) pid);
        if (r >= 0)
                r = sysfs_write(KD "/state", "on");
        return r;
}

static void damon_teardown(void) {
        char state[16];
        if (sysfs_read_line(KD "/state", state, sizeof state) >= 0 && streq(state, "on"))
                (void) sysfs_write(KD "/state", "off");
        (void) sysfs_write(DAMON_ADMIN "/kdamonds/nr_kdamonds", "0");
}

static int damon_open(MemTracker *t) {
        unsigned n;
        int r;

        if (access(DAMON_ADMIN "/kdamonds/nr_kdamonds", W_OK) < 0)
                return -EOPNOTSUPP;
        if (!tracker_damon_claim())
                return -EBUSY; /* another of our trackers holds the one kdamond */
        r = sysfs_read_uint(DAMON_ADMIN "/kdamonds/nr_kdamonds", &n);
        if (r >= 0 && n > 0)
                r = -EBUSY; /* someone else's kdamonds: never touch them */
        if (r < 0) {
                tracker_damon_release();
                return r;
        }
        Damon *d = calloc(1, sizeof *d);
        if (!d) {
                tracker_damon_release();
                return -ENOMEM;
        }
        r = damon_setup(t->pid);
        /* DAMON holds the pid from "on": if our pidfd is still alive now, that pid was ours. */
        if (r >= 0 && !mem_pidfd_alive(t->pidfd))
                r = -ESRCH;
        if (r < 0) {
                damon_teardown();
                free(d);
                tracker_damon_release();
                /* no vaddr operations, or an older sysfs layout: let the next tracker try */
                return r == -ESRCH || r == -ENOMEM ? r : -EOPNOTSUPP;
        }
        d->last_usec = now_usec();
        t->priv = d;
        return 0;
}

static int cmp_region(const void *a, const void *b) {
        const DamonRegion *x = a, *y = b;
        return (x->start > y->start) - (x->start < y->start);
}

static int read_tried_regions(DamonRegion **ret, size_t *n_ret) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ DamonRegion *v = NULL;
        size_t n = 0, allocated = 0;
        struct dirent *de;
        char path[256];
        int r;

        d = opendir(SCHEME "/tried_regions");
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char *end;
                unsigned long idx = strtoul(de->d_name, &end, 10);
                if (!de->d_name[0] || *end || de->d_name[0] == '.')
                        continue;
                if (n >= allocated) {
                        size_t na = MAX(allocated * 2, (size_t) 64);
                        DamonRegion *nv = reallocarray(v, na, sizeof *nv);
                        if (!nv)
                                return -ENOMEM;
                        v = nv;
                        allocated = na;
                }
                DamonRegion *x = &v[n];
                unsigned long long s, e;
                snprintf(path, sizeof path, SCHEME "/tried_regions/%lu/start", idx);
                r = sysfs_read_u64(path, &s);
                if (r >= 0) {
                        snprintf(path, sizeof path, SCHEME "/tried_regions/%lu/end", idx);
                        r = sysfs_read_u64(path, &e);
                }
                if (r >= 0) {
                        snprintf(path, sizeof path, SCHEME "/tried_regions/%lu/nr_accesses", idx);
                        r = sysfs_read_u64(path, &x->nr_accesses);
                }
                if (r >= 0) {
                        snprintf(path, sizeof path, SCHEME "/tried_regions/%lu/age", idx);
                        r = sysfs_read_u64(path, &x->age);
                }
                if (r < 0)
                        return r;
                x->start = s;
                x->end = e;
                n++;
        }
        qsort(v, n, sizeof *v, cmp_region);
        *ret = TAKE_PTR(v);
        *n_ret = n;
        return 0;
}

static int damon_observe(MemTracker *t, unsigned round, const MemVmaList *vmas, MemObsList *out) {
        Damon *d = t->priv;
        _cleanup_free_ DamonRegion *regions = NULL;
        size_t n = 0;
        uint64_t now = now_usec();
        int r;

        /* Round 0 right after open: let DAMON finish two aggregations first (<= 200 ms). */
        if (now - d->last_usec < 2 * AGGR_US)
                usleep((useconds_t) (2 * AGGR_US - (now - d->last_usec)));
        if (!mem_pidfd_alive(t->pidfd))
                return -ESRCH;
        r = sysfs_write(KD "/state", "update_schemes_tried_regions");
        if (r < 0)
                return r;
        r = read_tried_regions(&regions, &n);
        if (r < 0)
                return r;

        now = now_usec();
        unsigned long long max_age = 0, aggs;
        bool first = !d->observed;
        for (size_t i = 0; i < n; i++)
                max_age = MAX(max_age, regions[i].age);
        if (first)
                aggs = max_age; /* age == max_age: unchanged since the kdamond started */
        else if (max_age > d->last_max_age)
                aggs = max_age - d->last_max_age;
        else
                aggs = MAX((now - d->last_usec) / AGGR_US, 1ULL);
        d->last_usec = now;
        d->last_max_age = max_age;
        d->observed = true;
        for (size_t i = 0; i < n; i++) {
                /* The first round comes two aggregations after the kdamond started, when
                 * every age is 0..2 and DAMON is still splitting its first regions: a region
                 * it just split off an active one has age 0 and no access.  Seen in the VM
                 * suite: the whole cold part of a KVM guest called hot in round 0 of every
                 * cycle (T=1: never paged out).  There only nr_accesses counts. */
                bool accessed = regions[i].nr_accesses > 0 || (!first && 2 * regions[i].age < aggs);
                if (i > 0 && regions[i].start < regions[i - 1].end)
                        return -EBADMSG;
                r = mem_obs_push(out, regions[i].start, regions[i].end, accessed, MEM_RESIDENT_UNKNOWN);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void damon_close(MemTracker *t) {
        if (!t->priv)
                return;
        damon_teardown();
        free(t->priv);
        t->priv = NULL;
        tracker_damon_release();
}

static bool word_in(const char *list, const char *word) {
        size_t l = strlen(word);
        for (const char *p = list; (p = strstr(p, word)); p += l)
                if ((p == list || p[-1] == ' ' || p[-1] == '\n') && (p[l] == 0 || p[l] == ' ' || p[l] == '\n'))
                        return true;
        return false;
}

static int damon_probe_claimed(char *detail, size_t size);

static int tracker_damon_probe(char *detail, size_t size) {
        int r;

        if (access(DAMON_ADMIN "/kdamonds/nr_kdamonds", F_OK) < 0) {
                snprintf(detail, size, "unavailable: %s missing (kernel without CONFIG_DAMON_SYSFS)", DAMON_ADMIN);
                return 0;
        }
        /* Our own DAMON tracker owns the sysfs tree right now: it works, and the probe
         * must not create or remove kdamond directories under it. */
        if (!tracker_damon_claim()) {
                snprintf(detail, size, "available (vaddr region sampling; in use by etmemd)");
                return 1;
        }
        r = damon_probe_claimed(detail, size);
        tracker_damon_release();
        return r;
}

static int damon_probe_claimed(char *detail, size_t size) {
        char ops[256] = "", nr[32] = "";
        unsigned n_kdamonds;
        int r;

        r = sysfs_read_uint(DAMON_ADMIN "/kdamonds/nr_kdamonds", &n_kdamonds);
        if (r < 0) {
                snprintf(detail, size, "unavailable: cannot read %s/kdamonds/nr_kdamonds: %s", DAMON_ADMIN,
                         strerror(-r));
                return 0;
        }

        if (n_kdamonds == 0) {
                /* avail_operations only exists inside a context: make one, look, remove it. */
                r = sysfs_write(DAMON_ADMIN "/kdamonds/nr_kdamonds", "1");
                if (r >= 0)
                        r = sysfs_write(DAMON_ADMIN "/kdamonds/0/contexts/nr_contexts", "1");
                if (r >= 0)
                        r = sysfs_read_line(DAMON_ADMIN "/kdamonds/0/contexts/0/avail_operations", ops, sizeof ops);
                (void) sysfs_write(DAMON_ADMIN "/kdamonds/nr_kdamonds", "0");
        } else {
                /* Someone else's kdamonds: read, never write. */
                r = sysfs_read_line(DAMON_ADMIN "/kdamonds/0/contexts/nr_contexts", nr, sizeof nr);
                if (r >= 0 && !streq(nr, "0"))
                        r = sysfs_read_line(DAMON_ADMIN "/kdamonds/0/contexts/0/avail_operations", ops,
                                            sizeof ops);
                else if (r >= 0)
                        r = -ENODATA;
        }
        if (r < 0) {
                snprintf(detail, size, "unavailable: cannot read DAMON avail_operations: %s", strerror(-r));
                return 0;
        }
        if (!word_in(ops, "vaddr")) {
                snprintf(detail, size, "unavailable: DAMON has no 'vaddr' operations (avail_operations: %s)", ops);
                return 0;
        }
        if (n_kdamonds > 0) {
                /* Someone else configured kdamonds; the tracker never touches them. */
                snprintf(detail, size, "unavailable: DAMON sysfs is in use by another user (%u kdamond(s)%s)",
                         n_kdamonds, damon_any_running() ? ", running" : "");
                return 0;
        }
        snprintf(detail, size, "available (vaddr region sampling)");
        return 1;
}

const MemTrackerOps mem_tracker_damon_ops = {
        .kind = MEM_TRACKER_DAMON,
        .describe = "DAMON vaddr (region sampling)",
        .granularity = UINT64_MAX,
        .sees_kvm_guest = true,
        .probe = tracker_damon_probe,
        .open = damon_open,
        .observe = damon_observe,
        .close = damon_close,
};
