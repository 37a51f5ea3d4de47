/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "sysfs-util.h"

int sysfs_read_line(const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = -1;
        ssize_t l;

        if (size == 0)
                return -ENOBUFS;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        l = read(fd, buf, size - 1);
        if (l < 0)
                return -errno;
        buf[l] = 0;
        char *nl = strchr(buf, '\n');
        if (nl)
                *nl = 0;
        else if ((size_t) l == size - 1)
                return -ENOBUFS;
        return 0;
}

int sysfs_read_u64(const char *path, unsigned long long *ret) {
        char buf[64], *end;
        int r;

        r = sysfs_read_line(path, buf, sizeof buf);
        if (r < 0)
                return r;
        errno = 0;
        unsigned long long v = strtoull(buf, &end, 10);
        if (errno || end == buf || *end)
                return -EBADMSG;
        *ret = v;
        return 0;
}

int sysfs_read_uint(const char *path, unsigned *ret) {
        unsigned long long v;
        int r = sysfs_read_u64(path, &v);
        if (r < 0)
                return r;
        if (v > (unsigned) -1)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

int sysfs_write(const char *path, const char *value) {
        _cleanup_close_ int fd = -1;
        size_t l = strlen(value);
        ssize_t w;

        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        w = write(fd, value, l);
        if (w < 0)
                return -errno;
        return (size_t) w == l ? 0 : -EIO;
}

int sysfs_writef(const char *path, const char *fmt, ...) {
        char buf[256];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof buf)
                return -ENOBUFS;
        return sysfs_write(path, buf);
}

bool damon_any_running(void) {
        unsigned n;
        char path[128], state[32];

        if (sysfs_read_uint(DAMON_ADMIN "/kdamonds/nr_kdamonds", &n) < 0)
                return false;
        for (unsigned i = 0; i < n; i++) {
                snprintf(path, sizeof path, DAMON_ADMIN "/kdamonds/%u/state", i);
                if (sysfs_read_line(path, state, sizeof state) >= 0 && streq(state, "on"))
                        return true;
        }
        return false;
}
