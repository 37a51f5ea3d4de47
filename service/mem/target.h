/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Task targets: the processes a task names, each held by a pidfd (DESIGN §7). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>


#define MEM_COMM_MAX 16 /* TASK_COMM_LEN: 15 characters + NUL */

/* Who a process runs as, and whether it may be looked into (DESIGN §7, docs/security.md). */
typedef struct MemCreds {
        uid_t ruid, euid;
        gid_t rgid, egid;
        bool dumpable;  /* false: its /proc/PID files are root's while it runs as another euid */
} MemCreds;

typedef struct MemTarget {
        pid_t pid;
        int pidfd;                      /* owned; -1 after mem_targets_free() */
        char comm[MEM_COMM_MAX];
        unsigned long long starttime;   /* /proc/PID/stat field 22, clock ticks since boot */
        MemCreds creds;                 /* as resolved; mem_target_creds_unchanged() checks them again */
} MemTarget;

typedef struct MemTargetQuery {
        const char *type;       /* "pid" | "name" */
        const char *value;
        bool has_uid;           /* type=name: only processes whose real and effective uid are uid */
        uid_t uid;
} MemTargetQuery;

/* What resolution left alone, and why (the first such process in pid order). */
typedef struct MemTargetSkipped {
        size_t n;
        pid_t pid;
        char why[256];
} MemTargetSkipped;

/* Resolves a task's processes.
 *   type "pid":  value is a decimal pid (a thread id maps to its process); that
 *                process and its descendants.
 *   type "name": every process whose /proc/PID/comm equals value (only when value
 *                is <= 15 chars, like etmem) or whose executable's basename equals
 *                value; and their descendants.
 * Threads are never separate targets; kernel threads and our own process are
 * never returned.  Each target's pidfd is opened right after its stat was read,
 * and the stat's starttime is checked again after pidfd_open(), so a pid that
 * was reused in between is never returned.  Targets are sorted by pid.
 * Returns 0 (with *n_ret = 0 and *ret = NULL when nothing matches), -EINVAL for a
 * bad type or value, or another negative errno. */
int mem_targets_resolve(const char *type, const char *value, MemTarget **ret, size_t *n_ret);

/* The same with the rule of docs/security.md ("What a task may touch"):
 *   - a process matched by name is left alone when it is not dumpable, or (with
 *     q->has_uid) when its real or effective uid is not q->uid;
 *   - a descendant (of a name or pid match) is left alone when it is not dumpable or
 *     when its real/effective uid or gid differ from those of the process it was
 *     matched through; its own descendants are then left alone too;
 *   - the process named by a type=pid task is always taken.
 * skipped (may be NULL) counts the processes left alone and says why for the first. */
int mem_targets_resolve_query(const MemTargetQuery *q, MemTarget **ret, size_t *n_ret, MemTargetSkipped *skipped);

/* Reads the credentials of a process (through its pidfd: -ESRCH once it is gone). */
int mem_proc_creds(pid_t pid, int pidfd, MemCreds *ret);
/* True while the target still runs with the credentials it was resolved with (a
 * setuid exec after resolution makes it false). */
bool mem_target_creds_unchanged(const MemTarget *t);

/* This boot's /proc/sys/kernel/random/boot_id (36 characters + NUL). */
int mem_boot_id(char ret[37]);

/* Closes every pidfd and frees the array (NULL is fine). */
void mem_targets_free(MemTarget *t, size_t n);

/* True while the process the pidfd refers to has not exited (a zombie counts as
 * exited).  Never false for a live process, whatever happened to its pid. */
bool mem_target_alive(const MemTarget *t);
bool mem_pidfd_alive(int pidfd);

/* Fields 4 (ppid) .. 22 (starttime) of a /proc/PID/stat text (buf is cut up); comm may be NULL. */
#define MEM_STAT_FIELDS 19
int mem_proc_stat_parse(char *buf, char comm[MEM_COMM_MAX], unsigned long long v[MEM_STAT_FIELDS]);
/* Reads an open stat file and parses it. */
int mem_proc_stat_fd(int fd, char comm[MEM_COMM_MAX], unsigned long long v[MEM_STAT_FIELDS]);

/* Reads "/proc/PID/stat": comm (may be NULL), ppid, flags and starttime (each may be NULL).
 * -ENOENT/-ESRCH when the process is gone. */
int mem_proc_stat(pid_t pid, char comm[MEM_COMM_MAX], pid_t *ppid, unsigned *flags,
                  unsigned long long *starttime);
