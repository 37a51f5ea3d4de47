/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The memory layer as the table plugins see (host->mem). */
#pragma once

#include "etmem-mem.h"

/* The table itself, so the plugins' host table can point at it statically. */
extern const struct etmem_mem_services mem_services_table;
const struct etmem_mem_services *mem_services(void);
