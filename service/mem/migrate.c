/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "migrate.h"
#include "proc-util.h"
#include "target.h"

#define PIDFD_THREAD_FLAG O_EXCL /* PIDFD_THREAD, include/uapi/linux/pidfd.h */

#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE (1 << 1)
#endif

/* move_pages(2) and migrate_pages(2) take a pid, not a pidfd.  The pidfd is checked
 * before every call and again after it: a pid is not given to another process before
 * the one holding it has exited, so a pidfd that is still alive after the call proves
 * the call reached our process.  One that died during the call is reported (-ESRCH):
 * nothing more is done, and the caller says the target exited. */
static long sys_move_pages(pid_t pid, unsigned long count, void **pages, const int *nodes, int *status, int flags) {
        return syscall(SYS_move_pages, pid, count, pages, nodes, status, flags);
}

static size_t batch_pages(const struct etmem_pageout_opts *opts) {
        uint64_t bytes = opts && opts->batch_bytes ? opts->batch_bytes : MEM_MOVE_DEFAULT_BATCH;
        long ps = sysconf(_SC_PAGESIZE);
        size_t n = (size_t) (bytes / (uint64_t) (ps > 0 ? ps : 4096));

        return n ? n : 1;
}

int mem_page_nodes(pid_t pid, int pidfd, const uint64_t *addrs, size_t n, int *status) {
        void *pages[512];

        if (!addrs || !status)
                return -EINVAL;
        for (size_t off = 0; off < n; off += ELEMENTSOF(pages)) {
                size_t k = n - off < ELEMENTSOF(pages) ? n - off : ELEMENTSOF(pages);

                for (size_t i = 0; i < k; i++)
                        pages[i] = (void *) (uintptr_t) addrs[off + i];
                if (!mem_pidfd_alive(pidfd))
                        return -ESRCH;
                if (sys_move_pages(pid, k, pages, NULL, status + off, 0) < 0)
                        return -errno;
                if (!mem_pidfd_alive(pidfd))
                        return -ESRCH; /* the status may be another process's */
        }
        return 0;
}

int mem_move_pages(pid_t pid, int pidfd, const uint64_t *addrs, const int *nodes, size_t n, int *status,
                   const struct etmem_pageout_opts *opts, struct etmem_move_stats *stats) {
        size_t batch = batch_pages(opts), cap = batch < 4096 ? batch : 4096;
        _cleanup_free_ void **pages = NULL;
        _cleanup_free_ int *st = NULL;
        struct etmem_move_stats local = {};

        if (!addrs || !nodes)
                return -EINVAL;
        if (!stats)
                stats = &local;
        pages = calloc(cap, sizeof *pages);
        st = calloc(cap, sizeof *st);
        if (!pages || !st)
                return -ENOMEM;
        for (size_t off = 0; off < n; off += cap) {
                size_t k = n - off < cap ? n - off : cap;
                long r;

                if (opts && opts->cancelled && opts->cancelled(opts->userdata))
                        return -ECANCELED;
                if (!mem_pidfd_alive(pidfd))
                        return -ESRCH;
                for (size_t i = 0; i < k; i++)
                        pages[i] = (void *) (uintptr_t) addrs[off + i];
                r = sys_move_pages(pid, k, pages, nodes + off, st, MPOL_MF_MOVE);
                stats->syscalls++;
                if (!mem_pidfd_alive(pidfd))
                        return -ESRCH;
                if (r < 0) {
                        if (errno == ESRCH)
                                return -ESRCH;
                        if (errno != ENOENT && errno != EFAULT && errno != EBUSY && errno != ENOMEM)
                                return -errno;
                        /* per-page status is still filled in for these */
                }
                for (size_t i = 0; i < k; i++) {
                        if (st[i] == nodes[off + i])
                                stats->pages_moved++;
                        else if (st[i] == -ENOENT || st[i] == -EFAULT)
                                stats->pages_absent++;
                        else
                                stats->pages_failed++;
                        if (status)
                                status[off + i] = st[i];
                }
        }
        return 0;
}

int mem_migrate_process(pid_t pid, int pidfd, uint64_t from, uint64_t to) {
        /* maxnode one past the highest bit, as the kernel wants (numad passes num_nodes + 1) */
        unsigned long f = (unsigned long) from, t = (unsigned long) to;
        long r;

        if (!from || !to)
                return -EINVAL;
        if (!mem_pidfd_alive(pidfd))
                return -ESRCH;
        r = syscall(SYS_migrate_pages, pid, (unsigned long) ETMEM_NUMA_MAX_NODES + 1, &f, &t);
        if (r < 0)
                return -errno;
        if (!mem_pidfd_alive(pidfd))
                return -ESRCH;
        return (int) r;
}

int mem_set_affinity(pid_t pid, int pidfd, const uint64_t *cpus, size_t words, unsigned *threads_ret) {
        _cleanup_close_ int dfd = -1;
        _cleanup_(closedirp) DIR *d = NULL;
        size_t setsize = CPU_ALLOC_SIZE(ETMEM_NUMA_MAX_CPUS);
        cpu_set_t *set;
        struct dirent *de;
        unsigned threads = 0;
        int r = 0;

        if (!cpus || words == 0)
                return -EINVAL;
        dfd = proc_open_checked(pid, pidfd, "task", O_RDONLY | O_DIRECTORY);
        if (dfd < 0)
                return dfd;
        d = fdopendir(dfd);
        if (!d)
                return -errno;
        dfd = -1; /* owned by d now */
        set = CPU_ALLOC(ETMEM_NUMA_MAX_CPUS);
        if (!set)
                return -ENOMEM;
        CPU_ZERO_S(setsize, set);
        for (size_t c = 0; c < words * 64 && c < ETMEM_NUMA_MAX_CPUS; c++)
                if ((cpus[c / 64] >> (c % 64)) & 1)
                        CPU_SET_S(c, setsize, set);
        if (CPU_COUNT_S(setsize, set) == 0) {
                CPU_FREE(set);
                return -EINVAL;
        }
        while ((de = readdir(d))) {
                char *end;
                long tid = strtol(de->d_name, &end, 10);

                if (*end || tid <= 0)
                        continue;
                /* A thread's id is freed as soon as it exits, while its process lives on: the
                 * tid is held by a thread pidfd (Linux 6.9), opened while the tid is listed
                 * in our process's task directory and still alive after the call, so the
                 * call reached that thread.  Older kernels: the tid as read (a window of
                 * the readdir and one syscall). */
                _cleanup_close_ int tfd = (int) syscall(SYS_pidfd_open, (pid_t) tid, PIDFD_THREAD_FLAG);
                if (tfd < 0 && errno == ESRCH)
                        continue;
                if (tfd >= 0 && faccessat(dirfd(d), de->d_name, F_OK, 0) < 0)
                        continue; /* not (or no longer) a thread of this process */
                if (sched_setaffinity((pid_t) tid, setsize, set) < 0) {
                        if (errno == ESRCH)
                                continue; /* that thread exited meanwhile */
                        r = -errno;
                        break;
                }
                if (tfd >= 0 && !mem_pidfd_alive(tfd))
                        continue; /* exited during the call: not counted */
                threads++;
        }
        CPU_FREE(set);
        if (threads_ret)
                *threads_ret = threads;
        if (r == 0 && !mem_pidfd_alive(pidfd))
                r = -ESRCH;
        return r;
}
