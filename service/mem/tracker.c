/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "kvm-guest.h"
#include "mem-error.h"
#include "tracker.h"

static const MemTrackerOps *const ops_by_kind[_MEM_TRACKER_MAX] = {
        [MEM_TRACKER_KMOD] = &mem_tracker_kmod_ops,
        [MEM_TRACKER_DAMON] = &mem_tracker_damon_ops,
        [MEM_TRACKER_PAGE_IDLE] = &mem_tracker_page_idle_ops,
        [MEM_TRACKER_CLEAR_REFS] = &mem_tracker_clear_refs_ops,
};

static const char *const kind_names[_MEM_TRACKER_MAX] = {
        [MEM_TRACKER_KMOD] = "kmod",
        [MEM_TRACKER_DAMON] = "damon",
        [MEM_TRACKER_PAGE_IDLE] = "page_idle",
        [MEM_TRACKER_CLEAR_REFS] = "clear_refs",
};

const char *mem_tracker_kind_name(MemTrackerKind k) {
        return k >= 0 && k < _MEM_TRACKER_MAX ? kind_names[k] : NULL;
}

int mem_tracker_probe(MemTrackerKind k, char *detail, size_t size) {
        if (k < 0 || k >= _MEM_TRACKER_MAX) {
                snprintf(detail, size, "unavailable: unknown tracker %d", (int) k);
                return 0;
        }
        return ops_by_kind[k]->probe(detail, size);
}

int mem_tracker_kind_from_name(const char *name) {
        for (int k = 0; k < _MEM_TRACKER_MAX; k++)
                if (streq_ptr(name, mem_tracker_kind_name((MemTrackerKind) k)))
                        return k;
        return -EINVAL;
}

static int push_region(struct etmem_region **v, size_t *n, size_t *allocated, const struct etmem_region *r) {
        if (r->end <= r->start)
                return 0;
        if (*n > 0) {
                struct etmem_region *last = &(*v)[*n - 1];
                if (last->end == r->start && last->accesses == r->accesses && last->flags == r->flags) {
                        last->end = r->end;
                        last->resident += r->resident;
                        return 0;
                }
        }
        if (*n >= *allocated) {
                size_t na = MAX(*allocated * 2, (size_t) 256);
                struct etmem_region *nv = reallocarray(*v, na, sizeof *nv);
                if (!nv)
                        return -ENOMEM;
                *v = nv;
                *allocated = na;
        }
        (*v)[(*n)++] = *r;
        return 0;
}

static uint64_t share(uint64_t total, uint64_t part, uint64_t whole) {
        if (whole == 0)
                return 0;
        /* total * part / whole without overflow for address-space sized values */
        return (uint64_t) ((unsigned __int128) total * part / whole);
}

int mem_tracker_accumulate(MemTracker *t, const MemObsList *obs, const MemVmaList *vmas, unsigned round) {
        _cleanup_free_ struct etmem_region *ann = NULL;
        size_t n_ann = 0, allocated_ann = 0, vi = 0, ai = 0;
        int r;

        /* 1. Intersect observations with VMAs: flags, resident bytes; special VMAs and
         *    address ranges outside any VMA (unmapped meanwhile) are dropped. */
        for (size_t oi = 0; oi < obs->n; oi++) {
                const MemObs *o = &obs->v[oi];
                while (vi < vmas->n && vmas->v[vi].end <= o->start)
                        vi++;
                for (size_t j = vi; j < vmas->n && vmas->v[j].start < o->end; j++) {
                        const MemVma *v = &vmas->v[j];
                        uint64_t s = MAX(o->start, v->start), e = MIN(o->end, v->end);
                        if (v->special || e <= s)
                                continue;
                        struct etmem_region reg = {
                                .start = s,
                                .end = e,
                                .accesses = o->accessed,
                                .flags = v->flags,
                                .resident = o->resident != MEM_RESIDENT_UNKNOWN
                                                    ? share(o->resident, e - s, o->end - o->start)
                                                    : share(v->rss, e - s, v->end - v->start),
                        };
                        if (reg.resident == 0)
                                continue;
                        r = push_region(&ann, &n_ann, &allocated_ann, &reg);
                        if (r < 0)
                                return r;
                }
        }

        /* 2. Merge with the counts of earlier rounds.  Only what the last round saw is
         *    kept; memory new in this round counts as accessed in every earlier round. */
        t->n_next = 0;
        for (size_t k = 0; k < n_ann; k++) {
                const struct etmem_region *a = &ann[k];
                uint64_t p = a->start;
                while (p < a->end) {
                        while (ai < t->n_acc && t->acc[ai].end <= p)
                                ai++;
                        struct etmem_region reg = { .start = p, .flags = a->flags };
                        if (ai < t->n_acc && t->acc[ai].start <= p) {
                                reg.end = MIN(a->end, t->acc[ai].end);
                                reg.accesses = t->acc[ai].accesses + a->accesses;
                        } else {
                                reg.end = ai < t->n_acc ? MIN(a->end, t->acc[ai].start) : a->end;
                                reg.accesses = round + a->accesses;
                        }
                        reg.resident = share(a->resident, reg.end - reg.start, a->end - a->start);
                        r = push_region(&t->next, &t->n_next, &t->allocated_next, &reg);
                        if (r < 0)
                                return r;
                        p = reg.end;
                }
        }

        struct etmem_region *tmp = t->acc;
        size_t tmp_alloc = t->allocated_acc;
        t->acc = t->next;
        t->n_acc = t->n_next;
        t->allocated_acc = t->allocated_next;
        t->next = tmp;
        t->allocated_next = tmp_alloc;
        t->n_next = 0;
        t->rounds = round + 1;
        return 0;
}

static void tracker_free(MemTracker *t) {
        if (!t)
                return;
        mem_vmas_done(&t->vmas);
        free(t->obs.v);
        free(t->acc);
        free(t->next);
        free(t);
}

static int open_kind(pid_t pid, int pidfd, MemTrackerKind k, MemTracker **ret) {
        MemTracker *t;
        int r;

        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        t->ops = ops_by_kind[k];
        t->pid = pid;
        t->pidfd = pidfd;
        r = t->ops->open(t);
        if (r < 0) {
                tracker_free(t);
                return r;
        }
        *ret = t;
        return 0;
}

static bool may_fall_back(int r) {
        return r == -EOPNOTSUPP || r == -EBUSY || r == -ENOENT || r == -EACCES || r == -EPERM ||
               r == -ENODEV || r == -EINVAL || r == -ENOTTY;
}

int mem_tracker_open(pid_t pid, int pidfd, const char *kind, MemTracker **ret) {
        int r = -EOPNOTSUPP;

        if (!ret || pid <= 0 || pidfd < 0)
                return -EINVAL;
        mem_error_clear();
        /* ETMEM_TRACKER=kmod|damon|page_idle|clear_refs in etmemd's environment makes every
         * open without an explicit kind use exactly that tracker, no fallback (the VM suite
         * and benchmarks compare trackers this way; docs/kmod.md). */
        if (!kind) {
                const char *e = secure_getenv("ETMEM_TRACKER");
                if (e && *e)
                        kind = e;
        }
        int k = kind ? mem_tracker_kind_from_name(kind) : 0;
        if (k < 0)
                return -EINVAL;
        int kvm = mem_process_runs_kvm(pid, pidfd);
        if (kvm < 0)
                return kvm;
        if (kind) {
                if (kvm && !ops_by_kind[k]->sees_kvm_guest) {
                        mem_error_set("pid %d runs a KVM guest (it maps a kvm-vcpu), and the %s tracker reads only "
                                      "the VMM's own page tables, not the guest's accesses through EPT/NPT: it "
                                      "would call the guest's hot memory cold (use damon or page_idle)",
                                      (int) pid, kind_names[k]);
                        return -EMEDIUMTYPE;
                }
                r = open_kind(pid, pidfd, (MemTrackerKind) k, ret);
                return r == -ENOENT || r == -ENODEV || r == -ENOTTY ? -EOPNOTSUPP : r;
        }
        char skipped[128] = "";
        for (k = 0; k < _MEM_TRACKER_MAX; k++) {
                if (kvm && !ops_by_kind[k]->sees_kvm_guest) {
                        size_t l = strlen(skipped);
                        snprintf(skipped + l, sizeof skipped - l, "%s%s", l ? ", " : "", kind_names[k]);
                        continue;
                }
                r = open_kind(pid, pidfd, (MemTrackerKind) k, ret);
                if (r >= 0 || !may_fall_back(r))
                        return r;
        }
        if (kvm) {
                mem_error_set("pid %d runs a KVM guest (it maps a kvm-vcpu): of the trackers here, %s read only the "
                              "VMM's own page tables, not the guest's accesses through EPT/NPT, and no tracker that "
                              "asks the mmu notifiers (damon, page_idle) is available",
                              (int) pid, skipped);
                return -EMEDIUMTYPE;
        }
        return r;
}

int mem_tracker_scan(MemTracker *t, unsigned round) {
        int r;

        if (!t)
                return -EINVAL;
        if (round != t->rounds)
                return -EINVAL; /* rounds come in order, 0 first */
        r = mem_vmas_read(t->pid, t->pidfd, &t->vmas);
        if (r < 0)
                return r;
        t->obs.n = 0;
        r = t->ops->observe(t, round, &t->vmas, &t->obs);
        if (r < 0)
                return r;
        return mem_tracker_accumulate(t, &t->obs, &t->vmas, round);
}

int mem_tracker_results(MemTracker *t, const struct etmem_region **ret, size_t *n_ret, unsigned *rounds) {
        if (!t || !ret || !n_ret)
                return -EINVAL;
        *ret = t->acc;
        *n_ret = t->n_acc;
        if (rounds)
                *rounds = t->rounds;
        return 0;
}

void mem_tracker_info(const MemTracker *t, struct etmem_tracker_info *ret) {
        *ret = (struct etmem_tracker_info) {
                .kind = mem_tracker_kind_name(t->ops->kind),
                .describe = t->ops->describe,
                .granularity = t->ops->granularity,
        };
}

void mem_tracker_close(MemTracker *t) {
        if (!t)
                return;
        if (t->ops->close)
                t->ops->close(t);
        tracker_free(t);
}
