/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "proc-util.h"
#include "target.h"

int proc_open_checked(pid_t pid, int pidfd, const char *name, int flags) {
        char path[64];
        int fd;

        snprintf(path, sizeof path, "/proc/%d/%s", (int) pid, name);
        fd = open(path, flags | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        if (!mem_pidfd_alive(pidfd)) {
                close(fd);
                return -ESRCH;
        }
        return fd;
}

FILE *proc_fopen_checked(pid_t pid, int pidfd, const char *name, int *ret_error) {
        int fd = proc_open_checked(pid, pidfd, name, O_RDONLY);
        FILE *f;

        if (fd < 0) {
                *ret_error = fd;
                return NULL;
        }
        f = fdopen(fd, "re");
        if (!f) {
                *ret_error = -errno;
                close(fd);
                return NULL;
        }
        *ret_error = 0;
        return f;
}
