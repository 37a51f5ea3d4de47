/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plugins' struct etmem_host: logging, the runner's cancel/sleep/count/status, and
 * the memory layer's services. */
#pragma once

#include "etmem-plugin.h"

const struct etmem_host *host_table(void);
