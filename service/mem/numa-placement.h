/* SPDX-License-Identifier: GPL-2.0-or-later */
/* numad's placement: node figures from two samples and pick_numa_nodes(). */
#pragma once

#include "etmem-mem.h"

/* numad's per-node view (update_nodes()): MiB and hundredths of a CPU. */
typedef struct MemNodeFigures {
        int id;
        uint64_t cpus[ETMEM_CPU_WORDS]; /* minus reserved CPUs */
        int64_t mbs_total, mbs_free;
        int64_t cpus_total, cpus_free;
        int64_t magnitude;
        bool has_memory;
} MemNodeFigures;

void mem_numa_params_default(struct etmem_numa_params *p);
/* prev may be NULL or have time_cs 0: CPUs then count as busy (numad's first reading). */
void mem_numa_figures(const struct etmem_numa_sample *prev, const struct etmem_numa_sample *cur,
                      const struct etmem_numa_params *params, MemNodeFigures *ret);
int mem_numa_pick(const struct etmem_numa_sample *prev, const struct etmem_numa_sample *cur,
                  const struct etmem_numa_params *params, const struct etmem_numa_process *proc, uint64_t cpus,
                  uint64_t mbs, bool assume_enough_cpus, uint64_t *nodes_ret);
