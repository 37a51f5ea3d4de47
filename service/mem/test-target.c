/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Target resolution against real forked children: pid/name/exe matches, descendants,
 * threads, zombies, our own pid, bad arguments, liveness through the pidfd. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel-features.h"
#include "macro.h"
#include "procstat.h"
#include "target.h"

static int failures;

#define CHECK(cond, ...)                                                         \
        do {                                                                     \
                if (!(cond)) {                                                   \
                        fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                            \
                        fputc('\n', stderr);                                     \
                        failures++;                                              \
                }                                                                \
        } while (0)

static pid_t children[16];
static size_t n_children;
static char tmpdir[] = "/tmp/etmem-test-target-XXXXXX";

static void cleanup(void) {
        for (size_t i = 0; i < n_children; i++)
                if (children[i] > 0) {
                        kill(children[i], SIGKILL);
                        waitpid(children[i], NULL, 0);
                }
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (tmpdir[strlen(tmpdir) - 1] != 'X')
                (void) !system(cmd);
}

static void *thread_sleep(void *p) {
        int fd = *(int *) p;
        pid_t tid = (pid_t) syscall(SYS_gettid);
        (void) !write(fd, &tid, sizeof tid);
        for (;;)
                pause();
        return NULL;
}

/* Child A: named nameA, one extra thread, one grandchild named nameG.
 * Reports (A's thread tid, G's pid) over the pipe once both are named. */
static pid_t spawn_tree(const char *nameA, const char *nameG, pid_t *ret_tid, pid_t *ret_g) {
        int p[2];
        pid_t pid;

        if (pipe(p) < 0)
                abort();
        pid = fork();
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                prctl(PR_SET_NAME, nameA);
                pthread_t t;
                pthread_create(&t, NULL, thread_sleep, &p[1]);
                pid_t g = fork();
                if (g == 0) {
                        prctl(PR_SET_PDEATHSIG, SIGKILL);
                        prctl(PR_SET_NAME, nameG);
                        (void) !write(p[1], &(pid_t) { getpid() }, sizeof(pid_t));
                        for (;;)
                                pause();
                }
                for (;;)
                        pause();
        }
        close(p[1]);
        pid_t a, b;
        if (read(p[0], &a, sizeof a) != sizeof a || read(p[0], &b, sizeof b) != sizeof b)
                abort();
        close(p[0]);
        /* Order of the two writes is not fixed: the grandchild is not a thread of A. */
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task/%d", (int) pid, (int) a);
        if (access(path, F_OK) == 0) {
                *ret_tid = a;
                *ret_g = b;
        } else {
                *ret_tid = b;
                *ret_g = a;
        }
        children[n_children++] = pid;
        return pid;
}

static pid_t spawn_named(const char *name) {
        int p[2];
        pid_t pid;

        if (pipe(p) < 0)
                abort();
        pid = fork();
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                prctl(PR_SET_NAME, name);
                (void) !write(p[1], "x", 1);
                for (;;)
                        pause();
        }
        char c;
        close(p[1]);
        if (read(p[0], &c, 1) != 1)
                abort();
        close(p[0]);
        children[n_children++] = pid;
        return pid;
}

static pid_t spawn_exec(const char *path) {
        pid_t pid = fork();
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                execl(path, path, "600", (char *) NULL);
                _exit(127);
        }
        children[n_children++] = pid;
        /* Wait until the exec happened: /proc/PID/exe no longer points at us. */
        char self[4096], exe[4096], link[64];
        ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
        self[l > 0 ? l : 0] = 0;
        snprintf(link, sizeof link, "/proc/%d/exe", (int) pid);
        for (int i = 0; i < 500; i++) {
                l = readlink(link, exe, sizeof exe - 1);
                exe[l > 0 ? l : 0] = 0;
                if (l > 0 && !streq(exe, self))
                        break;
                usleep(10000);
        }
        return pid;
}

static bool has_pid(const MemTarget *t, size_t n, pid_t pid) {
        for (size_t i = 0; i < n; i++)
                if (t[i].pid == pid)
                        return true;
        return false;
}

/* The pid a pidfd refers to, from /proc/self/fdinfo (kernel >= 5.4). */
static pid_t pidfd_pid(int fd) {
        char path[64], line[128];
        _cleanup_fclose_ FILE *f = NULL;
        int pid = 0;

        snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                if (sscanf(line, "Pid: %d", &pid) == 1)
                        return pid;
        return -1;
}

static void check_targets_sane(const MemTarget *t, size_t n) {
        for (size_t i = 0; i < n; i++) {
                unsigned long long st;
                CHECK(t[i].pidfd >= 0, "pid %d has no pidfd", (int) t[i].pid);
                CHECK(pidfd_pid(t[i].pidfd) == t[i].pid, "pidfd of %d refers to %d", (int) t[i].pid,
                      (int) pidfd_pid(t[i].pidfd));
                CHECK(mem_proc_stat(t[i].pid, NULL, NULL, NULL, &st) == 0 && st == t[i].starttime,
                      "starttime of %d", (int) t[i].pid);
                /* the feedback's view of the same stat line (comm may hold ") (") */
                struct etmem_procstat ps;
                CHECK(mem_procstat_read(t[i].pid, t[i].pidfd, &ps) == 0 && ps.starttime == t[i].starttime,
                      "procstat starttime of %d", (int) t[i].pid);
                CHECK(t[i].pid != getpid(), "our own pid was returned");
                if (i > 0)
                        CHECK(t[i - 1].pid < t[i].pid, "not sorted by pid / duplicate at %zu", i);
        }
}

static void resolve_expect(const char *type, const char *value, const pid_t *want, size_t n_want,
                           bool exact, int line) {
        MemTarget *t = NULL;
        size_t n = 0;
        int r = mem_targets_resolve(type, value, &t, &n);

        CHECK(r == 0, "line %d: resolve(%s, %s) = %s", line, type, value, strerror(-r));
        if (r < 0)
                return;
        check_targets_sane(t, n);
        for (size_t i = 0; i < n_want; i++)
                CHECK(has_pid(t, n, want[i]), "line %d: resolve(%s, %s) misses pid %d (got %zu targets)", line,
                      type, value, (int) want[i], n);
        if (exact)
                CHECK(n == n_want, "line %d: resolve(%s, %s) gave %zu targets, want %zu", line, type, value, n,
                      n_want);
        mem_targets_free(t, n);
}
#define EXPECT(type, value, exact, ...)                                                              \
        do {                                                                                         \
                const pid_t _w[] = { __VA_ARGS__ };                                                  \
                resolve_expect(type, value, _w, ELEMENTSOF(_w), exact, __LINE__);                    \
        } while (0)

static void expect_none(const char *type, const char *value, int want_r) {
        MemTarget *t = (MemTarget *) 0x1;
        size_t n = 77;
        int r = mem_targets_resolve(type, value, &t, &n);
        CHECK(r == want_r, "resolve(%s, '%s') = %d, want %d", type, value, r, want_r);
        if (r == 0) {
                CHECK(n == 0 && t == NULL, "resolve(%s, '%s') gave %zu targets, want none", type, value, n);
                if (r == 0 && t != (MemTarget *) 0x1)
                        mem_targets_free(t, n);
        }
}

static void test_features(void) {
        _cleanup_strv_free_ char **l = NULL;
        static const char *const keys[] = { "tracker", "tracker.kmod", "tracker.damon", "tracker.page_idle",
                                            "tracker.clear_refs", "pageout", "swap" };
        size_t n;
        int r;

        r = mem_kernel_features(&l);
        CHECK(r == 0, "mem_kernel_features: %s", strerror(-r));
        if (r < 0)
                return;
        for (n = 0; l[n]; n++)
                ;
        CHECK(n % 2 == 0, "odd strv length %zu", n);
        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                bool found = false;
                for (size_t i = 0; i + 1 < n; i += 2)
                        if (streq(l[i], keys[k])) {
                                found = true;
                                printf("  KernelFeatures %-20s %s\n", l[i], l[i + 1]);
                                CHECK(l[i + 1][0], "empty value for %s", keys[k]);
                        }
                CHECK(found, "key %s missing", keys[k]);
        }

        /* Every kernel has clear_refs + smaps, so some tracker is always in use. */
        for (size_t i = 0; i + 1 < n; i += 2) {
                if (streq(l[i], "tracker"))
                        CHECK(!streq(l[i + 1], "none"), "no tracker in use");
                if (streq(l[i], "tracker.clear_refs"))
                        CHECK(strncmp(l[i + 1], "available", 9) == 0, "clear_refs: %s", l[i + 1]);
                if (streq(l[i], "swap")) {
                        _cleanup_fclose_ FILE *f = fopen("/proc/swaps", "re");
                        char line[512];
                        int lines = 0;
                        while (f && fgets(line, sizeof line, f))
                                lines++;
                        CHECK((lines <= 1) == streq(l[i + 1], "none"), "swap '%s' vs %d lines in /proc/swaps",
                              l[i + 1], lines);
                }
        }
}

static void test_format(void) {
        char b[32];
        mem_format_bytes(4ULL << 30, b, sizeof b);
        CHECK(streq(b, "4 GiB"), "%s", b);
        mem_format_bytes(512ULL << 20, b, sizeof b);
        CHECK(streq(b, "512 MiB"), "%s", b);
        mem_format_bytes(1536, b, sizeof b);
        CHECK(streq(b, "1.5 KiB"), "%s", b);
        mem_format_bytes(100, b, sizeof b);
        CHECK(streq(b, "100 B"), "%s", b);
}

int main(void) {
        char nameA[16], nameG[16], nameB[16], nameP[16], buf[32];
        unsigned tag = (unsigned) getpid() % 100000;
        pid_t tid, g;

        atexit(cleanup);
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 1;
        }

        snprintf(nameA, sizeof nameA, "etmA-%u", tag);
        snprintf(nameG, sizeof nameG, "etmG-%u", tag);
        snprintf(nameB, sizeof nameB, "etmB-%u", tag);
        snprintf(nameP, sizeof nameP, "e) (%u", tag); /* parentheses and a space in comm */

        pid_t a = spawn_tree(nameA, nameG, &tid, &g);
        pid_t b = spawn_named(nameB);
        pid_t p = spawn_named(nameP);

        /* type=pid: the process and its descendants, not its thread, not a sibling. */
        snprintf(buf, sizeof buf, "%d", (int) a);
        EXPECT("pid", buf, true, a, g);
        /* A thread id means its process. */
        snprintf(buf, sizeof buf, "%d", (int) tid);
        CHECK(tid != a, "thread id equals pid");
        EXPECT("pid", buf, true, a, g);
        snprintf(buf, sizeof buf, "%d", (int) g);
        EXPECT("pid", buf, true, g);

        /* type=name: comm match, with descendants (G's own comm differs). */
        EXPECT("name", nameA, true, a, g);
        EXPECT("name", nameG, true, g);
        EXPECT("name", nameB, true, b);
        EXPECT("name", nameP, true, p);

        /* stat parsing survives ") (" inside comm. */
        {
                char comm[MEM_COMM_MAX];
                pid_t ppid = 0;
                CHECK(mem_proc_stat(p, comm, &ppid, NULL, NULL) == 0, "stat of %d", (int) p);
                CHECK(streq(comm, nameP) && ppid == getpid(), "comm '%s' ppid %d", comm, (int) ppid);
        }

        /* Our own pid is never a target, its descendants are. */
        snprintf(buf, sizeof buf, "%d", (int) getpid());
        EXPECT("pid", buf, false, a, g, b, p);

        /* Executable basename: a symlink gives comm "etmL-N", exe basename "sleep". */
        char sleep_path[] = "/bin/sleep";
        if (access(sleep_path, X_OK) == 0) {
                char lnk[256], nameL[16], longname[64], longpath[256], cmd[600];
                snprintf(nameL, sizeof nameL, "etmL-%u", tag);
                snprintf(lnk, sizeof lnk, "%s/%s", tmpdir, nameL);
                CHECK(symlink(sleep_path, lnk) == 0, "symlink: %m");
                pid_t l = spawn_exec(lnk);
                EXPECT("name", nameL, true, l);
                EXPECT("name", "sleep", false, l);

                /* A name longer than 15 characters can only match the executable. */
                snprintf(longname, sizeof longname, "etmlongname-%u-xyz", tag);
                snprintf(longpath, sizeof longpath, "%s/%s", tmpdir, longname);
                snprintf(cmd, sizeof cmd, "cp %s '%s'", sleep_path, longpath);
                CHECK(system(cmd) == 0, "%s", cmd);
                pid_t lp = spawn_exec(longpath);
                char truncated[16];
                memcpy(truncated, longname, sizeof truncated - 1);
                truncated[sizeof truncated - 1] = 0;
                EXPECT("name", longname, true, lp);
                EXPECT("name", truncated, true, lp);
                /* Replacing the binary leaves "... (deleted)" in /proc/PID/exe: still matched. */
                CHECK(unlink(longpath) == 0, "unlink: %m");
                EXPECT("name", longname, true, lp);
        } else
                printf("  skip exe-basename checks: no %s\n", sleep_path);

        /* Nothing matches: 0 with no targets. */
        char none[32];
        snprintf(none, sizeof none, "etm-none-%u", tag);
        expect_none("name", none, 0);
        expect_none("pid", "2147483647", 0);

        /* Bad arguments. */
        expect_none("pid", "abc", -EINVAL);
        expect_none("pid", "0", -EINVAL);
        expect_none("pid", "-5", -EINVAL);
        expect_none("pid", "12x", -EINVAL);
        expect_none("pid", "", -EINVAL);
        expect_none("pid", "99999999999999999999", -EINVAL);
        expect_none("name", "", -EINVAL);
        expect_none("name", "a/b", -EINVAL);
        expect_none("exe", "x", -EINVAL);

        /* Liveness through the pidfd, and a zombie is not a target. */
        {
                MemTarget *t = NULL;
                size_t n = 0;
                snprintf(buf, sizeof buf, "%d", (int) b);
                CHECK(mem_targets_resolve("pid", buf, &t, &n) == 0 && n == 1, "resolve b");
                if (n == 1) {
                        CHECK(mem_target_alive(&t[0]), "live child reported dead");
                        kill(b, SIGKILL);
                        bool dead = false;
                        for (int i = 0; i < 200 && !dead; i++) {
                                dead = !mem_target_alive(&t[0]);
                                if (!dead)
                                        usleep(5000);
                        }
                        CHECK(dead, "killed (zombie) child still reported alive");
                        /* Unreaped: /proc/PID still exists, but it is no target. */
                        expect_none("pid", buf, 0);
                        waitpid(b, NULL, 0);
                        for (size_t i = 0; i < n_children; i++)
                                if (children[i] == b)
                                        children[i] = 0;
                        CHECK(!mem_target_alive(&t[0]), "reaped child reported alive");
                }
                mem_targets_free(t, n);
                MemTarget fake = { .pid = 1, .pidfd = -1 };
                CHECK(!mem_target_alive(&fake), "pidfd -1 reported alive");
                CHECK(!mem_target_alive(NULL), "NULL reported alive");
                mem_targets_free(NULL, 0);
        }

        test_features();
        test_format();

        if (failures) {
                printf("test-target: %d check(s) failed\n", failures);
                return 1;
        }
        printf("test-target: all checks passed\n");
        return 0;
}
