/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A target's fault counts and start time (/proc/PID/stat), for the engines' feedback. */
#pragma once

#include <sys/types.h>

#include "etmem-mem.h"

int mem_procstat_read(pid_t pid, int pidfd, struct etmem_procstat *ret);
