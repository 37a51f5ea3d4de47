/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "etmem-plugin.h"

#define CSLIDE_MAX_PAIRS 64
#define CSLIDE_MAX_NODE 1023

typedef struct CslideNodePair {
        int fast; /* DRAM node */
        int slow; /* AEP / CXL node */
} CslideNodePair;

typedef struct CslideEngine {
        CslideNodePair pairs[CSLIDE_MAX_PAIRS];
        unsigned n_pairs;
        unsigned long long hot_threshold;
        unsigned long long node_mig_quota;   /* MB per cycle and direction */
        unsigned long long node_hot_reserve; /* MB */
        const char *pmu_key; /* the first PMU-only key given (Start refuses it), or NULL */
} CslideEngine;

typedef struct CslideTask {
        bool vm_flags_ht;
        bool anon_only;
        bool ign_host;
} CslideTask;

/* Parses "A,B;C,D" (fast,slow pairs); checks every node exists under sysfs_node_dir. */
int cslide_parse_node_pairs(const char *key, const char *value, const char *sysfs_node_dir, CslideEngine *e,
                            struct etmem_error *err);
int cslide_parse_engine(const struct etmem_params *params, const char *sysfs_node_dir, CslideEngine *e,
                        struct etmem_error *err);
int cslide_parse_task(const struct etmem_params *params, CslideTask *t, struct etmem_error *err);
