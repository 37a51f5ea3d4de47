/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Access trackers behind one interface, best first (DESIGN §7). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum MemTrackerKind {
        MEM_TRACKER_KMOD,       /* /dev/etmem_scan: exact per-page access bits */
        MEM_TRACKER_DAMON,      /* DAMON vaddr via sysfs: sampled regions */
        MEM_TRACKER_PAGE_IDLE,  /* page_idle bitmap + pagemap PFNs: per page */
        MEM_TRACKER_CLEAR_REFS, /* clear_refs + smaps Referenced: per VMA */
        _MEM_TRACKER_MAX,
} MemTrackerKind;

/* "kmod", "damon", "page_idle", "clear_refs" */
const char *mem_tracker_kind_name(MemTrackerKind k);

/* 1 when usable on this kernel (detail may say how, e.g. "VMA granularity"),
 * 0 when not (detail says why, e.g. "/dev/etmem_scan missing"); never < 0. */
int mem_tracker_probe(MemTrackerKind k, char *detail, size_t size);

int tracker_kmod_probe(char *detail, size_t size);
int tracker_damon_probe(char *detail, size_t size);
int tracker_page_idle_probe(char *detail, size_t size);
int tracker_clear_refs_probe(char *detail, size_t size);
