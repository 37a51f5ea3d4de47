/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The memory layer as the table plugins see (host->mem). */
#pragma once

#include "etmem-mem.h"

const struct etmem_mem_services *mem_services(void);
