/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kmod-util.h"

int kt_failures;

void kt_units_push(KtUnits *u, uint64_t addr, uint64_t size, unsigned type) {
        if (u->n >= u->allocated) {
                size_t na = u->allocated ? 2 * u->allocated : 1024;
                KtUnit *nv = realloc(u->v, na * sizeof *nv);
                if (!nv) {
                        fprintf(stderr, "out of memory\n");
                        exit(2);
                }
                u->v = nv;
                u->allocated = na;
        }
        u->v[u->n++] = (KtUnit) { addr, size, type };
}

void kt_units_free(KtUnits *u) {
        free(u->v);
        *u = (KtUnits) {};
}

uint64_t kt_type_size(unsigned type) {
        switch (type) {
        case ETMEM_PTE_ACCESSED:
        case ETMEM_PTE_DIRTY:
        case ETMEM_PTE_IDLE:
        case ETMEM_PTE_HOLE:
                return KT_PAGE;
        case ETMEM_PMD_ACCESSED:
        case ETMEM_PMD_DIRTY:
        case ETMEM_PMD_IDLE:
        case ETMEM_PMD_IDLE_PTES:
        case ETMEM_PMD_HOLE:
                return KT_PMD;
        case ETMEM_PUD_PRESENT:
                return 1UL << 30;
        default:
                return 0;
        }
}

const char *kt_type_name(unsigned type) {
        static const char *const names[] = {
                "PTE_ACCESSED", "PMD_ACCESSED", "PUD_PRESENT", "PTE_DIRTY", "PMD_DIRTY",  "PTE_IDLE",
                "PMD_IDLE",     "PMD_IDLE_PTES", "PTE_HOLE",   "PMD_HOLE",  "PIP_CMD",
        };
        return type < sizeof names / sizeof names[0] ? names[type] : "?";
}

int kt_decode(const uint8_t *b, size_t n, KtUnits *out) {
        uint64_t addr = 0;
        bool have_addr = false;

        for (size_t i = 0; i < n; i++) {
                if (b[i] == ETMEM_PIP_CMD_SET_HVA) {
                        if (i + 8 >= n)
                                return -EBADMSG;
                        addr = 0;
                        for (int k = 1; k <= 8; k++)
                                addr = (addr << 8) | b[i + k];
                        i += 8;
                        have_addr = true;
                        continue;
                }
                unsigned type = ETMEM_PIP_TYPE(b[i]), nr = ETMEM_PIP_SIZE(b[i]);
                uint64_t sz = kt_type_size(type);
                if (!have_addr || sz == 0 || nr == 0)
                        return -EBADMSG;
                for (unsigned k = 0; k < nr; k++, addr += sz)
                        kt_units_push(out, addr, sz, type);
        }
        return 0;
}

size_t kt_encode(const KtUnits *u, uint8_t *out, size_t size) {
        size_t len = 0;
        long last = -1;
        uint64_t cursor = 0;

        for (size_t i = 0; i < u->n; i++) {
                const KtUnit *x = &u->v[i];
                if (i == 0 || x->addr != cursor) {
                        if (len + 9 > size)
                                return 0;
                        out[len++] = ETMEM_PIP_CMD_SET_HVA;
                        for (int k = 7; k >= 0; k--)
                                out[len++] = (uint8_t) (x->addr >> (8 * k));
                        last = -1;
                }
                if (last >= 0 && ETMEM_PIP_TYPE(out[last]) == x->type && ETMEM_PIP_SIZE(out[last]) < 15)
                        out[last]++;
                else {
                        if (len + 1 > size)
                                return 0;
                        last = (long) len;
                        out[len++] = ETMEM_PIP_COMPOSE(x->type, 1);
                }
                cursor = x->addr + x->size;
        }
        return len;
}

bool kt_units_equal(const KtUnits *got, const KtUnits *want, const char *what) {
        size_t n = got->n < want->n ? got->n : want->n;
        for (size_t i = 0; i < n; i++) {
                const KtUnit *g = &got->v[i], *w = &want->v[i];
                if (g->addr != w->addr || g->type != w->type || g->size != w->size) {
                        fprintf(stderr,
                                "%s: unit %zu differs: got %s at 0x%llx (+0x%llx), want %s at 0x%llx (+0x%llx)\n",
                                what, i, kt_type_name(g->type), (unsigned long long) g->addr,
                                (unsigned long long) g->size, kt_type_name(w->type), (unsigned long long) w->addr,
                                (unsigned long long) w->size);
                        return false;
                }
        }
        if (got->n != want->n) {
                fprintf(stderr, "%s: got %zu units, want %zu (first extra/missing at index %zu)\n", what, got->n,
                        want->n, n);
                return false;
        }
        return true;
}

int kt_pidfd_open(pid_t pid) {
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        return fd < 0 ? -errno : fd;
}

int kt_scan_open(pid_t pid, uint32_t flags) {
        int fd = open(ETMEM_SCAN_DEVICE, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int pidfd = kt_pidfd_open(pid);
        if (pidfd < 0) {
                close(fd);
                return pidfd;
        }
        struct etmem_scan_attach a = { .pidfd = pidfd, .flags = flags };
        int r = ioctl(fd, ETMEM_SCAN_IOC_ATTACH, &a) < 0 ? -errno : 0;
        close(pidfd);
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

int kt_set_range(int fd, uint64_t start, uint64_t end) {
        struct etmem_scan_range r = { start, end };
        return ioctl(fd, ETMEM_SCAN_IOC_SET_RANGE, &r) < 0 ? -errno : 0;
}

int kt_rewind(int fd) {
        return ioctl(fd, ETMEM_SCAN_IOC_REWIND) < 0 ? -errno : 0;
}

int kt_scan_round(int fd, size_t bufsize, uint8_t **bytes, size_t *n_bytes, KtUnits *units) {
        uint8_t *buf = malloc(bufsize);
        size_t total = 0;
        int r = 0;

        if (!buf)
                return -ENOMEM;
        if (bytes)
                *bytes = NULL;
        r = kt_rewind(fd);
        while (r == 0) {
                ssize_t l = read(fd, buf, bufsize);
                if (l < 0) {
                        r = -errno;
                        break;
                }
                if (l == 0)
                        break;
                if ((size_t) l > bufsize || buf[0] != ETMEM_PIP_CMD_SET_HVA) {
                        fprintf(stderr, "read() of %zu returned %zd bytes starting with 0x%02x (want <= %zu, 0x%02x)\n",
                                bufsize, l, buf[0], bufsize, ETMEM_PIP_CMD_SET_HVA);
                        r = -EBADMSG;
                        break;
                }
                if (units) {
                        r = kt_decode(buf, (size_t) l, units);
                        if (r < 0)
                                break;
                }
                if (bytes) {
                        uint8_t *nb = realloc(*bytes, total + (size_t) l);
                        if (!nb) {
                                r = -ENOMEM;
                                break;
                        }
                        memcpy(nb + total, buf, (size_t) l);
                        *bytes = nb;
                }
                total += (size_t) l;
        }
        if (n_bytes)
                *n_bytes = total;
        free(buf);
        return r;
}

int kt_child_start(KtChild *c, KtChildFn fn, void *userdata) {
        int to[2], from[2];

        if (pipe2(to, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(from, O_CLOEXEC) < 0) {
                close(to[0]), close(to[1]);
                return -errno;
        }
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                close(to[1]);
                close(from[0]);
                for (;;) {
                        unsigned char cmd;
                        if (read(to[0], &cmd, 1) != 1)
                                _exit(0);
                        uint64_t a = fn(cmd, userdata);
                        if (write(from[1], &a, sizeof a) != sizeof a)
                                _exit(1);
                }
        }
        close(to[0]);
        close(from[1]);
        *c = (KtChild) { .pid = pid, .to = to[1], .from = from[0] };
        return 0;
}

int kt_child_cmd(KtChild *c, int cmd, uint64_t *answer) {
        unsigned char b = (unsigned char) cmd;
        uint64_t a;
        if (write(c->to, &b, 1) != 1)
                return -EPIPE;
        struct pollfd p = { .fd = c->from, .events = POLLIN };
        if (poll(&p, 1, 60000) != 1)
                return -ETIMEDOUT;
        if (read(c->from, &a, sizeof a) != sizeof a)
                return -EPIPE;
        if (answer)
                *answer = a;
        return 0;
}

void kt_child_stop(KtChild *c) {
        if (c->pid <= 0)
                return;
        close(c->to);
        close(c->from);
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        c->pid = 0;
}

int kt_numa_balancing(int value) {
        const char *p = "/proc/sys/kernel/numa_balancing";
        int old = -1;
        FILE *f = fopen(p, "re");
        if (f) {
                if (fscanf(f, "%d", &old) != 1)
                        old = -1;
                fclose(f);
        }
        f = fopen(p, "we");
        if (f) {
                fprintf(f, "%d\n", value);
                fclose(f);
        }
        return old;
}

int kt_page_present(pid_t pid, uint64_t addr) {
        char path[64];
        uint64_t e;
        snprintf(path, sizeof path, "/proc/%d/pagemap", (int) pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t l = pread(fd, &e, sizeof e, (off_t) (addr / KT_PAGE * 8));
        close(fd);
        if (l != sizeof e)
                return -EIO;
        return (int) (e >> 63);
}
