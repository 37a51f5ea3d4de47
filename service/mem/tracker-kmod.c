/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The etmem_scan module's device (kmod/etmem_scan_uapi.h): one page-table walk per round
 * reports each page's accessed bit and clears it, in etmem's idle_pages encoding. */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "etmem_scan_uapi.h"
#include "macro.h"
#include "tracker.h"

#define READ_BUF (64 * 1024)

typedef struct Kmod {
        int fd;
        uint8_t buf[READ_BUF];
} Kmod;

static int kmod_open(MemTracker *t) {
        Kmod *k;
        __u32 version = 0;
        int r;

        k = calloc(1, sizeof *k);
        if (!k)
                return -ENOMEM;
        k->fd = open(ETMEM_SCAN_DEVICE, O_RDWR | O_CLOEXEC);
        if (k->fd < 0) {
                r = errno == ENOENT ? -EOPNOTSUPP : -errno;
                goto fail;
        }
        if (ioctl(k->fd, ETMEM_SCAN_IOC_VERSION, &version) < 0 || version != ETMEM_SCAN_ABI_VERSION) {
                r = -EOPNOTSUPP;
                goto fail;
        }
        struct etmem_scan_attach a = { .pidfd = t->pidfd };
        if (ioctl(k->fd, ETMEM_SCAN_IOC_ATTACH, &a) < 0) {
                r = -errno;
                goto fail;
        }
        t->priv = k;
        return 0;
fail:
        if (k->fd >= 0)
                close(k->fd);
        free(k);
        return r;
}

static uint64_t type_bytes(unsigned type) {
        switch (type) {
        case ETMEM_PTE_ACCESSED:
        case ETMEM_PTE_DIRTY:
        case ETMEM_PTE_IDLE:
        case ETMEM_PTE_HOLE:
                return 4096;
        case ETMEM_PMD_ACCESSED:
        case ETMEM_PMD_DIRTY:
        case ETMEM_PMD_IDLE:
        case ETMEM_PMD_IDLE_PTES:
        case ETMEM_PMD_HOLE:
                return 2ULL << 20;
        case ETMEM_PUD_PRESENT:
                return 1ULL << 30;
        default:
                return 0;
        }
}

int mem_kmod_decode(const uint8_t *b, size_t n, uint64_t *addr, MemObsList *out) {
        int r;

        for (size_t i = 0; i < n; i++) {
                if (b[i] == ETMEM_PIP_CMD_SET_HVA) {
                        if (i + 8 >= n)
                                return -EBADMSG; /* the module never splits a SET_HVA record */
                        uint64_t a = 0;
                        for (int k = 1; k <= 8; k++)
                                a = (a << 8) | b[i + k];
                        *addr = a;
                        i += 8;
                        continue;
                }
                unsigned type = ETMEM_PIP_TYPE(b[i]), nr = ETMEM_PIP_SIZE(b[i]);
                uint64_t sz = type_bytes(type);
                if (sz == 0)
                        return -EBADMSG;
                uint64_t len = sz * nr;
                if (type != ETMEM_PTE_HOLE && type != ETMEM_PMD_HOLE) {
                        bool accessed = type != ETMEM_PTE_IDLE && type != ETMEM_PMD_IDLE &&
                                        type != ETMEM_PMD_IDLE_PTES;
                        r = mem_obs_push(out, *addr, *addr + len, accessed, len);
                        if (r < 0)
                                return r;
                }
                *addr += len;
        }
        return 0;
}

static int kmod_observe(MemTracker *t, unsigned round, const MemVmaList *vmas, MemObsList *out) {
        Kmod *k = t->priv;
        uint64_t addr = 0;
        int r;

        if (ioctl(k->fd, ETMEM_SCAN_IOC_REWIND) < 0)
                return -errno;
        for (;;) {
                ssize_t l = read(k->fd, k->buf, sizeof k->buf);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (l == 0)
                        return 0;
                r = mem_kmod_decode(k->buf, (size_t) l, &addr, out);
                if (r < 0)
                        return r;
        }
}

static void kmod_close(MemTracker *t) {
        Kmod *k = t->priv;
        if (!k)
                return;
        close(k->fd);
        free(k);
        t->priv = NULL;
}

static int tracker_kmod_probe(char *detail, size_t size) {
        _cleanup_close_ int fd = -1;
        __u32 version = 0;

        fd = open(ETMEM_SCAN_DEVICE, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        snprintf(detail, size, "unavailable: %s missing (etmem_scan module not loaded)",
                                 ETMEM_SCAN_DEVICE);
                else
                        snprintf(detail, size, "unavailable: cannot open %s: %s", ETMEM_SCAN_DEVICE,
                                 strerror(errno));
                return 0;
        }
        if (ioctl(fd, ETMEM_SCAN_IOC_VERSION, &version) < 0) {
                snprintf(detail, size, "unavailable: %s does not answer the version ioctl: %s",
                         ETMEM_SCAN_DEVICE, strerror(errno));
                return 0;
        }
        if (version != ETMEM_SCAN_ABI_VERSION) {
                snprintf(detail, size, "unavailable: %s speaks ABI %u, etmemd needs %u", ETMEM_SCAN_DEVICE,
                         version, ETMEM_SCAN_ABI_VERSION);
                return 0;
        }
        snprintf(detail, size, "available (per-page access bits, ABI %u)", version);
        return 1;
}

const MemTrackerOps mem_tracker_kmod_ops = {
        .kind = MEM_TRACKER_KMOD,
        .describe = "etmem_scan kmod (page granularity)",
        .granularity = 4096,
        .sees_kvm_guest = false,
        .probe = tracker_kmod_probe,
        .open = kmod_open,
        .observe = kmod_observe,
        .close = kmod_close,
};
