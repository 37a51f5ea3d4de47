/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening another process's /proc files without ever reading a reused pid's. */
#pragma once

#include <stdio.h>
#include <sys/types.h>

/* Opens /proc/PID/<name> and then checks the pidfd is alive: a /proc file stays bound
 * to the process it was opened for, so once the check passes the fd can never show
 * another process.  -ESRCH if the process is gone. */
int proc_open_checked(pid_t pid, int pidfd, const char *name, int flags);
FILE *proc_fopen_checked(pid_t pid, int pidfd, const char *name, int *ret_error);
