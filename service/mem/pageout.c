/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "macro.h"
#include "meminfo.h"
#include "pageout.h"
#include "pagemap.h"
#include "target.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

typedef struct Batch {
        struct iovec iov[IOV_MAX];
        struct iovec orig[IOV_MAX]; /* the batch as queued: iov is consumed by the syscall loop */
        size_t n;
        uint64_t bytes;
} Batch;

static int count_present(int pagemap_fd, const struct iovec *iov, size_t n, uint64_t *ret) {
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++) {
                uint64_t start = (uint64_t) (uintptr_t) iov[i].iov_base, present;
                int r = mem_pagemap_count_fd(pagemap_fd, start, start + iov[i].iov_len, &present, NULL);
                if (r < 0)
                        return r;
                total += present * mem_page_size();
        }
        *ret = total;
        return 0;
}

/* One batch; an iovec the kernel refuses is skipped so the rest still gets advised. */
static int flush(int pidfd, int pagemap_fd, Batch *b, struct etmem_pageout_stats *st) {
        uint64_t before = 0;
        size_t first = 0;
        int r;

        if (pagemap_fd >= 0) {
                r = count_present(pagemap_fd, b->iov, b->n, &before);
                if (r < 0)
                        return r;
                memcpy(b->orig, b->iov, b->n * sizeof(struct iovec));
        }
        while (first < b->n) {
                ssize_t done = syscall(SYS_process_madvise, pidfd, b->iov + first, b->n - first, MADV_PAGEOUT, 0);
                st->syscalls++;
                if (done < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        if (errno == ESRCH)
                                return -ESRCH;
                        if (errno != EINVAL && errno != ENOMEM && errno != EFAULT)
                                return -errno;
                        /* The first iovec was refused (unmapped meanwhile, locked, hugetlb...). */
                        st->bytes_refused += b->iov[first].iov_len;
                        first++;
                        continue;
                }
                st->bytes_advised += (uint64_t) done;
                /* The kernel stops at the first failing iovec and returns what it did before. */
                while (first < b->n && (size_t) done >= b->iov[first].iov_len) {
                        done -= (ssize_t) b->iov[first].iov_len;
                        first++;
                }
                if (first < b->n && done > 0) {
                        b->iov[first].iov_base = (char *) b->iov[first].iov_base + done;
                        b->iov[first].iov_len -= (size_t) done;
                }
                /* A short count means iov[first] failed: skip it. */
                if (first < b->n) {
                        st->bytes_refused += b->iov[first].iov_len;
                        first++;
                }
        }
        /* Counted only for batches that went through, over the ranges as queued, so a
         * refused call (EPERM without CAP_SYS_NICE) never looks like memory paged out. */
        if (pagemap_fd >= 0) {
                uint64_t after;
                r = count_present(pagemap_fd, b->orig, b->n, &after);
                if (r < 0)
                        return r;
                st->resident_before += before;
                st->resident_after += after;
        }
        b->n = 0;
        b->bytes = 0;
        return 0;
}

typedef struct PageoutCtx {
        int pidfd, pagemap_fd;
        Batch *b;
        uint64_t batch_bytes;
        const struct etmem_pageout_opts *opts;
        struct etmem_pageout_stats *st;
} PageoutCtx;

/* Adds [start, end) to the batch in small iovecs, flushing full batches. */
static int add_range(PageoutCtx *c, uint64_t start, uint64_t end) {
        Batch *b = c->b;
        int r;

        while (start < end) {
                /* Small iovecs: the kernel pages out 64 KiB iovecs ~1.7x faster than
                 * one multi-MiB range (bench/bench-mem, docs/benchmarks.md). */
                uint64_t len = MIN(MIN(end - start, c->batch_bytes - b->bytes), MEM_PAGEOUT_IOV_BYTES);
                b->iov[b->n++] = (struct iovec) { .iov_base = (void *) (uintptr_t) start, .iov_len = len };
                b->bytes += len;
                start += len;
                if (b->n < IOV_MAX && b->bytes < c->batch_bytes)
                        continue;
                if (c->opts->cancelled && c->opts->cancelled(c->opts->userdata))
                        return -ECANCELED;
                if (!mem_pidfd_alive(c->pidfd))
                        return -ESRCH;
                r = flush(c->pidfd, c->pagemap_fd, b, c->st);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_present(uint64_t start, uint64_t end, bool present, void *userdata) {
        return present ? add_range(userdata, start, end) : 0;
}

int mem_pageout(pid_t pid, int pidfd, const struct etmem_range *ranges, size_t n,
                const struct etmem_pageout_opts *opts, struct etmem_pageout_stats *stats) {
        static const struct etmem_pageout_opts no_opts = {};
        _cleanup_free_ Batch *b = NULL;
        _cleanup_close_ int pagemap_fd = -1, scan_fd = -1;
        struct etmem_pageout_stats st = {};
        uint64_t batch_bytes, ps = mem_page_size();
        int r = 0;

        if (!opts)
                opts = &no_opts;
        batch_bytes = opts->batch_bytes ? opts->batch_bytes : MEM_PAGEOUT_DEFAULT_BATCH;
        batch_bytes = MAX(batch_bytes - batch_bytes % ps, ps);

        b = calloc(1, sizeof *b);
        if (!b)
                return -ENOMEM;
        if (opts->measure) {
                pagemap_fd = mem_pagemap_open(pid, pidfd);
                if (pagemap_fd < 0)
                        return pagemap_fd;
        }
        /* Only what is resident goes into iovecs: a range over 1 TiB of reserved address
         * space with one page in it is one iovec, not 16 million (PAGEMAP_SCAN; older
         * kernels get the whole range). */
        scan_fd = mem_pagemap_open(pid, pidfd);

        PageoutCtx c = { .pidfd = pidfd, .pagemap_fd = pagemap_fd, .b = b, .batch_bytes = batch_bytes,
                         .opts = opts, .st = &st };
        for (size_t i = 0; i < n && r >= 0; i++) {
                uint64_t start = ranges[i].start, end = ranges[i].end;
                if (start % ps || end % ps || end < start) {
                        r = -EINVAL;
                        break;
                }
                r = scan_fd >= 0 ? mem_pagemap_scan_fd(scan_fd, start, end, add_present, &c) : -EOPNOTSUPP;
                if (r == -EOPNOTSUPP)
                        r = add_range(&c, start, end);
        }
        if (r >= 0 && b->n > 0) {
                if (opts->cancelled && opts->cancelled(opts->userdata))
                        r = -ECANCELED;
                else if (!mem_pidfd_alive(pidfd))
                        r = -ESRCH;
                else
                        r = flush(pidfd, pagemap_fd, b, &st);
        }
        if (stats)
                *stats = st;
        return r < 0 ? r : 0;
}

int mem_pageout_supported(char *why, size_t size) {
        struct etmem_meminfo m;
        int pidfd, r;

        pidfd = (int) syscall(SYS_pidfd_open, getpid(), 0);
        if (pidfd < 0) {
                snprintf(why, size, "pidfd_open() is not available: %s (needs Linux >= 5.3)", strerror(errno));
                return 0;
        }
        r = (int) syscall(SYS_process_madvise, pidfd, (struct iovec *) NULL, 0, MADV_PAGEOUT, 0);
        if (r < 0) {
                snprintf(why, size, "process_madvise(MADV_PAGEOUT) is not available: %s (needs Linux >= 5.10)",
                         strerror(errno));
                close(pidfd);
                return 0;
        }
        close(pidfd);
        r = mem_meminfo_read(&m);
        if (r < 0) {
                snprintf(why, size, "cannot read /proc/meminfo: %s", strerror(-r));
                return 0;
        }
        if (m.swap_total == 0) {
                snprintf(why, size, "no swap is active (see /proc/swaps): slide needs a swap device such as zram");
                return 0;
        }
        snprintf(why, size, "process_madvise(MADV_PAGEOUT) with %llu MiB of swap",
                 (unsigned long long) (m.swap_total >> 20));
        return 1;
}
