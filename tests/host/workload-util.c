/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workload-util.h"

static int parse_truth(Workload *w) {
        FILE *f = fopen(w->out, "re");
        char line[256], kind[16];
        unsigned long long s, e;
        bool ready = false;

        if (!f)
                return -errno;
        while (fgets(line, sizeof line, f)) {
                if (strncmp(line, "ready", 5) == 0)
                        ready = true;
                if (sscanf(line, "%15s %llx %llx", kind, &s, &e) != 3)
                        continue;
                WlSpan *nv = reallocarray(w->spans, w->n_spans + 1, sizeof *nv);
                if (!nv) {
                        fclose(f);
                        return -ENOMEM;
                }
                w->spans = nv;
                w->spans[w->n_spans++] = (WlSpan) { .start = s, .end = e, .cold = strcmp(kind, "cold") == 0 };
                if (strcmp(kind, "cold") == 0)
                        w->cold_bytes += e - s;
                else
                        w->hot_bytes += e - s;
        }
        fclose(f);
        return ready ? 0 : -EAGAIN;
}

int wl_start(const char *exe, unsigned cold_mib, unsigned hot_mib, const char *pattern, Workload *ret) {
        Workload w = {};
        char cold[16], hot[16];
        static unsigned seq;

        snprintf(w.out, sizeof w.out, "/tmp/etmem-hotcold-%d-%u.truth", (int) getpid(), seq++);
        unlink(w.out);
        snprintf(cold, sizeof cold, "%u", cold_mib);
        snprintf(hot, sizeof hot, "%u", hot_mib);

        w.pid = fork();
        if (w.pid < 0)
                return -errno;
        if (w.pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                execl(exe, exe, "--cold", cold, "--hot", hot, "--pattern", pattern, "--out", w.out, (char *) NULL);
                fprintf(stderr, "cannot run %s: %m\n", exe);
                _exit(127);
        }
        for (int i = 0; i < 6000; i++) {
                int status;
                if (waitpid(w.pid, &status, WNOHANG) == w.pid) {
                        fprintf(stderr, "workload %s exited early (status %d)\n", exe, status);
                        return -ECHILD;
                }
                if (access(w.out, F_OK) == 0) {
                        int r = parse_truth(&w);
                        if (r < 0) {
                                wl_kill(&w);
                                wl_free(&w);
                                return r;
                        }
                        *ret = w;
                        return 0;
                }
                usleep(10000);
        }
        wl_kill(&w);
        return -ETIMEDOUT;
}

int wl_stop(Workload *w) {
        int status;
        if (w->pid <= 0)
                return -ESRCH;
        kill(w->pid, SIGTERM);
        if (waitpid(w->pid, &status, 0) < 0)
                return -errno;
        w->pid = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void wl_kill(Workload *w) {
        if (w->pid > 0) {
                kill(w->pid, SIGKILL);
                waitpid(w->pid, NULL, 0);
                w->pid = 0;
        }
}

void wl_free(Workload *w) {
        unlink(w->out);
        free(w->spans);
        w->spans = NULL;
        w->n_spans = 0;
}
