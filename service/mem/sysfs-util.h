/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small readers/writers for one-value files in /sys and /proc. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define DAMON_ADMIN      "/sys/kernel/mm/damon/admin"
#define PAGE_IDLE_BITMAP "/sys/kernel/mm/page_idle/bitmap"

/* First line, without the newline; -errno on failure, -ENOBUFS if it does not fit. */
int sysfs_read_line(const char *path, char *buf, size_t size);
int sysfs_read_uint(const char *path, unsigned *ret);
int sysfs_read_u64(const char *path, unsigned long long *ret);
/* One write(2) of value; a sysfs store's error comes back as -errno. */
int sysfs_write(const char *path, const char *value);
int sysfs_writef(const char *path, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));

/* True if any kdamond under DAMON_ADMIN has state "on". */
bool damon_any_running(void);
