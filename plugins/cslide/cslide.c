/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cslide: moves cold pages from DRAM nodes to their slow (AEP/CXL) nodes and hot
 * pages back.  This build validates its configuration fully; migration itself
 * is not implemented yet, so Start is refused rather than silently doing nothing. */
#include <stdlib.h>

#include "cslide-params.h"
#include "plugin-util.h"

#define SYSFS_NODE_DIR "/sys/devices/system/node"

static int cslide_fill_eng(const struct etmem_host *host, const struct etmem_project_info *project,
                           const struct etmem_params *params, void **ret, struct etmem_error *err) {
        CslideEngine *e = calloc(1, sizeof *e);
        int r;

        if (!e)
                return -ENOMEM;
        r = cslide_parse_engine(params, SYSFS_NODE_DIR, e, err);
        if (r < 0) {
                free(e);
                return r;
        }
        *ret = e;
        return 0;
}

static int cslide_fill_task(void *eng, const struct etmem_project_info *project, const struct etmem_task_info *task,
                            const struct etmem_params *params, struct etmem_task_conf *conf, void **ret,
                            struct etmem_error *err) {
        CslideTask *t = calloc(1, sizeof *t);
        int r;

        if (!t)
                return -ENOMEM;
        r = cslide_parse_task(params, t, err);
        if (r < 0) {
                free(t);
                return r;
        }
        conf->max_threads = 1;
        *ret = t;
        return 0;
}

static int cslide_check_start(void *eng, void *task, struct etmem_error *err) {
        return plugin_fail(err, NULL, -EOPNOTSUPP,
                           "the cslide engine cannot migrate pages yet: its move_pages migration between node pairs is not built in this version");
}

const struct etmem_engine_ops etmem_engine_ops = {
        .abi_major = ETMEM_PLUGIN_ABI_MAJOR,
        .abi_minor = ETMEM_PLUGIN_ABI_MINOR,
        .size = sizeof(struct etmem_engine_ops),
        .type = "cslide",
        .fill_eng_params = cslide_fill_eng,
        .clear_eng_params = free,
        .fill_task_params = cslide_fill_task,
        .clear_task_params = free,
        .check_start = cslide_check_start,
};
