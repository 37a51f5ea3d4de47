/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test engine that forgot to export etmem_engine_ops: etmemd must refuse it. */
#include "etmem-plugin.h"

const struct etmem_engine_ops some_other_name = {
        .abi_major = ETMEM_PLUGIN_ABI_MAJOR,
        .abi_minor = ETMEM_PLUGIN_ABI_MINOR,
        .size = sizeof(struct etmem_engine_ops),
        .type = "nosym",
};
