/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * etmem memory-layer services, handed to engine plugins as host->mem
 * (struct etmem_host in etmem-plugin.h).  A plugin links nothing of the
 * daemon: it finds cold memory and pages it out through this table only.
 *
 * Versioning: `size` is sizeof(struct etmem_mem_services) of the host; new
 * members are only appended, so a plugin checks ETMEM_MEM_HAS(mem, member)
 * before using a member newer than the ones below.
 *
 * Threading: every function may be called from any worker thread; a tracker
 * is used by one thread at a time (the host serialises a target's calls).
 * Functions return 0 / a count on success and a negative errno on failure.
 *
 * Targets: every call that touches a process takes its struct etmem_target
 * (pid + pidfd, owned by the host).  The layer opens /proc/PID files and then
 * checks the pidfd is still alive, so a pid reused by another process is never
 * scanned nor paged out (-ESRCH instead).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etmem-plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ETMEM_MEM_HAS(mem, member)                                                   \
        ((mem) && (mem)->size >= offsetof(struct etmem_mem_services, member) +       \
                                     sizeof(((struct etmem_mem_services *) 0)->member))

/* ---- access tracking ---- */

enum etmem_region_flags {
        ETMEM_REGION_ANON = 1u << 0,    /* anonymous memory (heap, stack, [anon:*], private anon) */
        ETMEM_REGION_FILE = 1u << 1,    /* file-backed mapping (page cache) */
        ETMEM_REGION_HUGE = 1u << 2,    /* transparent huge pages present in the mapping */
        ETMEM_REGION_SHARED = 1u << 3,  /* MAP_SHARED (shmem or shared file) */
        ETMEM_REGION_LOCKED = 1u << 4,  /* mlock()ed: MADV_PAGEOUT refuses it */
        ETMEM_REGION_HUGETLB = 1u << 5, /* hugetlbfs: MADV_PAGEOUT refuses it */
        ETMEM_REGION_MARKED = 1u << 6,  /* named by the process with
                                         * prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, ..., "etmem_swap*")
                                         * (mainline's stand-in for openEuler's swap_flag madvise) */
};

#define ETMEM_MARK_ANON_NAME "etmem_swap"

struct etmem_region {
        uint64_t start, end;  /* [start, end), page aligned virtual addresses */
        uint64_t resident;    /* bytes of it resident at the last round (estimated for VMA/region trackers) */
        uint32_t accesses;    /* rounds (0..rounds) in which the tracker saw an access */
        uint32_t flags;       /* enum etmem_region_flags */
};

struct etmem_tracker; /* opaque: one process's scan session */

struct etmem_tracker_info {
        const char *kind;      /* "kmod" | "damon" | "page_idle" | "clear_refs" */
        const char *describe;  /* e.g. "clear_refs (VMA granularity)" */
        uint64_t granularity;  /* bytes a verdict covers: 4096 for page trackers, 0 = a whole VMA, UINT64_MAX = DAMON regions */
};

/* ---- page-out ---- */

struct etmem_range {
        uint64_t start, end;  /* [start, end), page aligned */
};

struct etmem_pageout_opts {
        /* Polled before every batch; true => stop with -ECANCELED.  May be NULL. */
        bool (*cancelled)(void *userdata);
        void *userdata;
        /* Bytes per process_madvise() call: 0 = 64 MiB (a batch takes ~50 ms on zram/lz4,
         * which keeps Stop well under 1 s).  iovecs per call are capped at IOV_MAX. */
        uint64_t batch_bytes;
        /* Count resident pages of each batch in pagemap before and after the call,
         * so the result says what really left memory (costs 2 pagemap reads). */
        bool measure;
};

struct etmem_pageout_stats {
        uint64_t bytes_advised;    /* accepted by process_madvise */
        uint64_t bytes_refused;    /* ranges the kernel refused (unmapped meanwhile, locked, ...) */
        uint64_t resident_before;  /* with opts.measure: resident bytes of the advised ranges ... */
        uint64_t resident_after;   /* ... before and right after each batch */
        uint64_t syscalls;
};

/* ---- memory figures ---- */

struct etmem_meminfo { /* /proc/meminfo, in bytes */
        uint64_t mem_total, mem_free, mem_available;
        uint64_t swap_total, swap_free, swap_cached;
};

struct etmem_procmem { /* /proc/PID/status, in bytes */
        uint64_t rss, rss_anon, rss_file, rss_shmem, swap;
};

struct etmem_procstat { /* /proc/PID/stat */
        uint64_t minflt, majflt;  /* faults of the process (not of its waited-for children) */
        uint64_t starttime;       /* clock ticks after boot: with the pid, names one process */
};

/* pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define ETMEM_PM_PRESENT (1ULL << 63)
#define ETMEM_PM_SWAPPED (1ULL << 62)
#define ETMEM_PM_FILE    (1ULL << 61) /* file-page or shared-anon */
#define ETMEM_PM_PFN_MASK ((1ULL << 55) - 1) /* PFN (0 without CAP_SYS_ADMIN) */

/* ---- NUMA topology, placement and migration ---- */

#define ETMEM_NUMA_MAX_NODES 64    /* node ids 0..63: node sets are uint64_t bitmasks */
#define ETMEM_NUMA_MAX_CPUS 1024   /* CPU ids 0..1023 */
#define ETMEM_CPU_WORDS (ETMEM_NUMA_MAX_CPUS / 64)

struct etmem_numa_node {
        int id;
        uint32_t n_cpus;                         /* CPUs in its cpulist */
        uint64_t cpus[ETMEM_CPU_WORDS];          /* CPU bitmap from node<N>/cpulist */
        uint64_t mem_total, mem_free, inactive_file; /* bytes, from node<N>/meminfo */
        uint8_t distance[ETMEM_NUMA_MAX_NODES];  /* ACPI SLIT row, indexed by node id */
};

/* One reading of the machine: topology, per-node memory and per-CPU idle time.  CPU
 * load needs two readings: etmem_mem_services.numa_pick takes the previous and this one. */
struct etmem_numa_sample {
        uint64_t time_cs;           /* CLOCK_MONOTONIC in hundredths of a second (numad's unit) */
        uint32_t n_nodes;           /* nodes[] sorted by id */
        uint32_t threads_per_core;  /* bits in cpu0/topology/thread_siblings */
        struct etmem_numa_node nodes[ETMEM_NUMA_MAX_NODES];
        uint64_t cpu_idle[ETMEM_NUMA_MAX_CPUS]; /* /proc/stat idle ticks (USER_HZ = 100) per CPU */
};

/* numad's knobs that shape a placement (numad -u, -m, -t, -C, -R). */
struct etmem_numa_params {
        unsigned target_utilization;   /* 10..130 %, numad default 85 */
        unsigned target_memlocality;   /* 50..100 %, numad default 90 */
        unsigned htt_percent;          /* 0..100: worth of a hyper-thread sibling, default 20 */
        bool use_inactive_file_cache;  /* count Inactive(file) as free (default yes) */
        uint64_t reserved_cpus[ETMEM_CPU_WORDS]; /* CPUs never counted nor bound to */
};

/* A running process being placed (NULL for pre-placement advice, numad -w). */
struct etmem_numa_process {
        uint64_t cpus_used;            /* hundredths of a CPU */
        uint64_t mbs_used;             /* RSS in MiB */
        uint64_t node_mbs[ETMEM_NUMA_MAX_NODES]; /* MiB on each node (numa_maps) */
        uint64_t nodes;                /* node set it may use now (Mems_allowed) */
        bool bound;                    /* we (or someone) bound it before */
};

struct etmem_hugepages {
        int node;
        uint64_t page_size;            /* bytes */
        uint64_t nr, free, surplus;    /* pages */
};

struct etmem_move_stats {
        uint64_t pages_moved;          /* now on the node asked for */
        uint64_t pages_failed;         /* the kernel refused (busy, pinned, no memory) */
        uint64_t pages_absent;         /* not present (swapped / unmapped meanwhile) */
        uint64_t syscalls;
};

struct etmem_mem_services {
        uint32_t size; /* sizeof(struct etmem_mem_services) of the host */

        /* Opens a tracker on target.  kind NULL = the best available, falling back to the
         * next one on -EBUSY/-EOPNOTSUPP (e.g. DAMON in use by someone else); or one of
         * "kmod", "damon", "page_idle", "clear_refs" to force it (-EOPNOTSUPP if absent).
         * Opening does not reset the process's access state, so round 0 sees accesses since
         * the previous tracker of this process last scanned it (since it started, at first). */
        int (*tracker_open)(const struct etmem_target *target, const char *kind,
                            struct etmem_tracker **ret);
        void (*tracker_info)(const struct etmem_tracker *t, struct etmem_tracker_info *ret);
        /* One round: records which memory was accessed since the previous round and re-arms
         * the tracker.  Rounds are numbered from 0 and must be called in order.  Memory that
         * first appears in round r counts as accessed in rounds 0..r-1 (new is not cold);
         * memory gone by the last round is dropped.  -ESRCH once the process exited. */
        int (*tracker_scan)(struct etmem_tracker *t, unsigned round);
        /* Regions sorted by start, covering resident memory seen in the last round, with
         * access counts over all rounds so far.  Valid until the next scan/close. */
        int (*tracker_results)(struct etmem_tracker *t, const struct etmem_region **ret,
                               size_t *n_ret, unsigned *rounds_ret);
        void (*tracker_close)(struct etmem_tracker *t);

        /* MADV_PAGEOUT of ranges (sorted or not) through process_madvise() on the pidfd, in
         * batches of at most IOV_MAX iovecs and opts->batch_bytes; the pidfd is checked alive
         * before every batch.  Refused ranges are skipped and counted, not fatal.
         * Returns 0, -ECANCELED (stats cover what was done), -ESRCH (process gone), or -errno. */
        int (*pageout)(const struct etmem_target *target, const struct etmem_range *ranges,
                       size_t n, const struct etmem_pageout_opts *opts,
                       struct etmem_pageout_stats *stats);

        int (*meminfo)(struct etmem_meminfo *ret);
        /* MemFree * 100 / MemTotal, rounded down (etmem's sysmem_threshold figure) */
        unsigned (*free_percent)(const struct etmem_meminfo *m);
        /* SwapCached * 100 / MemTotal, rounded down (etmem's swapcache watermark figure) */
        unsigned (*swapcache_percent)(const struct etmem_meminfo *m);
        int (*procmem)(const struct etmem_target *target, struct etmem_procmem *ret);

        /* Raw pagemap entries for [start, end) (page aligned): (end-start)/page entries. */
        int (*pagemap_read)(const struct etmem_target *target, uint64_t start, uint64_t end,
                            uint64_t *entries);
        /* Pages of [start, end) present in RAM / in swap (either may be NULL). */
        int (*pagemap_count)(const struct etmem_target *target, uint64_t start, uint64_t end,
                             uint64_t *present, uint64_t *swapped);

        /* 1 if process_madvise(MADV_PAGEOUT) and an active swap area exist, else 0 with
         * a sentence in why ("no swap is active (see /proc/swaps)..."). */
        int (*pageout_supported)(char *why, size_t size);
        /* 1 if processes can mark memory with PR_SET_VMA_ANON_NAME (CONFIG_ANON_VMA_NAME). */
        int (*anon_names_supported)(void);

        /* ---- appended: NUMA (check ETMEM_MEM_HAS(mem, numa_sample) first) ---- */

        /* Reads topology, node meminfo and per-CPU idle ticks into *ret (about 25 KiB). */
        int (*numa_sample)(struct etmem_numa_sample *ret);
        /* numad's pick_numa_nodes(): nodes for `cpus` hundredths of a CPU and `mbs` MiB given two
         * samples (prev older by >= 0.07 s; CPUs are free by their idle time in between).  proc NULL:
         * pre-placement advice (numad -w), never an empty set.  With proc: 0 when it already sits on
         * the chosen nodes with target_memlocality % of its memory there, else 1.  *nodes_ret is a
         * bitmask of node ids.  assume_enough_cpus: numad's flag (memory alone decides beyond CPUs). */
        int (*numa_pick)(const struct etmem_numa_sample *prev, const struct etmem_numa_sample *cur,
                         const struct etmem_numa_params *params, const struct etmem_numa_process *proc,
                         uint64_t cpus, uint64_t mbs, bool assume_enough_cpus, uint64_t *nodes_ret);
        /* "0-1,3" from a node or CPU bitmap of `words` 64-bit words (numad's format); 0 or -ENOBUFS. */
        int (*idlist_format)(const uint64_t *bits, size_t words, char *buf, size_t size);
        /* Parses "0-3,8" into a bitmap of `words` words; -EINVAL / -ERANGE (id >= words*64). */
        int (*idlist_parse)(const char *s, uint64_t *bits, size_t words);
        /* Per-node hugetlb pools (node<N>/hugepages/hugepages-<size>kB). */
        int (*numa_hugepages)(struct etmem_hugepages *ret, size_t max, size_t *n_ret);
        /* Bytes of the process on each node, summed from /proc/PID/numa_maps (huge pages at their
         * size); *interleaved set if some of it has an interleave policy.  bytes[ETMEM_NUMA_MAX_NODES]. */
        int (*process_node_bytes)(const struct etmem_target *target, uint64_t *bytes, bool *interleaved);
        /* move_pages(2) with nodes == NULL: status[i] = node of page addrs[i], or -errno (-ENOENT:
         * not present, -EFAULT: unmapped).  Batched; the pidfd is checked alive before each batch. */
        int (*page_nodes)(const struct etmem_target *target, const uint64_t *addrs, size_t n, int *status);
        /* move_pages(2) MPOL_MF_MOVE of addrs[i] to nodes[i] in batches (opts: cancel + batch_bytes;
         * NULL = 2 MiB batches).  status[i] (may be NULL) = node afterwards or -errno.
         * Returns 0, -ECANCELED (stats cover what was done), -ESRCH, or -errno. */
        int (*move_pages)(const struct etmem_target *target, const uint64_t *addrs, const int *nodes, size_t n,
                          int *status, const struct etmem_pageout_opts *opts, struct etmem_move_stats *stats);
        /* migrate_pages(2) of the whole process from the `from` node set to the `to` node set;
         * returns the number of pages that could not be moved, or -errno. */
        int (*migrate_process)(const struct etmem_target *target, uint64_t from, uint64_t to);
        /* sched_setaffinity() of every thread (/proc/PID/task/TID) to the CPU bitmap; *threads_ret
         * counts the threads set.  Threads that exit meanwhile are skipped. */
        int (*set_affinity)(const struct etmem_target *target, const uint64_t *cpus, size_t words,
                            unsigned *threads_ret);

        /* ---- appended in ABI 1.1: feedback (check ETMEM_MEM_HAS(mem, procstat) first) ---- */

        /* pagemap_count of n ranges through one open pagemap: present[i] / swapped[i] pages of
         * ranges[i] (either array may be NULL). */
        int (*pagemap_count_ranges)(const struct etmem_target *target, const struct etmem_range *ranges,
                                    size_t n, uint64_t *present, uint64_t *swapped);
        /* Fault counts and start time of the target. */
        int (*procstat)(const struct etmem_target *target, struct etmem_procstat *ret);
};

#ifdef __cplusplus
}
#endif
