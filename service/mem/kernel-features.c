/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kernel-features.h"
#include "macro.h"
#include "tracker.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

void mem_format_bytes(unsigned long long bytes, char *buf, size_t size) {
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
        size_t u = 0;
        unsigned long long div = 1;

        while (u + 1 < ELEMENTSOF(units) && bytes >= div * 1024)
                div *= 1024, u++;
        if (bytes % div == 0)
                snprintf(buf, size, "%llu %s", bytes / div, units[u]);
        else
                snprintf(buf, size, "%.1f %s", (double) bytes / (double) div, units[u]);
}

/* "zram0 2 GiB, sda2 512 MiB" from /proc/swaps, or "none". */
static char *describe_swap(void) {
        _cleanup_fclose_ FILE *f = NULL;
        char line[512], out[1024] = "";
        size_t used = 0;

        f = fopen("/proc/swaps", "re");
        if (!f)
                return strdup("none");
        (void) fgets(line, sizeof line, f); /* header */
        while (fgets(line, sizeof line, f)) {
                char name[256], type[32], size_buf[32];
                unsigned long long kib;
                if (sscanf(line, "%255s %31s %llu", name, type, &kib) != 3)
                        continue;
                const char *base = strrchr(name, '/');
                mem_format_bytes(kib * 1024, size_buf, sizeof size_buf);
                int n = snprintf(out + used, sizeof out - used, "%s%s %s", used ? ", " : "", base ? base + 1 : name,
                                 size_buf);
                if (n < 0 || (size_t) n >= sizeof out - used)
                        break;
                used += n;
        }
        return strdup(used ? out : "none");
}

static char *describe_pageout(void) {
        int pidfd = (int) syscall(SYS_pidfd_open, getpid(), 0);
        if (pidfd < 0)
                return strdup(errno == ENOSYS ? "unavailable: pidfd_open missing (kernel < 5.3)"
                                              : "unavailable: pidfd_open failed");
        /* An empty vector checks that the syscall and the advice exist without touching memory. */
        long r = syscall(SYS_process_madvise, pidfd, (struct iovec *) NULL, 0, MADV_PAGEOUT, 0);
        int e = errno;
        close(pidfd);
        if (r >= 0)
                return strdup("process_madvise");
        char buf[128];
        if (e == ENOSYS)
                snprintf(buf, sizeof buf, "unavailable: process_madvise missing (kernel < 5.10)");
        else
                snprintf(buf, sizeof buf, "unavailable: process_madvise(MADV_PAGEOUT): %s", strerror(e));
        return strdup(buf);
}

int mem_kernel_features(char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        char detail[_MEM_TRACKER_MAX][256];
        int best = -1;

        /* 2 * (trackers + "tracker" + pageout + swap) + NULL */
        l = calloc(2 * (_MEM_TRACKER_MAX + 3) + 1, sizeof *l);
        if (!l)
                return -ENOMEM;

        for (int k = 0; k < _MEM_TRACKER_MAX; k++)
                if (mem_tracker_probe((MemTrackerKind) k, detail[k], sizeof detail[k]) > 0 && best < 0)
                        best = k;

        char in_use[320];
        if (best >= 0)
                snprintf(in_use, sizeof in_use, "%s (%s)", mem_tracker_kind_name((MemTrackerKind) best),
                         best == MEM_TRACKER_CLEAR_REFS ? "VMA granularity"
                         : best == MEM_TRACKER_DAMON    ? "region sampling"
                                                        : "page granularity");
        else
                snprintf(in_use, sizeof in_use, "none");
        l[n++] = strdup("tracker");
        l[n++] = strdup(in_use);
        for (int k = 0; k < _MEM_TRACKER_MAX; k++) {
                char key[64];
                snprintf(key, sizeof key, "tracker.%s", mem_tracker_kind_name((MemTrackerKind) k));
                l[n++] = strdup(key);
                l[n++] = strdup(detail[k]);
        }
        l[n++] = strdup("pageout");
        l[n++] = describe_pageout();
        l[n++] = strdup("swap");
        l[n++] = describe_swap();

        for (size_t i = 0; i < n; i++)
                if (!l[i]) {
                        /* strv_free() stops at the first NULL: free by count. */
                        for (size_t j = 0; j < n; j++)
                                free(l[j]);
                        free(TAKE_PTR(l));
                        return -ENOMEM;
                }
        *ret = TAKE_PTR(l);
        return 0;
}
