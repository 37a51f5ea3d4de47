/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "target.h"

#define PF_KTHREAD_FLAG 0x00200000u /* include/linux/sched.h: kernel threads have no mm to page out */

/* Hard cap so a fork bomb named like a task cannot make us allocate without bound. */
#define MEM_TARGETS_MAX 65536

static int sys_pidfd_open(pid_t pid) {
        return (int) syscall(SYS_pidfd_open, pid, 0);
}

int mem_proc_stat_parse(char *buf, char comm[MEM_COMM_MAX], unsigned long long v[MEM_STAT_FIELDS]) {
        /* comm may hold spaces and parentheses: it ends at the LAST ')'. */
        char *open_paren = strchr(buf, '(');
        char *close_paren = strrchr(buf, ')');
        if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ')
                return -EBADMSG;
        if (comm) {
                size_t n = MIN((size_t) (close_paren - open_paren - 1), (size_t) MEM_COMM_MAX - 1);
                memcpy(comm, open_paren + 1, n);
                comm[n] = 0;
        }

        /* Fields after comm, counted from 3 (state); v[0] is field 4 (ppid). */
        char *p = close_paren + 2;
        int field = 3;
        for (char *tok = strsep(&p, " "); tok && field < 4 + MEM_STAT_FIELDS; tok = strsep(&p, " "), field++) {
                if (field == 3)
                        continue;
                errno = 0;
                char *end;
                v[field - 4] = strtoull(tok, &end, 10);
                if (errno || end == tok)
                        return -EBADMSG;
        }
        if (field < 4 + MEM_STAT_FIELDS)
                return -EBADMSG;
        return 0;
}

int mem_proc_stat_fd(int fd, char comm[MEM_COMM_MAX], unsigned long long v[MEM_STAT_FIELDS]) {
        char buf[1024];
        ssize_t l;

        l = read(fd, buf, sizeof buf - 1);
        if (l < 0)
                return errno == ESRCH ? -ESRCH : -errno;
        buf[l] = 0;
        return mem_proc_stat_parse(buf, comm, v);
}

int mem_proc_stat(pid_t pid, char comm[MEM_COMM_MAX], pid_t *ppid, unsigned *flags,
                  unsigned long long *starttime) {
        char path[64];
        _cleanup_close_ int fd = -1;
        unsigned long long v[MEM_STAT_FIELDS];
        int r;

        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        r = mem_proc_stat_fd(fd, comm, v);
        if (r < 0)
                return r;
        if (ppid)
                *ppid = (pid_t) v[4 - 4];
        if (flags)
                *flags = (unsigned) v[9 - 4];
        if (starttime)
                *starttime = v[22 - 4];
        return 0;
}

typedef struct ProcEntry {
        pid_t pid, ppid;
        unsigned flags;
        unsigned long long starttime;
        char comm[MEM_COMM_MAX];
        bool selected;
        bool refused;           /* left alone: neither it nor its descendants are taken */
        bool has_creds;
        MemCreds creds;
        size_t via;             /* the matched process it was selected through (itself for a match) */
} ProcEntry;

static int parse_pid(const char *s, pid_t *ret) {
        char *end;
        long v;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || *end || v <= 0 || v > INT_MAX)
                return -EINVAL;
        *ret = (pid_t) v;
        return 0;
}

/* Every process (not thread: readdir of /proc lists thread-group leaders only). */
static int proc_snapshot(ProcEntry **ret, size_t *n_ret) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ ProcEntry *v = NULL;
        size_t n = 0, allocated = 0;
        struct dirent *de;

        d = opendir("/proc");
        if (!d)
                return -errno;

        while ((errno = 0, de = readdir(d))) {
                ProcEntry e = {};

                if (parse_pid(de->d_name, &e.pid) < 0)
                        continue;
                if (mem_proc_stat(e.pid, e.comm, &e.ppid, &e.flags, &e.starttime) < 0)
                        continue; /* exited meanwhile */
                if (n >= allocated) {
                        size_t na = MAX(allocated * 2, (size_t) 256);
                        ProcEntry *nv = reallocarray(v, na, sizeof *v);
                        if (!nv)
                                return -ENOMEM;
                        v = nv;
                        allocated = na;
                }
                v[n++] = e;
        }
        if (errno)
                return -errno;

        *ret = TAKE_PTR(v);
        *n_ret = n;
        return 0;
}

static bool exe_basename_is(pid_t pid, const char *value) {
        char path[64], exe[PATH_MAX];
        ssize_t l;

        snprintf(path, sizeof path, "/proc/%d/exe", (int) pid);
        l = readlink(path, exe, sizeof exe - 1);
        if (l <= 0)
                return false; /* kernel thread, exited, or not ours to read */
        exe[l] = 0;
        /* An unlinked or replaced binary reads "/usr/bin/foo (deleted)": still foo. */
        static const char deleted[] = " (deleted)";
        if ((size_t) l > STRLEN(deleted) && streq(exe + l - STRLEN(deleted), deleted))
                exe[l - STRLEN(deleted)] = 0;
        const char *base = strrchr(exe, '/');
        return streq(base ? base + 1 : exe, value);
}

/* A thread id is accepted for type=pid like etmem's pid lookup does: use its process. */
static pid_t tgid_of(pid_t pid) {
        char path[64], line[256];
        _cleanup_fclose_ FILE *f = NULL;

        snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return 0;
        while (fgets(line, sizeof line, f)) {
                int tgid;
                if (sscanf(line, "Tgid: %d", &tgid) == 1)
                        return tgid;
        }
        return 0;
}

int mem_proc_creds(pid_t pid, int pidfd, MemCreds *ret) {
        char path[64], line[256];
        _cleanup_close_ int dfd = -1;
        _cleanup_fclose_ FILE *f = NULL;
        struct stat st;
        unsigned u[2], g[2];
        int have = 0, fd;

        snprintf(path, sizeof path, "/proc/%d", (int) pid);
        dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        fd = openat(dfd, "status", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        f = fdopen(fd, "re");
        if (!f) {
                close(fd);
                return -errno;
        }
        while (have != 3 && fgets(line, sizeof line, f)) {
                if (sscanf(line, "Uid: %u %u", &u[0], &u[1]) == 2)
                        have |= 1;
                else if (sscanf(line, "Gid: %u %u", &g[0], &g[1]) == 2)
                        have |= 2;
        }
        if (have != 3)
                return -ESRCH; /* a zombie has no credentials left to read */
        /* The kernel gives the files of a process's /proc/PID to root while it is not
         * dumpable (task_dump_owner(), updated on each lookup), and to its euid otherwise
         * (the directory itself keeps its first owner).  Looked up after status was
         * read, so a process that turned non-dumpable in between is seen so. */
        if (fstatat(dfd, "status", &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        if (pidfd >= 0 && !mem_pidfd_alive(pidfd))
                return -ESRCH;
        *ret = (MemCreds) {
                .ruid = u[0], .euid = u[1], .rgid = g[0], .egid = g[1],
                .dumpable = st.st_uid == u[1],
        };
        return 0;
}

static bool creds_same_ids(const MemCreds *a, const MemCreds *b) {
        return a->ruid == b->ruid && a->euid == b->euid && a->rgid == b->rgid && a->egid == b->egid;
}

bool mem_target_creds_unchanged(const MemTarget *t) {
        MemCreds now;

        return t && mem_proc_creds(t->pid, t->pidfd, &now) >= 0 && creds_same_ids(&now, &t->creds) &&
               now.dumpable == t->creds.dumpable;
}

static bool entry_creds(ProcEntry *e) {
        if (!e->has_creds)
                e->has_creds = mem_proc_creds(e->pid, -1, &e->creds) >= 0;
        return e->has_creds;
}

static void skip(MemTargetSkipped *skipped, ProcEntry *e, const char *fmt, ...) __attribute__((__format__(printf, 3, 4)));
static void skip(MemTargetSkipped *skipped, ProcEntry *e, const char *fmt, ...) {
        va_list ap;

        e->refused = true;
        e->selected = false;
        if (!skipped || skipped->n++ > 0)
                return;
        skipped->pid = e->pid;
        va_start(ap, fmt);
        vsnprintf(skipped->why, sizeof skipped->why, fmt, ap);
        va_end(ap);
}

/* A descendant of a selected process is taken only when it runs as the process it was
 * matched through and is dumpable; one left alone takes its own descendants with it. */
static void select_descendants(ProcEntry *v, size_t n, MemTargetSkipped *skipped) {
        /* Fixed point over ppid links: cheap for the few thousand processes a host has. */
        bool changed = true;
        while (changed) {
                changed = false;
                for (size_t i = 0; i < n; i++) {
                        ProcEntry *e = &v[i];

                        if (e->selected || e->refused)
                                continue;
                        for (size_t j = 0; j < n; j++) {
                                if (!v[j].selected || v[j].pid != e->ppid)
                                        continue;
                                ProcEntry *m = &v[v[j].via];

                                changed = true;
                                if (!entry_creds(e)) {
                                        e->refused = true; /* exited meanwhile */
                                        break;
                                }
                                if (!creds_same_ids(&e->creds, &m->creds))
                                        skip(skipped, e,
                                             "pid %d (%s) runs as uid %u/%u gid %u/%u, unlike pid %d (%s) it "
                                             "descends from (uid %u/%u gid %u/%u): left alone",
                                             (int) e->pid, e->comm, (unsigned) e->creds.ruid, (unsigned) e->creds.euid,
                                             (unsigned) e->creds.rgid, (unsigned) e->creds.egid, (int) m->pid, m->comm,
                                             (unsigned) m->creds.ruid, (unsigned) m->creds.euid,
                                             (unsigned) m->creds.rgid, (unsigned) m->creds.egid);
                                else if (!e->creds.dumpable)
                                        skip(skipped, e, "pid %d (%s), a descendant of pid %d (%s), is not dumpable: "
                                             "left alone", (int) e->pid, e->comm, (int) m->pid, m->comm);
                                else {
                                        e->selected = true;
                                        e->via = v[j].via;
                                }
                                break;
                        }
                }
        }
}

static int cmp_target(const void *a, const void *b) {
        const MemTarget *x = a, *y = b;
        return (x->pid > y->pid) - (x->pid < y->pid);
}

int mem_targets_resolve(const char *type, const char *value, MemTarget **ret, size_t *n_ret) {
        return mem_targets_resolve_query(&(MemTargetQuery) { .type = type, .value = value }, ret, n_ret, NULL);
}

int mem_targets_resolve_query(const MemTargetQuery *q, MemTarget **ret, size_t *n_ret, MemTargetSkipped *skipped) {
        _cleanup_free_ ProcEntry *procs = NULL;
        const char *type = q ? q->type : NULL, *value = q ? q->value : NULL;
        MemTarget *t = NULL;
        size_t n_procs = 0, n = 0, n_selected = 0;
        bool by_pid;
        pid_t want = 0;
        int r;

        if (!type || !value || !ret || !n_ret)
                return -EINVAL;
        if (streq(type, "pid")) {
                by_pid = true;
                r = parse_pid(value, &want);
                if (r < 0)
                        return r;
        } else if (streq(type, "name")) {
                by_pid = false;
                if (!value[0] || strchr(value, '/'))
                        return -EINVAL;
        } else
                return -EINVAL;

        r = proc_snapshot(&procs, &n_procs);
        if (r < 0)
                return r;

        if (by_pid) {
                bool found = false;
                for (size_t i = 0; i < n_procs; i++)
                        if (procs[i].pid == want)
                                found = true;
                if (!found) {
                        pid_t tgid = tgid_of(want);
                        if (tgid > 0)
                                want = tgid;
                }
        }

        if (skipped)
                *skipped = (MemTargetSkipped) {};
        bool comm_comparable = strlen(value) < MEM_COMM_MAX;
        for (size_t i = 0; i < n_procs; i++) {
                ProcEntry *e = &procs[i];

                e->via = i;
                if (e->flags & PF_KTHREAD_FLAG)
                        continue;
                if (by_pid) {
                        /* named by pid: taken whoever it runs as (its creds are the reference) */
                        e->selected = e->pid == want && entry_creds(e);
                        continue;
                }
                if (!(comm_comparable && streq(e->comm, value)) && !exe_basename_is(e->pid, value))
                        continue;
                if (!entry_creds(e))
                        continue; /* exited meanwhile */
                if (q->has_uid && (e->creds.ruid != q->uid || e->creds.euid != q->uid))
                        continue; /* not this task's user: never matched at all */
                if (!e->creds.dumpable)
                        skip(skipped, e, "pid %d (%s) matches the name but is not dumpable: left alone "
                             "(a type=pid task can name it)", (int) e->pid, e->comm);
                else
                        e->selected = true;
        }
        select_descendants(procs, n_procs, skipped);

        pid_t self = getpid();
        for (size_t i = 0; i < n_procs; i++) {
                ProcEntry *e = &procs[i];
                if (!e->selected || e->pid == self || (e->flags & PF_KTHREAD_FLAG))
                        e->selected = false;
                else
                        n_selected++;
        }
        if (n_selected == 0) {
                *ret = NULL;
                *n_ret = 0;
                return 0;
        }
        if (n_selected > MEM_TARGETS_MAX)
                return -E2BIG;

        t = calloc(n_selected, sizeof *t);
        if (!t)
                return -ENOMEM;

        for (size_t i = 0; i < n_procs; i++) {
                ProcEntry *e = &procs[i];
                unsigned long long again;
                int fd;

                if (!e->selected)
                        continue;
                fd = sys_pidfd_open(e->pid);
                if (fd < 0) {
                        if (errno == ESRCH)
                                continue; /* exited since the snapshot */
                        r = -errno;
                        mem_targets_free(t, n);
                        return r;
                }
                /* The pidfd refers to whoever held the pid at open time; only if
                 * the stat read after it still shows the snapshot's starttime is
                 * that the process we matched (pids are not reused within a tick
                 * while the pid was continuously in use by that process). */
                if (mem_proc_stat(e->pid, NULL, NULL, NULL, &again) < 0 || again != e->starttime ||
                    !mem_pidfd_alive(fd)) {
                        close(fd);
                        continue;
                }
                t[n++] = (MemTarget) {
                        .pid = e->pid,
                        .pidfd = fd,
                        .starttime = e->starttime,
                        .creds = e->creds,
                };
                memcpy(t[n - 1].comm, e->comm, sizeof e->comm);
        }

        if (n == 0) {
                free(t);
                t = NULL;
        } else
                qsort(t, n, sizeof *t, cmp_target);
        *ret = t;
        *n_ret = n;
        return 0;
}

int mem_boot_id(char ret[37]) {
        _cleanup_close_ int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
        char buf[64];
        ssize_t l;

        if (fd < 0)
                return -errno;
        l = read(fd, buf, sizeof buf - 1);
        if (l < 0)
                return -errno;
        if (l < 36)
                return -EBADMSG;
        memcpy(ret, buf, 36);
        ret[36] = 0;
        return 0;
}

void mem_targets_free(MemTarget *t, size_t n) {
        if (!t)
                return;
        for (size_t i = 0; i < n; i++)
                if (t[i].pidfd >= 0) {
                        close(t[i].pidfd);
                        t[i].pidfd = -1;
                }
        free(t);
}

bool mem_pidfd_alive(int pidfd) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };

        if (pidfd < 0)
                return false;
        for (;;) {
                int r = poll(&p, 1, 0);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return false;
                /* A pidfd polls readable once the process has exited. */
                return r == 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL));
        }
}

bool mem_target_alive(const MemTarget *t) {
        return t && mem_pidfd_alive(t->pidfd);
}
