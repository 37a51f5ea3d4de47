/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Affinity and migration act through the target's pidfd (issue #10, item 10): every
 * thread of a live process gets the affinity (each tid held by a thread pidfd where the
 * kernel has them), and a target that exited is refused with -ESRCH by every call. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "migrate.h"

static int failures;
#define CHECK(cond, ...)                                                         \
        do {                                                                     \
                if (!(cond)) {                                                   \
                        failures++;                                              \
                        printf("FAIL %s:%d: ", __FILE__, __LINE__);              \
                        printf(__VA_ARGS__);                                     \
                        printf("\n");                                            \
                }                                                                \
        } while (0)

#define THREADS 4

static void *idle_thread(void *arg) {
        for (;;)
                pause();
        return arg;
}

static pid_t spawn_threaded(void) {
        int p[2];
        pid_t pid;
        char c;

        if (pipe(p) < 0)
                abort();
        pid = fork();
        if (pid == 0) {
                pthread_t t;
                for (int i = 1; i < THREADS; i++)
                        pthread_create(&t, NULL, idle_thread, NULL);
                (void) !write(p[1], "x", 1);
                for (;;)
                        pause();
        }
        close(p[1]);
        (void) !read(p[0], &c, 1);
        close(p[0]);
        return pid;
}

static int threads_on_cpu0(pid_t pid) {
        char cmd[128], line[64];
        int n = 0;
        FILE *f;

        snprintf(cmd, sizeof cmd, "grep -h '^Cpus_allowed_list:' /proc/%d/task/*/status", (int) pid);
        f = popen(cmd, "r");
        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                n += streq(line, "Cpus_allowed_list:\t0\n");
        pclose(f);
        return n;
}

int main(void) {
        pid_t pid = spawn_threaded();
        int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        uint64_t cpu0 = 1, addr = (uint64_t) (uintptr_t) &failures;
        unsigned threads = 0;
        int node = 0, status = 0, r;

        CHECK(pidfd >= 0, "pidfd_open: %s", strerror(errno));
        r = mem_set_affinity(pid, pidfd, &cpu0, 1, &threads);
        CHECK(r == 0 && threads == THREADS, "mem_set_affinity: r=%d threads=%u, want 0 and %d", r, threads, THREADS);
        r = threads_on_cpu0(pid);
        CHECK(r == THREADS, "%d of %d threads have Cpus_allowed_list 0", r, THREADS);
        printf("affinity: %u threads set, %d on CPU 0\n", threads, r);

        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        r = mem_set_affinity(pid, pidfd, &cpu0, 1, &threads);
        CHECK(r == -ESRCH, "mem_set_affinity on an exited target: %d, want -ESRCH", r);
        r = mem_migrate_process(pid, pidfd, 1, 1);
        CHECK(r == -ESRCH, "mem_migrate_process on an exited target: %d, want -ESRCH", r);
        r = mem_move_pages(pid, pidfd, &addr, &node, 1, &status, NULL, NULL);
        CHECK(r == -ESRCH, "mem_move_pages on an exited target: %d, want -ESRCH", r);
        r = mem_page_nodes(pid, pidfd, &addr, 1, &status);
        CHECK(r == -ESRCH, "mem_page_nodes on an exited target: %d, want -ESRCH", r);
        close(pidfd);
        if (failures) {
                printf("test-migrate: %d check(s) failed\n", failures);
                return 1;
        }
        printf("test-migrate: all checks passed\n");
        return 0;
}
