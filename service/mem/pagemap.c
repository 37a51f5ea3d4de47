/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "etmem-mem.h"
#include "macro.h"
#include "pagemap.h"
#include "proc-util.h"

#define PAGEMAP_CHUNK 4096 /* entries per pread: 32 KiB, 16 MiB of address space */

uint64_t mem_page_size(void) {
        static uint64_t ps;
        if (!ps)
                ps = (uint64_t) sysconf(_SC_PAGESIZE);
        return ps;
}

int mem_pagemap_open(pid_t pid, int pidfd) {
        return proc_open_checked(pid, pidfd, "pagemap", O_RDONLY);
}

int mem_pagemap_read_fd(int fd, uint64_t start, uint64_t end, uint64_t *out) {
        uint64_t ps = mem_page_size();
        size_t want;
        char *p = (char *) out;

        if (start % ps || end % ps || end < start)
                return -EINVAL;
        want = (size_t) ((end - start) / ps * sizeof(uint64_t));
        for (off_t off = (off_t) (start / ps * sizeof(uint64_t)); want > 0;) {
                ssize_t l = pread(fd, p, want, off);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (l == 0 || l % sizeof(uint64_t))
                        return -EIO; /* the process exited while we read */
                p += l;
                off += l;
                want -= (size_t) l;
        }
        return 0;
}

int mem_pagemap_count_fd(int fd, uint64_t start, uint64_t end, uint64_t *present, uint64_t *swapped) {
        uint64_t buf[PAGEMAP_CHUNK], ps = mem_page_size(), np = 0, ns = 0;
        int r;

        while (start < end) {
                uint64_t chunk_end = MIN(end, start + PAGEMAP_CHUNK * ps);
                r = mem_pagemap_read_fd(fd, start, chunk_end, buf);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < (chunk_end - start) / ps; i++) {
                        if (buf[i] & ETMEM_PM_PRESENT)
                                np++;
                        else if (buf[i] & ETMEM_PM_SWAPPED)
                                ns++;
                }
                start = chunk_end;
        }
        if (present)
                *present = np;
        if (swapped)
                *swapped = ns;
        return 0;
}

int mem_pagemap_read(pid_t pid, int pidfd, uint64_t start, uint64_t end, uint64_t *out) {
        _cleanup_close_ int fd = mem_pagemap_open(pid, pidfd);
        if (fd < 0)
                return fd;
        return mem_pagemap_read_fd(fd, start, end, out);
}

int mem_pagemap_count(pid_t pid, int pidfd, uint64_t start, uint64_t end, uint64_t *present, uint64_t *swapped) {
        _cleanup_close_ int fd = mem_pagemap_open(pid, pidfd);
        if (fd < 0)
                return fd;
        return mem_pagemap_count_fd(fd, start, end, present, swapped);
}

int mem_pagemap_count_ranges(pid_t pid, int pidfd, const struct etmem_range *ranges, size_t n, uint64_t *present,
                             uint64_t *swapped) {
        _cleanup_close_ int fd = mem_pagemap_open(pid, pidfd);
        int r;

        if (fd < 0)
                return fd;
        for (size_t i = 0; i < n; i++) {
                r = mem_pagemap_count_fd(fd, ranges[i].start, ranges[i].end, present ? &present[i] : NULL,
                                         swapped ? &swapped[i] : NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}
