/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which trackers this kernel offers, best first; shown in KernelFeatures. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "etmem_scan_uapi.h"
#include "macro.h"
#include "sysfs-util.h"
#include "tracker.h"

static const char *const kind_names[_MEM_TRACKER_MAX] = {
        [MEM_TRACKER_KMOD] = "kmod",
        [MEM_TRACKER_DAMON] = "damon",
        [MEM_TRACKER_PAGE_IDLE] = "page_idle",
        [MEM_TRACKER_CLEAR_REFS] = "clear_refs",
};

const char *mem_tracker_kind_name(MemTrackerKind k) {
        return k >= 0 && k < _MEM_TRACKER_MAX ? kind_names[k] : NULL;
}

int tracker_kmod_probe(char *detail, size_t size) {
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

static bool word_in(const char *list, const char *word) {
        size_t l = strlen(word);
        for (const char *p = list; (p = strstr(p, word)); p += l)
                if ((p == list || p[-1] == ' ' || p[-1] == '\n') && (p[l] == 0 || p[l] == ' ' || p[l] == '\n'))
                        return true;
        return false;
}

static int damon_probe_claimed(char *detail, size_t size);

int tracker_damon_probe(char *detail, size_t size) {
        int r;

        if (access(DAMON_ADMIN "/kdamonds/nr_kdamonds", F_OK) < 0) {
                snprintf(detail, size, "unavailable: %s missing (kernel without CONFIG_DAMON_SYSFS)", DAMON_ADMIN);
                return 0;
        }
        /* Our own DAMON tracker owns the sysfs tree right now: it works, and the probe
         * must not create or remove kdamond directories under it. */
        if (!tracker_damon_claim()) {
                snprintf(detail, size, "available (vaddr region sampling; in use by etmemd)");
                return 1;
        }
        r = damon_probe_claimed(detail, size);
        tracker_damon_release();
        return r;
}

static int damon_probe_claimed(char *detail, size_t size) {
        char ops[256] = "", nr[32] = "";
        unsigned n_kdamonds;
        int r;

        r = sysfs_read_uint(DAMON_ADMIN "/kdamonds/nr_kdamonds", &n_kdamonds);
        if (r < 0) {
                snprintf(detail, size, "unavailable: cannot read %s/kdamonds/nr_kdamonds: %s", DAMON_ADMIN,
                         strerror(-r));
                return 0;
        }

        if (n_kdamonds == 0) {
                /* avail_operations only exists inside a context: make one, look, remove it. */
                r = sysfs_write(DAMON_ADMIN "/kdamonds/nr_kdamonds", "1");
                if (r >= 0)
                        r = sysfs_write(DAMON_ADMIN "/kdamonds/0/contexts/nr_contexts", "1");
                if (r >= 0)
                        r = sysfs_read_line(DAMON_ADMIN "/kdamonds/0/contexts/0/avail_operations", ops, sizeof ops);
                (void) sysfs_write(DAMON_ADMIN "/kdamonds/nr_kdamonds", "0");
        } else {
                /* Someone else's kdamonds: read, never write. */
                r = sysfs_read_line(DAMON_ADMIN "/kdamonds/0/contexts/nr_contexts", nr, sizeof nr);
                if (r >= 0 && !streq(nr, "0"))
                        r = sysfs_read_line(DAMON_ADMIN "/kdamonds/0/contexts/0/avail_operations", ops,
                                            sizeof ops);
                else if (r >= 0)
                        r = -ENODATA;
        }
        if (r < 0) {
                snprintf(detail, size, "unavailable: cannot read DAMON avail_operations: %s", strerror(-r));
                return 0;
        }
        if (!word_in(ops, "vaddr")) {
                snprintf(detail, size, "unavailable: DAMON has no 'vaddr' operations (avail_operations: %s)", ops);
                return 0;
        }
        if (n_kdamonds > 0) {
                /* Someone else configured kdamonds; the tracker never touches them. */
                snprintf(detail, size, "unavailable: DAMON sysfs is in use by another user (%u kdamond(s)%s)",
                         n_kdamonds, damon_any_running() ? ", running" : "");
                return 0;
        }
        snprintf(detail, size, "available (vaddr region sampling)");
        return 1;
}

int tracker_page_idle_probe(char *detail, size_t size) {
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

int tracker_clear_refs_probe(char *detail, size_t size) {
        if (access("/proc/self/clear_refs", W_OK) < 0) {
                snprintf(detail, size, "unavailable: /proc/self/clear_refs: %s", strerror(errno));
                return 0;
        }
        if (access("/proc/self/smaps", R_OK) < 0) {
                snprintf(detail, size, "unavailable: /proc/self/smaps: %s", strerror(errno));
                return 0;
        }
        snprintf(detail, size, "available (VMA granularity: Referenced per mapping from smaps, not per page)");
        return 1;
}

int mem_tracker_probe(MemTrackerKind k, char *detail, size_t size) {
        switch (k) {
        case MEM_TRACKER_KMOD:
                return tracker_kmod_probe(detail, size);
        case MEM_TRACKER_DAMON:
                return tracker_damon_probe(detail, size);
        case MEM_TRACKER_PAGE_IDLE:
                return tracker_page_idle_probe(detail, size);
        case MEM_TRACKER_CLEAR_REFS:
                return tracker_clear_refs_probe(detail, size);
        default:
                snprintf(detail, size, "unavailable: unknown tracker %d", (int) k);
                return 0;
        }
}
