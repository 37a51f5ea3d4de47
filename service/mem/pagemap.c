/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/ioctl.h>
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

/* PAGEMAP_SCAN (Linux 6.7, include/uapi/linux/fs.h; not in older headers): the kernel
 * returns only the ranges of the categories asked for, skipping holes at the page-table
 * level it finds them, so the cost follows what is mapped, not the span asked about. */
#define PM_PAGE_IS_PRESENT (1ULL << 3)
#define PM_PAGE_IS_SWAPPED (1ULL << 4)
struct pm_page_region {
        uint64_t start, end, categories;
};
struct pm_scan_arg {
        uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted, category_mask,
                category_anyof_mask, return_mask;
};
#define PM_PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define SCAN_REGIONS 256

static int scan_supported = -1; /* atomic: -1 not known yet, 0 no, 1 yes */

int mem_pagemap_scan_fd(int fd, uint64_t start, uint64_t end,
                        int (*fn)(uint64_t start, uint64_t end, bool present, void *userdata), void *userdata) {
        struct pm_page_region vec[SCAN_REGIONS];
        int r;

        if (__atomic_load_n(&scan_supported, __ATOMIC_RELAXED) == 0)
                return -EOPNOTSUPP;
        while (start < end) {
                struct pm_scan_arg a = {
                        .size = sizeof a,
                        .start = start,
                        .end = end,
                        .vec = (uint64_t) (uintptr_t) vec,
                        .vec_len = SCAN_REGIONS,
                        .category_anyof_mask = PM_PAGE_IS_PRESENT | PM_PAGE_IS_SWAPPED,
                        .return_mask = PM_PAGE_IS_PRESENT | PM_PAGE_IS_SWAPPED,
                };
                long n = ioctl(fd, PM_PAGEMAP_SCAN, &a);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP) {
                                __atomic_store_n(&scan_supported, 0, __ATOMIC_RELAXED);
                                return -EOPNOTSUPP;
                        }
                        return -errno;
                }
                __atomic_store_n(&scan_supported, 1, __ATOMIC_RELAXED);
                for (long i = 0; i < n; i++) {
                        r = fn(vec[i].start, vec[i].end, vec[i].categories & PM_PAGE_IS_PRESENT, userdata);
                        if (r < 0)
                                return r;
                }
                if (a.walk_end <= start)
                        return -EIO;
                start = a.walk_end;
        }
        return 0;
}

typedef struct Counts {
        uint64_t present, swapped;
} Counts;

static int count_one(uint64_t start, uint64_t end, bool present, void *userdata) {
        Counts *c = userdata;
        uint64_t n = (end - start) / mem_page_size();

        if (present)
                c->present += n;
        else
                c->swapped += n;
        return 0;
}

int mem_pagemap_count_fd(int fd, uint64_t start, uint64_t end, uint64_t *present, uint64_t *swapped) {
        uint64_t buf[PAGEMAP_CHUNK], ps = mem_page_size(), np = 0, ns = 0;
        Counts c = {};
        int r;

        r = mem_pagemap_scan_fd(fd, start, end, count_one, &c);
        if (r != -EOPNOTSUPP) {
                if (r < 0)
                        return r;
                if (present)
                        *present = c.present;
                if (swapped)
                        *swapped = c.swapped;
                return 0;
        }
        /* older kernels: read every entry (the cost of the whole span) */

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
