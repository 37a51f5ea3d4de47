/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test engine built against a different ABI major: etmemd must refuse it. */
#include "etmem-plugin.h"

static int fill_eng(const struct etmem_host *h, const struct etmem_project_info *p, const struct etmem_params *params,
                    void **ret, struct etmem_error *err) {
        return 0;
}

static int fill_task(void *eng, const struct etmem_project_info *p, const struct etmem_task_info *t,
                     const struct etmem_params *params, struct etmem_task_conf *c, void **ret,
                     struct etmem_error *err) {
        return 0;
}

const struct etmem_engine_ops etmem_engine_ops = {
        .abi_major = ETMEM_PLUGIN_ABI_MAJOR + 1,
        .abi_minor = 0,
        .size = sizeof(struct etmem_engine_ops),
        .type = "badabi",
        .fill_eng_params = fill_eng,
        .fill_task_params = fill_task,
};
