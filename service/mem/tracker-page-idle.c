/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Idle page tracking (Documentation/admin-guide/mm/idle_page_tracking.rst): per resident
 * page, look its PFN up in /proc/PID/pagemap (needs CAP_SYS_ADMIN), read its bit in
 * /sys/kernel/mm/page_idle/bitmap (still idle = not accessed since we set it), then set
 * it again for the next round.  A page whose bit reads 0 was accessed, or was never
 * marked (first round, not on an LRU list): both count as accessed. */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "macro.h"
#include "pagemap.h"
#include "sysfs-util.h"
#include "tracker.h"

#define CHUNK 4096 /* pages per pagemap read */

typedef struct PageIdle {
        int bitmap_fd, pagemap_fd;
        uint64_t pm[CHUNK];
        uint8_t idle[CHUNK];
} PageIdle;

static int page_idle_open(MemTracker *t) {
        PageIdle *p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->pagemap_fd = -1;
        p->bitmap_fd = open(PAGE_IDLE_BITMAP, O_RDWR | O_CLOEXEC);
        if (p->bitmap_fd < 0) {
                int r = errno == ENOENT ? -EOPNOTSUPP : -errno;
                free(p);
                return r;
        }
        p->pagemap_fd = mem_pagemap_open(t->pid, t->pidfd);
        if (p->pagemap_fd < 0) {
                int r = p->pagemap_fd;
                close(p->bitmap_fd);
                free(p);
                return r;
        }
        t->priv = p;
        return 0;
}

static int read_word(int fd, uint64_t word, uint64_t *ret) {
        ssize_t l = pread(fd, ret, sizeof *ret, (off_t) (word * sizeof(uint64_t)));
        if (l < 0)
                return -errno;
        return l == sizeof *ret ? 0 : -EIO;
}

static int page_idle_chunk(PageIdle *p, size_t n) {
        uint64_t cur_word = UINT64_MAX, bits = 0;
        int r;

        /* Pass 1: read every page's idle bit before setting any (PFNs may share words). */
        for (size_t i = 0; i < n; i++) {
                uint64_t pfn = p->pm[i] & ETMEM_PM_PFN_MASK;
                p->idle[i] = 0;
                if (!(p->pm[i] & ETMEM_PM_PRESENT))
                        continue;
                if (pfn == 0)
                        return -EPERM; /* PFNs are hidden without CAP_SYS_ADMIN */
                if (pfn / 64 != cur_word) {
                        cur_word = pfn / 64;
                        r = read_word(p->bitmap_fd, cur_word, &bits);
                        if (r < 0)
                                return r;
                }
                p->idle[i] = (bits >> (pfn % 64)) & 1;
        }
        /* Pass 2: mark them idle again; writing a word sets the bits that are 1 in it. */
        cur_word = UINT64_MAX;
        bits = 0;
        for (size_t i = 0; i <= n; i++) {
                uint64_t pfn = i < n ? p->pm[i] & ETMEM_PM_PFN_MASK : 0;
                bool present = i < n && (p->pm[i] & ETMEM_PM_PRESENT);
                if (i < n && !present)
                        continue;
                if (i == n || pfn / 64 != cur_word) {
                        if (cur_word != UINT64_MAX && bits &&
                            pwrite(p->bitmap_fd, &bits, sizeof bits, (off_t) (cur_word * sizeof bits)) < 0 &&
                            errno != ENXIO)
                                return -errno;
                        if (i == n)
                                break;
                        cur_word = pfn / 64;
                        bits = 0;
                }
                bits |= 1ULL << (pfn % 64);
        }
        return 0;
}

/* The cap on one round's work: pagemap entries read per round (2^26: 256 GiB of address
 * space with 4 KiB pages, 512 MiB read).  Only reached on kernels without PAGEMAP_SCAN,
 * where a sparse mapping is read whole; what is past it gets no verdict this round. */
#define PAGE_IDLE_ROUND_BUDGET (1ULL << 26)

typedef struct Walk {
        MemTracker *t;
        MemObsList *out;
        uint64_t budget; /* pages left this round */
} Walk;

/* Pages of [a, end) that are present: idle bits read and re-armed, observations pushed. */
static int walk_present(uint64_t a, uint64_t end, bool present, void *userdata) {
        Walk *w = userdata;
        PageIdle *p = w->t->priv;
        uint64_t ps = mem_page_size();
        int r;

        if (!present)
                return 0;
        while (a < end) {
                if (w->budget == 0)
                        return 0;
                uint64_t e = MIN(MIN(end, a + CHUNK * ps), a + w->budget * ps);
                size_t n = (size_t) ((e - a) / ps);
                r = mem_pagemap_read_fd(p->pagemap_fd, a, e, p->pm);
                if (r < 0)
                        return r == -EIO ? -ESRCH : r;
                w->budget -= n;
                r = page_idle_chunk(p, n);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < n; k++) {
                        if (!(p->pm[k] & ETMEM_PM_PRESENT))
                                continue;
                        r = mem_obs_push(w->out, a + k * ps, a + (k + 1) * ps, !p->idle[k], ps);
                        if (r < 0)
                                return r;
                }
                a = e;
        }
        return 0;
}

static int page_idle_observe(MemTracker *t, unsigned round, const MemVmaList *vmas, MemObsList *out) {
        PageIdle *p = t->priv;
        Walk w = { .t = t, .out = out, .budget = PAGE_IDLE_ROUND_BUDGET };
        int r;

        for (size_t i = 0; i < vmas->n && w.budget > 0; i++) {
                const MemVma *v = &vmas->v[i];
                if (v->special || v->rss == 0 || (v->flags & ETMEM_REGION_HUGETLB))
                        continue;
                /* only the present ranges of the VMA: the cost follows resident memory */
                r = mem_pagemap_scan_fd(p->pagemap_fd, v->start, v->end, walk_present, &w);
                if (r == -EOPNOTSUPP)
                        r = walk_present(v->start, v->end, true, &w);
                if (r < 0)
                        return r == -EIO ? -ESRCH : r;
        }
        return 0;
}

static void page_idle_close(MemTracker *t) {
        PageIdle *p = t->priv;
        if (!p)
                return;
        close(p->bitmap_fd);
        close(p->pagemap_fd);
        free(p);
        t->priv = NULL;
}

static int tracker_page_idle_probe(char *detail, size_t size) {
        _cleanup_close_ int fd = -1;

        fd = open(PAGE_IDLE_BITMAP, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        snprintf(detail, size, "unavailable: %s missing (kernel without CONFIG_IDLE_PAGE_TRACKING)",
                                 PAGE_IDLE_BITMAP);
                else
                        snprintf(detail, size, "unavailable: cannot open %s: %s", PAGE_IDLE_BITMAP, strerror(errno));
                return 0;
        }
        snprintf(detail, size, "available (per-page idle bits via pagemap PFNs)");
        return 1;
}

const MemTrackerOps mem_tracker_page_idle_ops = {
        .kind = MEM_TRACKER_PAGE_IDLE,
        .describe = "page_idle (page granularity)",
        .granularity = 4096,
        .sees_kvm_guest = true,
        .probe = tracker_page_idle_probe,
        .open = page_idle_open,
        .observe = page_idle_observe,
        .close = page_idle_close,
};
