/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numad's node choice (numad.c 20150602, Debian's 0.5+20150602): the same integer
 * arithmetic in the same order, so that Manager1.GetPlacementAdvice answers what
 * `numad -w` answers on the same machine under the same load (DESIGN §10).
 *
 * Units as numad's: memory in MiB, CPU in hundredths of a CPU, time in hundredths
 * of a second; node "magnitude" = weighted free memory x weighted free CPU.
 */
#include <errno.h>
#include <string.h>

#include "numa-placement.h"

#define MBS_MARGIN 100
#define CPUS_MARGIN 0

void mem_numa_params_default(struct etmem_numa_params *p) {
        memset(p, 0, sizeof *p);
        p->target_utilization = 85;
        p->target_memlocality = 90;
        p->htt_percent = 20;
        p->use_inactive_file_cache = true;
}

/* ceil(a / b) for b > 0, any sign of a (numad uses ceil() on doubles of these integers) */
static int64_t div_ceil(int64_t a, int64_t b) {
        return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

static int popcount_words(const uint64_t *w, size_t n) {
        int c = 0;
        for (size_t i = 0; i < n; i++)
                c += __builtin_popcountll(w[i]);
        return c;
}

void mem_numa_figures(const struct etmem_numa_sample *prev, const struct etmem_numa_sample *cur,
                      const struct etmem_numa_params *params, MemNodeFigures *ret) {
        unsigned tpc = cur->threads_per_core ? cur->threads_per_core : 1;
        bool have_prev = prev && prev->time_cs > 0 && cur->time_cs > prev->time_cs;

        for (uint32_t ix = 0; ix < cur->n_nodes; ix++) {
                const struct etmem_numa_node *nd = &cur->nodes[ix];
                MemNodeFigures *f = &ret[ix];
                int n;

                memset(f, 0, sizeof *f);
                f->id = nd->id;
                for (size_t w = 0; w < ETMEM_CPU_WORDS; w++)
                        f->cpus[w] = nd->cpus[w] & ~params->reserved_cpus[w];
                n = popcount_words(f->cpus, ETMEM_CPU_WORDS);
                if (tpc == 1 || params->htt_percent >= 100)
                        f->cpus_total = (int64_t) n * 100;
                else {
                        int cores = n / (int) tpc;
                        f->cpus_total = (int64_t) cores * 100 + (int64_t) cores * (tpc - 1) * params->htt_percent;
                }
                f->mbs_total = (int64_t) (nd->mem_total >> 20);
                f->has_memory = f->mbs_total >= 1;
                f->mbs_free = (int64_t) (nd->mem_free >> 20);
                if (params->use_inactive_file_cache)
                        f->mbs_free += (int64_t) (nd->inactive_file >> 20);

                if (have_prev) {
                        uint64_t idle = 0, diff = cur->time_cs - prev->time_cs;
                        for (unsigned c = 0; c < ETMEM_NUMA_MAX_CPUS; c++)
                                if ((f->cpus[c / 64] >> (c % 64)) & 1)
                                        idle += cur->cpu_idle[c] - prev->cpu_idle[c];
                        f->cpus_free = (int64_t) (idle * 100 / diff);
                        if (tpc > 1 && params->htt_percent < 100) {
                                int64_t discount = (int64_t) (n - n / (int) tpc) * (100 - params->htt_percent);
                                f->cpus_free = f->cpus_free > discount ? f->cpus_free - discount : 0;
                        }
                        if (f->cpus_free > f->cpus_total)
                                f->cpus_free = f->cpus_total;
                        f->magnitude = f->cpus_free * f->mbs_free;
                }
        }
}

/* numad's combined_value_of_weighted_resources() */
static int64_t weighted(int64_t mbs, int64_t cpus, int64_t mbs_free, int64_t cpus_free) {
        int64_t need_mem, need_cpu, excess_mem, excess_cpu;

        if (mbs_free > mbs) {
                need_mem = mbs;
                excess_mem = mbs_free - mbs;
        } else {
                need_mem = mbs_free;
                excess_mem = 0;
        }
        if (cpus_free > cpus) {
                need_cpu = cpus;
                excess_cpu = cpus_free - cpus;
        } else {
                need_cpu = cpus_free;
                excess_cpu = 0;
        }
        return (need_mem * 10 + excess_mem * 4) * (need_cpu * 6 + excess_cpu * 1);
}

/* Order node indices by distance from node `from_id`, ties broken by larger magnitude
 * (numad's selection sort, kept as is: its tie order decides equal cases). */
static void sort_by_distance(const MemNodeFigures *t, const struct etmem_numa_sample *cur, int from_id, int *index,
                             unsigned n) {
        for (unsigned i = 0; i < n; i++)
                index[i] = (int) i;
        for (unsigned ij = 0; ij < n; ij++) {
                unsigned best = ij;
                for (unsigned ik = ij + 1; ik < n; ik++) {
                        int ik_dist = cur->nodes[index[ik]].distance[from_id];
                        int best_dist = cur->nodes[index[best]].distance[from_id];
                        if (best_dist > ik_dist)
                                best = ik;
                        else if (best_dist == ik_dist && t[index[best]].magnitude < t[index[ik]].magnitude)
                                best = ik;
                }
                if (best != ij) {
                        int tmp = index[ij];
                        index[ij] = index[best];
                        index[best] = tmp;
                }
        }
}

int mem_numa_pick(const struct etmem_numa_sample *prev, const struct etmem_numa_sample *cur,
                  const struct etmem_numa_params *params, const struct etmem_numa_process *proc, uint64_t cpus_req,
                  uint64_t mbs_req, bool assume_enough_cpus, uint64_t *nodes_ret) {
        MemNodeFigures node[ETMEM_NUMA_MAX_NODES], t[ETMEM_NUMA_MAX_NODES];
        int index[ETMEM_NUMA_MAX_NODES];
        uint64_t totmag[ETMEM_NUMA_MAX_NODES];
        unsigned n;
        uint64_t all_nodes = 0, target = 0;
        int64_t cpus, mbs, sum_cpus_free = 0, proc_avg_cpus_free = 0, cpu_flex = 0;
        int min_req_nodes, mem_req_nodes, cpu_req_nodes;
        unsigned best_node_ix;

        if (!cur || !params || !nodes_ret || cur->n_nodes == 0 || cur->n_nodes > ETMEM_NUMA_MAX_NODES)
                return -EINVAL;
        if (cpus_req > INT32_MAX || mbs_req > INT32_MAX)
                return -ERANGE;
        n = cur->n_nodes;
        cpus = (int64_t) cpus_req;
        mbs = (int64_t) mbs_req;
        mem_numa_figures(prev, cur, params, node);
        for (unsigned ix = 0; ix < n; ix++)
                if (node[ix].has_memory)
                        all_nodes |= 1ULL << node[ix].id;

        if (proc) {
                int in = 0;
                for (unsigned ix = 0; ix < n; ix++)
                        if ((proc->nodes >> node[ix].id) & 1) {
                                proc_avg_cpus_free += node[ix].cpus_free;
                                in++;
                        }
                proc_avg_cpus_free = in ? proc_avg_cpus_free / in : 0;
        }
        memcpy(t, node, n * sizeof *t);
        for (unsigned ix = 0; ix < n; ix++) {
                if (proc) {
                        int64_t node_mbs = (int64_t) proc->node_mbs[t[ix].id];
                        if (__builtin_popcountll(proc->nodes) >= (int) n) {
                                /* not bound yet: add back what it uses here, lightly biased */
                                t[ix].mbs_free += node_mbs * 17 / 16;
                                if (proc->mbs_used > 0)
                                        t[ix].cpus_free += (int64_t) (proc->cpus_used * (uint64_t) node_mbs /
                                                                      proc->mbs_used);
                        } else {
                                t[ix].mbs_free += node_mbs * 5 / 4;
                                if ((proc->nodes >> t[ix].id) & 1)
                                        t[ix].cpus_free = proc_avg_cpus_free;
                        }
                        sum_cpus_free += t[ix].cpus_free;
                        if (t[ix].cpus_free > t[ix].cpus_total)
                                t[ix].cpus_free = t[ix].cpus_total;
                        if (t[ix].mbs_free > t[ix].mbs_total)
                                t[ix].mbs_free = t[ix].mbs_total;
                }
                if (t[ix].cpus_free < 1)
                        t[ix].cpus_free = 1; /* numad's 1/100th CPU minimum */
                t[ix].magnitude = weighted(mbs, cpus, t[ix].mbs_free, t[ix].cpus_free);
        }
        if (proc && cpus > sum_cpus_free)
                assume_enough_cpus = true; /* oversubscribed: let memory decide */
        if (proc && params->target_utilization < 100)
                cpu_flex = ((100 - (int64_t) params->target_utilization) * node[0].cpus_total) / 200;

        /* minimum number of nodes, measured in node[0]'s size as numad does */
        mem_req_nodes = node[0].mbs_total > 0 ? (int) div_ceil(mbs, node[0].mbs_total) : (int) n;
        cpu_req_nodes = node[0].cpus_total > 0 ? (int) div_ceil(cpus - cpu_flex, node[0].cpus_total)
                                               : (int) n;
        min_req_nodes = mem_req_nodes > cpu_req_nodes ? mem_req_nodes : cpu_req_nodes;
        if (min_req_nodes > (int) n)
                min_req_nodes = (int) n;

        /* the node whose neighbourhood (magnitudes / distance^2) is richest */
        for (unsigned ix = 0; ix < n; ix++) {
                sort_by_distance(t, cur, t[ix].id, index, n);
                totmag[ix] = 0;
                for (int ij = 0; ij < min_req_nodes; ij++) {
                        int64_t dist = cur->nodes[index[ij]].distance[t[ix].id];
                        if (dist <= 0)
                                dist = 1;
                        totmag[ix] += (uint64_t) (t[index[ij]].magnitude / (dist * dist));
                }
        }
        best_node_ix = 0;
        for (unsigned ix = 0; ix < n; ix++)
                if (totmag[best_node_ix] < totmag[ix])
                        best_node_ix = ix;
        sort_by_distance(t, cur, t[best_node_ix].id, index, n);

        /* take nodes nearest first until the request is met */
        for (unsigned b = 0; min_req_nodes > 0 || mbs > 0 || (cpus > cpu_flex && !assume_enough_cpus); b++) {
                MemNodeFigures *f;

                if (b >= n)
                        break;
                f = &t[index[b]];
                target |= 1ULL << f->id;
                min_req_nodes--;
                if (target == all_nodes)
                        break; /* everything it could have */
                if (f->mbs_free >= mbs + MBS_MARGIN) {
                        f->mbs_free -= mbs;
                        mbs = 0;
                } else {
                        mbs -= f->mbs_free - MBS_MARGIN;
                        f->mbs_free = MBS_MARGIN;
                }
                if (f->cpus_free >= cpus + CPUS_MARGIN) {
                        f->cpus_free -= cpus;
                        cpus = 0;
                } else {
                        cpus -= f->cpus_free - CPUS_MARGIN;
                        f->cpus_free = CPUS_MARGIN;
                }
        }

        if (proc) {
                uint64_t nonlocal = 0;
                for (unsigned ix = 0; ix < n; ix++)
                        if (!((target >> node[ix].id) & 1))
                                nonlocal += proc->node_mbs[node[ix].id];
                uint64_t disp = proc->mbs_used ? 100 * nonlocal / proc->mbs_used : 0;
                *nodes_ret = target;
                if (disp <= 100 - params->target_memlocality && proc->bound && target == proc->nodes)
                        return 0; /* already where it should be */
                return 1;
        }
        if (target == 0)
                target = 1ULL << node[0].id; /* advice always names a node */
        *nodes_ret = target;
        return 1;
}
