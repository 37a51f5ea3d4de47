/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Access trackers behind one interface, best first (DESIGN §7).
 *
 * A tracker reports, per round, which memory was accessed since its previous
 * round ("observations"); tracker.c intersects them with the process's VMAs
 * (flags, resident bytes) and accumulates per-region access counts over the
 * rounds.  Each backend only has to produce sorted observations. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "etmem-mem.h"
#include "tracker-obs.h"
#include "vma.h"

typedef enum MemTrackerKind {
        MEM_TRACKER_KMOD,       /* /dev/etmem_scan: exact per-page access bits */
        MEM_TRACKER_DAMON,      /* DAMON vaddr via sysfs: sampled regions */
        MEM_TRACKER_PAGE_IDLE,  /* page_idle bitmap + pagemap PFNs: per page */
        MEM_TRACKER_CLEAR_REFS, /* clear_refs + smaps Referenced: per VMA */
        _MEM_TRACKER_MAX,
} MemTrackerKind;

typedef struct MemTracker MemTracker;

typedef struct MemTrackerOps {
        MemTrackerKind kind;
        const char *describe;
        uint64_t granularity; /* as etmem_tracker_info.granularity */
        /* Sees a KVM guest's accesses (it asks the mmu notifiers, so EPT/NPT accessed bits
         * count); false for trackers that read only the VMM's own page tables. */
        bool sees_kvm_guest;
        /* 1 when usable on this kernel (detail says how), 0 when not (detail says why). */
        int (*probe)(char *detail, size_t size);
        /* -EOPNOTSUPP / -EBUSY / -ENOENT let tracker_open fall back to the next kind. */
        int (*open)(MemTracker *t);
        /* Sorted, non-overlapping observations since the previous observe (or since
         * the process's state was last re-armed), then re-arm. */
        int (*observe)(MemTracker *t, unsigned round, const MemVmaList *vmas, MemObsList *out);
        void (*close)(MemTracker *t);
} MemTrackerOps;

struct MemTracker {
        const MemTrackerOps *ops;
        pid_t pid;
        int pidfd; /* borrowed from the target */
        void *priv;
        unsigned rounds;
        MemVmaList vmas;
        MemObsList obs;
        struct etmem_region *acc, *next;
        size_t n_acc, n_next, allocated_acc, allocated_next;
};

extern const MemTrackerOps mem_tracker_kmod_ops, mem_tracker_damon_ops, mem_tracker_page_idle_ops,
        mem_tracker_clear_refs_ops;

/* "kmod", "damon", "page_idle", "clear_refs" */
const char *mem_tracker_kind_name(MemTrackerKind k);
int mem_tracker_kind_from_name(const char *name);

/* 1 when usable on this kernel (detail says how), 0 when not (detail says why). */
int mem_tracker_probe(MemTrackerKind k, char *detail, size_t size);

/* kind NULL: best available with fallback; else exactly that kind. */
int mem_tracker_open(pid_t pid, int pidfd, const char *kind, MemTracker **ret);
int mem_tracker_scan(MemTracker *t, unsigned round);
int mem_tracker_results(MemTracker *t, const struct etmem_region **ret, size_t *n_ret, unsigned *rounds);
void mem_tracker_info(const MemTracker *t, struct etmem_tracker_info *ret);
void mem_tracker_close(MemTracker *t);


/* Exposed for unit tests: one accumulation step. */
int mem_tracker_accumulate(MemTracker *t, const MemObsList *obs, const MemVmaList *vmas, unsigned round);
