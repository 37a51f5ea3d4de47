/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fallback tracker that works on every kernel: write "1" to /proc/PID/clear_refs (clears
 * the young bits and PG_referenced of all the process's pages), and at the next round
 * read each VMA's "Referenced:" from smaps.  Granularity is a whole VMA: one touched page
 * makes the whole mapping hot.  Note that clearing also resets what the kernel's own
 * reclaim knows about these pages' recency, and that two trackers on one process would
 * clear each other's bits. */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "proc-util.h"
#include "tracker.h"

typedef struct ClearRefs {
        int fd;
} ClearRefs;

static int clear_refs_open(MemTracker *t) {
        ClearRefs *c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->fd = proc_open_checked(t->pid, t->pidfd, "clear_refs", O_WRONLY);
        if (c->fd < 0) {
                int r = c->fd;
                free(c);
                return r == -ENOENT ? -EOPNOTSUPP : r;
        }
        t->priv = c;
        return 0;
}

static int clear_refs_observe(MemTracker *t, unsigned round, const MemVmaList *vmas, MemObsList *out) {
        ClearRefs *c = t->priv;
        int r;

        for (size_t i = 0; i < vmas->n; i++) {
                const MemVma *v = &vmas->v[i];
                if (v->special || v->rss == 0)
                        continue;
                r = mem_obs_push(out, v->start, v->end, v->referenced > 0, v->rss);
                if (r < 0)
                        return r;
        }
        /* Re-arm: the next round sees only what is referenced from now on. */
        if (pwrite(c->fd, "1", 1, 0) != 1)
                return errno == ESRCH ? -ESRCH : -errno;
        return 0;
}

static void clear_refs_close(MemTracker *t) {
        ClearRefs *c = t->priv;
        if (!c)
                return;
        close(c->fd);
        free(c);
        t->priv = NULL;
}

static int tracker_clear_refs_probe(char *detail, size_t size) {
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

const MemTrackerOps mem_tracker_clear_refs_ops = {
        .kind = MEM_TRACKER_CLEAR_REFS,
        .describe = "clear_refs (VMA granularity)",
        .granularity = 0,
        .sees_kvm_guest = false,
        .probe = tracker_clear_refs_probe,
        .open = clear_refs_open,
        .observe = clear_refs_observe,
        .close = clear_refs_close,
};
