/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The etmem_scan module in the guest (tests/vm, issue #5):
 *
 *   test-kmod golden   line 5: a known layout of a child's memory (pages never touched,
 *                      touched, touched again, dropped, swapped out, a whole idle PTE
 *                      table, a missing PTE table, a gap between VMAs) decodes to
 *                      exactly that layout, byte for byte as the documented rules
 *                      encode it; NO_CLEAR / DIRTY / small reads / error answers.
 *   test-kmod thp      line 3: THPs are PMD units, accessed and idle as a whole; a range
 *                      cutting a THP; HUGE_ONLY; the kmod tracker classifies each THP as
 *                      one 2 MiB region.
 *   test-kmod hugetlb  issue #15 line 5: 2 MiB hugetlb pages (MAP_HUGETLB, private) are
 *                      PMD units, accessed and idle per page like THPs; a MAP_SHARED
 *                      hugetlb VMA over a whole aligned 1 GiB (its PMD tables could be
 *                      shared) is skipped; the kmod tracker gives each page a verdict.
 *   test-kmod race N   line 4: N scans racing with mmap/munmap/mprotect/madvise/exit/exec
 *                      of their targets; then the kernel log must be clean.
 *   test-kmod perm     line 4: non-root and root-without-CAP_SYS_ADMIN are refused.
 *
 * Every subcommand ends by checking the kernel log for warnings, oopses, lockdep and
 * RCU/lockup reports.  Needs root, /dev/etmem_scan and swap (for the swapped page).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "etmem-mem.h"
#include "kmod-util.h"
#include "tracker.h"

#define MiB (1UL << 20)
#define BIGBUF (64 * 1024)

static volatile uint8_t sink;

static void touch_read(uint64_t a) {
        sink += *(volatile uint8_t *) a;
}
static void touch_write(uint64_t a) {
        *(volatile uint8_t *) a = (uint8_t) (a >> 12);
}

/* An address range aligned to 2 MiB, reserved PROT_NONE, of `len` bytes. */
static uint64_t reserve_aligned(size_t len) {
        uint8_t *p = mmap(NULL, len + KT_PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
                return 0;
        return ((uint64_t) p + KT_PMD - 1) & ~(KT_PMD - 1);
}

static int page_swapped_self(uint64_t addr) {
        uint64_t e = 0;
        int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t l = pread(fd, &e, sizeof e, (off_t) (addr / KT_PAGE * 8));
        close(fd);
        return l == sizeof e && (e >> 62 & 1) ? 1 : 0;
}

static int dmesg_clean(void) {
        static const char *const bad[] = {
                "WARNING:", "BUG:", "Oops", "general protection", "Call Trace", "lockdep", "circular locking",
                "kernel BUG", "Bad page", "bad pmd", "bad pte", "refcount_t:", "list_add corruption",
                "list_del corruption", "self-detected stall", "rcu: INFO", "soft lockup", "blocked for more than",
                "KFENCE:", "slab error", "Redzone", "Poison overwritten",
        };
        int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
        if (size <= 0)
                size = 1 << 20;
        char *buf = malloc((size_t) size + 1);
        int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
        int found = 0;
        if (n < 0) {
                fprintf(stderr, "klogctl: %s\n", strerror(errno));
                free(buf);
                return -1;
        }
        buf[n] = 0;
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
                for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                        if (strstr(line, bad[i])) {
                                if (found++ < 60)
                                        fprintf(stderr, "dmesg: %s\n", line);
                                break;
                        }
        free(buf);
        printf("kernel log: %s\n", found ? "NOT clean" : "clean (no warning, oops, lockdep, RCU or lockup report)");
        return found;
}

/* ======================= golden ======================= */

/* Layout (offsets from the 2 MiB aligned base; MADV_NOHUGEPAGE):
 *   P0 [0, 2M)      page i written in setup unless i % 7 == 0; round 1 reads i % 3 == 0
 *                   (of those written) and writes i % 6 == 0
 *   P1 [2M, 4M)     all 512 written in setup, never again: a whole idle PTE table
 *   P2 [4M, 6M)     never touched: no PTE table
 *   P3 [6M, 8M)     pages 0..9 written; 5 dropped (MADV_DONTNEED); 7 swapped out
 *   gap [8M, 12M)   unmapped
 *   B [12M, +64K)   16 pages written; round 1 reads pages 0..3 */
#define G_A_LEN (8 * MiB)
#define G_B_OFF (12 * MiB)
#define G_B_PAGES 16

static bool p0_written(unsigned i) {
        return i % 7 != 0;
}
static bool p0_round1(unsigned i) {
        return p0_written(i) && i % 3 == 0;
}

static uint64_t golden_child(int cmd, void *userdata) {
        static uint64_t base;
        switch (cmd) {
        case 'S': {
                base = reserve_aligned(16 * MiB);
                if (!base)
                        return 0;
                if (mmap((void *) base, G_A_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
                         0) == MAP_FAILED ||
                    madvise((void *) base, G_A_LEN, MADV_NOHUGEPAGE) < 0 ||
                    munmap((void *) (base + G_A_LEN), G_B_OFF - G_A_LEN) < 0 ||
                    mmap((void *) (base + G_B_OFF), G_B_PAGES * KT_PAGE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ||
                    madvise((void *) (base + G_B_OFF), G_B_PAGES * KT_PAGE, MADV_NOHUGEPAGE) < 0)
                        return 0;
                for (unsigned i = 0; i < 512; i++)
                        if (p0_written(i))
                                touch_write(base + i * KT_PAGE);
                for (unsigned i = 0; i < 512; i++)
                        touch_write(base + 2 * MiB + i * KT_PAGE);
                for (unsigned i = 0; i < 10; i++)
                        touch_write(base + 6 * MiB + i * KT_PAGE);
                for (unsigned i = 0; i < G_B_PAGES; i++)
                        touch_write(base + G_B_OFF + i * KT_PAGE);
                madvise((void *) (base + 6 * MiB + 5 * KT_PAGE), KT_PAGE, MADV_DONTNEED);
                uint64_t p7 = base + 6 * MiB + 7 * KT_PAGE;
                for (int k = 0; k < 50 && page_swapped_self(p7) != 1; k++) {
                        madvise((void *) p7, KT_PAGE, MADV_PAGEOUT);
                        if (page_swapped_self(p7) != 1)
                                usleep(20000);
                }
                return page_swapped_self(p7) == 1 ? base : 1; /* 1: could not swap page 7 out */
        }
        case '1':
                for (unsigned i = 0; i < 512; i++) {
                        if (p0_round1(i))
                                touch_read(base + i * KT_PAGE);
                        if (p0_round1(i) && i % 6 == 0)
                                touch_write(base + i * KT_PAGE);
                }
                for (unsigned i = 0; i < 4; i++)
                        touch_read(base + G_B_OFF + i * KT_PAGE);
                return 0;
        }
        return 0;
}

enum { G_ROUND0, G_IDLE, G_ROUND1, G_ROUND1_DIRTY };

/* What the module must report for the layout after `round`. */
static void golden_expect(uint64_t base, int round, KtUnits *u) {
        unsigned acc = round == G_ROUND1_DIRTY ? ETMEM_PTE_DIRTY : ETMEM_PTE_ACCESSED;
        /* P0 */
        for (unsigned i = 0; i < 512; i++) {
                unsigned t = !p0_written(i)                                     ? ETMEM_PTE_HOLE
                             : round == G_ROUND0                                ? acc
                             : (round == G_ROUND1 || round == G_ROUND1_DIRTY) && p0_round1(i) ? acc
                                                                                : ETMEM_PTE_IDLE;
                kt_units_push(u, base + i * KT_PAGE, KT_PAGE, t);
        }
        /* P1: accessed in round 0; afterwards a whole idle table */
        if (round == G_ROUND0)
                for (unsigned i = 0; i < 512; i++)
                        kt_units_push(u, base + 2 * MiB + i * KT_PAGE, KT_PAGE, acc);
        else
                kt_units_push(u, base + 2 * MiB, KT_PMD, ETMEM_PMD_IDLE_PTES);
        /* P2: no PTE table */
        kt_units_push(u, base + 4 * MiB, KT_PMD, ETMEM_PMD_HOLE);
        /* P3 */
        for (unsigned i = 0; i < 512; i++) {
                unsigned t = i >= 10 || i == 5 || i == 7 ? ETMEM_PTE_HOLE
                             : round == G_ROUND0          ? acc
                                                          : ETMEM_PTE_IDLE;
                kt_units_push(u, base + 6 * MiB + i * KT_PAGE, KT_PAGE, t);
        }
        /* B, after the gap */
        for (unsigned i = 0; i < G_B_PAGES; i++) {
                unsigned t = round == G_ROUND0                                          ? acc
                             : (round == G_ROUND1 || round == G_ROUND1_DIRTY) && i < 4 ? acc
                                                                                       : ETMEM_PTE_IDLE;
                kt_units_push(u, base + G_B_OFF + i * KT_PAGE, KT_PAGE, t);
        }
}

/* One round of fd compared byte for byte with the encoding of the expected layout. */
static void golden_round(int fd, uint64_t base, int round, const char *what, uint8_t **bytes_ret, size_t *n_ret) {
        KtUnits got = {}, want = {};
        uint8_t *bytes = NULL, *enc = malloc(BIGBUF);
        size_t n = 0;

        golden_expect(base, round, &want);
        size_t n_enc = kt_encode(&want, enc, BIGBUF);
        int r = kt_scan_round(fd, BIGBUF, &bytes, &n, &got);
        CHECK(r == 0, "%s: scan failed: %s", what, strerror(-r));
        CHECK(kt_units_equal(&got, &want, what), "%s: decoded units differ from the layout", what);
        CHECK(n == n_enc && memcmp(bytes, enc, n) == 0, "%s: %zu bytes, the documented encoding gives %zu%s", what, n,
              n_enc, n == n_enc ? " (same length, different bytes)" : "");
        printf("%s: %zu units in %zu bytes, %s\n", what, got.n, n,
               n == n_enc && memcmp(bytes, enc, n) == 0 ? "exactly the expected stream" : "DIFFERENT");
        if (bytes_ret) {
                *bytes_ret = bytes;
                *n_ret = n;
        } else
                free(bytes);
        free(enc);
        kt_units_free(&got);
        kt_units_free(&want);
}

/* The tracker's decoder (service/mem/tracker-kmod.c) on the same stream: holes are not
 * observed, every other page is, accessed exactly when the layout says. */
static void check_tracker_decode(const uint8_t *bytes, size_t n, uint64_t base) {
        KtUnits want = {};
        MemObsList obs = {};
        uint64_t addr = 0;
        int r = mem_kmod_decode(bytes, n, &addr, &obs);
        CHECK(r == 0, "mem_kmod_decode: %s", strerror(-r));
        golden_expect(base, G_ROUND1, &want);
        size_t bad = 0, oi = 0;
        for (size_t i = 0; i < want.n; i++) {
                const KtUnit *w = &want.v[i];
                bool hole = w->type == ETMEM_PTE_HOLE || w->type == ETMEM_PMD_HOLE;
                while (oi < obs.n && obs.v[oi].end <= w->addr)
                        oi++;
                bool covered = oi < obs.n && obs.v[oi].start <= w->addr && obs.v[oi].end >= w->addr + w->size;
                if (hole ? covered : !covered || obs.v[oi].accessed != (w->type == ETMEM_PTE_ACCESSED))
                        bad++;
        }
        CHECK(bad == 0, "mem_kmod_decode: %zu units observed differently from the layout", bad);
        printf("tracker decoder: %zu observations, %s\n", obs.n, bad ? "DIFFERENT" : "agree with the layout");
        free(obs.v);
        kt_units_free(&want);
}

static int expect_errno(long r, int e, const char *what) {
        int got = r < 0 ? errno : 0;
        CHECK(r < 0 && got == e, "%s: want %s, got %s", what, strerror(e), r < 0 ? strerror(got) : "success");
        return 0;
}

static void golden_errors(pid_t pid, int fd) {
        uint8_t buf[4096];
        uint32_t v = 0;
        int raw = open(ETMEM_SCAN_DEVICE, O_RDWR | O_CLOEXEC);
        CHECK(raw >= 0, "open: %m");
        CHECK(ioctl(raw, ETMEM_SCAN_IOC_VERSION, &v) == 0 && v == ETMEM_SCAN_ABI_VERSION, "version %u", v);
        expect_errno(read(raw, buf, sizeof buf), EINVAL, "read before ATTACH");
        expect_errno(ioctl(raw, ETMEM_SCAN_IOC_REWIND), EINVAL, "REWIND before ATTACH");
        expect_errno(ioctl(raw, _IO(ETMEM_SCAN_IOC_MAGIC, 0x7f)), ENOTTY, "unknown ioctl");
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        struct etmem_scan_attach a = { .pidfd = devnull };
        expect_errno(ioctl(raw, ETMEM_SCAN_IOC_ATTACH, &a), EBADF, "ATTACH with /dev/null as the pidfd");
        a = (struct etmem_scan_attach) { .pidfd = -1 };
        expect_errno(ioctl(raw, ETMEM_SCAN_IOC_ATTACH, &a), EBADF, "ATTACH with pidfd -1");
        a = (struct etmem_scan_attach) { .pidfd = kt_pidfd_open(pid), .flags = 1u << 7 };
        expect_errno(ioctl(raw, ETMEM_SCAN_IOC_ATTACH, &a), EINVAL, "ATTACH with an unknown flag");
        a.flags = 0;
        CHECK(ioctl(raw, ETMEM_SCAN_IOC_ATTACH, &a) == 0, "ATTACH: %m");
        expect_errno(ioctl(raw, ETMEM_SCAN_IOC_ATTACH, &a), EBUSY, "second ATTACH");
        close(a.pidfd);
        close(devnull);
        close(raw);
        expect_errno(read(fd, buf, ETMEM_SCAN_MIN_READ - 1), EINVAL, "read below ETMEM_SCAN_MIN_READ");
        expect_errno(kt_set_range(fd, 4097, 8192), EINVAL, "unaligned SET_RANGE");
        expect_errno(kt_set_range(fd, 8192, 4096), EINVAL, "SET_RANGE end < start");
}

static int cmd_golden(void) {
        KtChild c;
        uint64_t base = 0;
        int old_nb = kt_numa_balancing(0);

        CHECK(kt_child_start(&c, golden_child, NULL) == 0, "fork");
        CHECK(kt_child_cmd(&c, 'S', &base) == 0 && base > 1, "child setup failed (%s)",
              base == 1 ? "page 7 could not be swapped out: no swap?" : "mmap");
        if (base <= 1) {
                kt_child_stop(&c);
                return 1;
        }
        printf("child %d: layout at 0x%llx\n", (int) c.pid, (unsigned long long) base);
        int fd = kt_scan_open(c.pid, 0);
        CHECK(fd >= 0, "open+ATTACH: %s", strerror(-fd));
        if (fd < 0)
                return 1;
        golden_errors(c.pid, fd);
        CHECK(kt_set_range(fd, base, base + G_B_OFF + G_B_PAGES * KT_PAGE) == 0, "SET_RANGE: %m");

        golden_round(fd, base, G_ROUND0, "round 0 (setup wrote)", NULL, NULL);
        golden_round(fd, base, G_IDLE, "round 0b (nothing touched since)", NULL, NULL);

        CHECK(kt_child_cmd(&c, '1', NULL) == 0, "child round 1");
        int nc = kt_scan_open(c.pid, ETMEM_SCAN_NO_CLEAR | ETMEM_SCAN_DIRTY);
        CHECK(nc >= 0, "ATTACH NO_CLEAR|DIRTY: %s", strerror(-nc));
        CHECK(kt_set_range(nc, base, base + G_B_OFF + G_B_PAGES * KT_PAGE) == 0, "SET_RANGE: %m");
        uint8_t *b1 = NULL, *b2 = NULL;
        size_t n1 = 0, n2 = 0;
        golden_round(nc, base, G_ROUND1_DIRTY, "round 1, NO_CLEAR|DIRTY", &b1, &n1);
        golden_round(nc, base, G_ROUND1_DIRTY, "round 1, NO_CLEAR|DIRTY again", &b2, &n2);
        CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0, "NO_CLEAR changed what the next read sees");
        free(b1);
        free(b2);
        close(nc);

        uint8_t *bytes = NULL;
        size_t n = 0;
        golden_round(fd, base, G_ROUND1, "round 1 (child re-touched its pattern)", &bytes, &n);
        check_tracker_decode(bytes, n, base);
        free(bytes);
        golden_round(fd, base, G_IDLE, "round 1b (nothing touched since)", NULL, NULL);

        /* Small reads: every read starts with SET_HVA, none splits a record, same units. */
        CHECK(kt_child_cmd(&c, '1', NULL) == 0, "child round 2");
        KtUnits got = {}, want = {};
        size_t small_bytes = 0;
        golden_expect(base, G_ROUND1, &want);
        int r = kt_scan_round(fd, ETMEM_SCAN_MIN_READ, NULL, &small_bytes, &got);
        CHECK(r == 0, "64-byte reads: %s", strerror(-r));
        bool same = kt_units_equal(&got, &want, "round 2 in 64-byte reads");
        CHECK(same, "small reads decode differently");
        printf("round 2 in %u-byte reads: %zu bytes, %s\n", ETMEM_SCAN_MIN_READ, small_bytes,
               same ? "same units" : "DIFFERENT");
        kt_units_free(&got);
        kt_units_free(&want);

        /* A zombie has no mm; an exited process answers -ESRCH. */
        kill(c.pid, SIGKILL);
        siginfo_t si;
        waitid(P_PID, (id_t) c.pid, &si, WEXITED | WNOWAIT);
        uint8_t buf[4096];
        CHECK(kt_rewind(fd) == 0, "REWIND");
        expect_errno(read(fd, buf, sizeof buf), ESRCH, "read after the target died");
        r = kt_scan_open(c.pid, 0);
        CHECK(r == -ESRCH, "ATTACH to a zombie: want ESRCH, got %s", r < 0 ? strerror(-r) : "success");
        if (r >= 0)
                close(r);
        close(fd);
        kt_child_stop(&c);
        if (old_nb >= 0)
                kt_numa_balancing(old_nb);
        return 0;
}

/* ======================= thp ======================= */

static uint64_t thp_child(int cmd, void *userdata) {
        static uint64_t t;
        switch (cmd) {
        case 'H':
                t = reserve_aligned(10 * MiB);
                if (!t || mmap((void *) t, 10 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                               -1, 0) == MAP_FAILED)
                        return 0;
                if (madvise((void *) t, 8 * MiB, MADV_HUGEPAGE) < 0 ||
                    madvise((void *) (t + 8 * MiB), 2 * MiB, MADV_NOHUGEPAGE) < 0)
                        return 0;
                for (uint64_t a = t; a < t + 10 * MiB; a += KT_PAGE)
                        touch_write(a);
                return t;
        case 'a':
                touch_read(t + 100);
                touch_read(t + 4 * MiB + 5);
                return 0;
        case 'b':
                touch_read(t + 2 * MiB + 8);
                return 0;
        case 'c':
                touch_read(t + 64);
                return 0;
        case 'd':
                touch_read(t + 64);
                touch_read(t + 4 * MiB + 64);
                return 0;
        }
        return 0;
}

static unsigned long anon_huge_kb(pid_t pid, uint64_t start) {
        char path[64], line[256], head[32];
        unsigned long kb = 0;
        bool in = false;
        snprintf(path, sizeof path, "/proc/%d/smaps", (int) pid);
        snprintf(head, sizeof head, "%llx-", (unsigned long long) start);
        FILE *f = fopen(path, "re");
        if (!f)
                return 0;
        while (fgets(line, sizeof line, f)) {
                if (strchr(line, '-') && strchr(line, ' ') && strchr(line, '-') < strchr(line, ' '))
                        in = strncmp(line, head, strlen(head)) == 0;
                if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
                        break;
        }
        fclose(f);
        return kb;
}

static void thp_expect(KtUnits *u, uint64_t t, const unsigned types[4]) {
        for (unsigned i = 0; i < 4; i++)
                kt_units_push(u, t + i * KT_PMD, KT_PMD, types[i]);
}

static void thp_round(int fd, const KtUnits *want, const char *what) {
        KtUnits got = {};
        uint8_t *bytes = NULL, enc[BIGBUF];
        size_t n = 0, n_enc = kt_encode(want, enc, sizeof enc);
        int r = kt_scan_round(fd, BIGBUF, &bytes, &n, &got);
        CHECK(r == 0, "%s: %s", what, strerror(-r));
        CHECK(kt_units_equal(&got, want, what), "%s: units differ", what);
        CHECK(n == n_enc && memcmp(bytes, enc, n) == 0, "%s: %zu bytes, want %zu", what, n, n_enc);
        printf("%s: %zu units in %zu bytes:", what, got.n, n);
        for (size_t i = 0; i < got.n && i < 8; i++)
                printf(" %s", kt_type_name(got.v[i].type));
        printf("%s\n", got.n > 8 ? " ..." : "");
        free(bytes);
        kt_units_free(&got);
}

/* Four 2 MiB pages at t, all written at setup, scanned over [t, t + 8 MiB): all
 * accessed, then all idle, then (after the child's 'a' reads pages 0 and 2) those two.
 * Returns the attached fd (range set to those 8 MiB), or -1. */
static int pmd_rounds(KtChild *c, uint64_t t, const char *what, KtUnits *w) {
        char label[96];
        int fd = kt_scan_open(c->pid, 0);

        CHECK(fd >= 0, "ATTACH: %s", strerror(-fd));
        if (fd < 0)
                return -1;
        CHECK(kt_set_range(fd, t, t + 8 * MiB) == 0, "SET_RANGE");
        thp_expect(w, t, (const unsigned[]) { ETMEM_PMD_ACCESSED, ETMEM_PMD_ACCESSED, ETMEM_PMD_ACCESSED,
                                              ETMEM_PMD_ACCESSED });
        snprintf(label, sizeof label, "%s round 0 (written)", what);
        thp_round(fd, w, label);
        w->n = 0;
        thp_expect(w, t, (const unsigned[]) { ETMEM_PMD_IDLE, ETMEM_PMD_IDLE, ETMEM_PMD_IDLE, ETMEM_PMD_IDLE });
        snprintf(label, sizeof label, "%s round 0b (nothing since)", what);
        thp_round(fd, w, label);
        CHECK(kt_child_cmd(c, 'a', NULL) == 0, "child a");
        w->n = 0;
        thp_expect(w, t, (const unsigned[]) { ETMEM_PMD_ACCESSED, ETMEM_PMD_IDLE, ETMEM_PMD_ACCESSED,
                                              ETMEM_PMD_IDLE });
        snprintf(label, sizeof label, "%s round 1 (one byte read in pages 0 and 2)", what);
        thp_round(fd, w, label);
        return fd;
}

static int cmd_thp(void) {
        KtChild c;
        uint64_t t = 0;
        int old_nb = kt_numa_balancing(0);

        CHECK(kt_child_start(&c, thp_child, NULL) == 0, "fork");
        CHECK(kt_child_cmd(&c, 'H', &t) == 0 && t, "child setup");
        if (!t)
                return 1;
        unsigned long kb = anon_huge_kb(c.pid, t);
        printf("child %d: 8 MiB MADV_HUGEPAGE at 0x%llx, AnonHugePages %lu kB\n", (int) c.pid,
               (unsigned long long) t, kb);
        CHECK(kb >= 8192, "the kernel gave the child %lu kB of THP, want 8192 (THP disabled or memory fragmented?)",
              kb);
        KtUnits w = {};
        int fd = pmd_rounds(&c, t, "THP", &w);
        if (fd < 0)
                return 1;

        /* A range that cuts THPs: their pages one by one, with the PMD's bit. */
        CHECK(kt_child_cmd(&c, 'b', NULL) == 0, "child b");
        CHECK(kt_set_range(fd, t + 1 * MiB, t + 3 * MiB) == 0, "SET_RANGE cut");
        w.n = 0;
        for (unsigned i = 0; i < 256; i++)
                kt_units_push(&w, t + 1 * MiB + i * KT_PAGE, KT_PAGE, ETMEM_PTE_IDLE);
        for (unsigned i = 0; i < 256; i++)
                kt_units_push(&w, t + 2 * MiB + i * KT_PAGE, KT_PAGE, ETMEM_PTE_ACCESSED);
        thp_round(fd, &w, "range [1M, 3M) across THP 0 and 1");

        /* HUGE_ONLY reports the PMDs and nothing of the 4 KiB pages after them. */
        int ho = kt_scan_open(c.pid, ETMEM_SCAN_HUGE_ONLY | ETMEM_SCAN_NO_CLEAR);
        CHECK(ho >= 0 && kt_set_range(ho, t, t + 10 * MiB) == 0, "HUGE_ONLY ATTACH");
        w.n = 0;
        thp_expect(&w, t, (const unsigned[]) { ETMEM_PMD_IDLE, ETMEM_PMD_IDLE, ETMEM_PMD_IDLE, ETMEM_PMD_IDLE });
        thp_round(ho, &w, "HUGE_ONLY over 8 MiB THP + 2 MiB of 4 KiB pages");
        close(ho);
        int all = kt_scan_open(c.pid, ETMEM_SCAN_NO_CLEAR);
        CHECK(all >= 0 && kt_set_range(all, t, t + 10 * MiB) == 0, "ATTACH");
        for (unsigned i = 0; i < 512; i++) /* written in setup, never scanned with clearing */
                kt_units_push(&w, t + 8 * MiB + i * KT_PAGE, KT_PAGE, ETMEM_PTE_ACCESSED);
        thp_round(all, &w, "same range without HUGE_ONLY");
        close(all);

        /* The kmod tracker: each THP is one 2 MiB region with one verdict. */
        CHECK(kt_set_range(fd, 0, 0) == 0, "SET_RANGE all");
        CHECK(kt_scan_round(fd, BIGBUF, NULL, NULL, NULL) == 0, "clear");
        CHECK(kt_child_cmd(&c, 'c', NULL) == 0, "child c");
        int pidfd = kt_pidfd_open(c.pid);
        MemTracker *tr = NULL;
        int r = mem_tracker_open(c.pid, pidfd, "kmod", &tr);
        CHECK(r == 0, "mem_tracker_open kmod: %s", strerror(-r));
        if (r == 0) {
                CHECK(mem_tracker_scan(tr, 0) == 0, "tracker round 0");
                CHECK(kt_child_cmd(&c, 'd', NULL) == 0, "child d");
                CHECK(mem_tracker_scan(tr, 1) == 0, "tracker round 1");
                const struct etmem_region *reg;
                size_t n;
                unsigned rounds;
                CHECK(mem_tracker_results(tr, &reg, &n, &rounds) == 0, "results");
                static const unsigned want_acc[4] = { 2, 0, 1, 0 };
                unsigned seen = 0;
                for (size_t i = 0; i < n; i++) {
                        if (reg[i].end <= t || reg[i].start >= t + 8 * MiB)
                                continue;
                        CHECK(reg[i].start >= t && reg[i].end <= t + 8 * MiB, "region %llx-%llx crosses the THP range",
                              (unsigned long long) reg[i].start, (unsigned long long) reg[i].end);
                        CHECK((reg[i].start - t) % KT_PMD == 0 && (reg[i].end - t) % KT_PMD == 0,
                              "region %llx-%llx is not whole THPs", (unsigned long long) reg[i].start,
                              (unsigned long long) reg[i].end);
                        CHECK(reg[i].flags & ETMEM_REGION_HUGE, "region %llx-%llx not flagged HUGE",
                              (unsigned long long) reg[i].start, (unsigned long long) reg[i].end);
                        CHECK(reg[i].resident == reg[i].end - reg[i].start, "region %llx-%llx resident %llu",
                              (unsigned long long) reg[i].start, (unsigned long long) reg[i].end,
                              (unsigned long long) reg[i].resident);
                        for (uint64_t a = reg[i].start; a < reg[i].end && a >= t; a += KT_PMD) {
                                unsigned k = (unsigned) ((a - t) / KT_PMD);
                                CHECK(reg[i].accesses == want_acc[k], "THP %u: %u accesses in %u rounds, want %u", k,
                                      reg[i].accesses, rounds, want_acc[k]);
                                seen |= 1u << k;
                        }
                        printf("tracker region %llx-%llx (THP %llu..%llu): %u of %u rounds accessed, flags 0x%x\n",
                               (unsigned long long) reg[i].start, (unsigned long long) reg[i].end,
                               (unsigned long long) ((reg[i].start - t) / KT_PMD),
                               (unsigned long long) ((reg[i].end - t) / KT_PMD - 1), reg[i].accesses, rounds,
                               reg[i].flags);
                }
                CHECK(seen == 0xf, "the tracker reported THPs 0x%x of 0xf", seen);
                mem_tracker_close(tr);
        }
        close(pidfd);
        kt_units_free(&w);
        close(fd);
        kt_child_stop(&c);
        if (old_nb >= 0)
                kt_numa_balancing(old_nb);
        return 0;
}

/* ======================= hugetlb ======================= */

#define HUGE_NR "/proc/sys/vm/nr_hugepages"

static uint64_t hugetlb_child(int cmd, void *userdata) {
        static uint64_t t, big;
        switch (cmd) {
        case 'H':
                /* 4 private 2 MiB pages, all written */
                t = (uint64_t) mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
                if ((void *) t == MAP_FAILED)
                        return 0;
                for (uint64_t a = t; a < t + 8 * MiB; a += KT_PAGE)
                        touch_write(a);
                return t;
        case 'S':
                /* shared, over a whole aligned 1 GiB (+ 2 MiB): PMD tables may be shared.  Not
                 * touched: walked, its empty PMDs would be PMD_HOLE units; skipped, nothing */
                big = reserve_aligned((2UL << 30) + 4 * MiB); /* room for an aligned 1 GiB + 2 MiB */
                if (!big) {
                        fprintf(stderr, "child: reserving 1 GiB of address space: %m\n");
                        return 0;
                }
                big = (big + (1UL << 30) - 1) & ~((1UL << 30) - 1);
                if (mmap((void *) big, (1UL << 30) + 2 * MiB, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED) {
                        fprintf(stderr, "child: mmap 1 GiB + 2 MiB MAP_SHARED|MAP_HUGETLB at %#llx: %m\n",
                                (unsigned long long) big);
                        return 0;
                }
                return big;
        case 'a':
                touch_read(t + 100);
                touch_read(t + 4 * MiB + 5);
                return 0;
        }
        return 0;
}

static int cmd_hugetlb(void) {
        KtChild c;
        uint64_t t = 0, big = 0;
        int old_nb = kt_numa_balancing(0);
        FILE *f = fopen(HUGE_NR, "w");

        CHECK(f && fprintf(f, "8\n") > 0 && fclose(f) == 0, "cannot reserve 8 huge pages in " HUGE_NR);
        CHECK(kt_child_start(&c, hugetlb_child, NULL) == 0, "fork");
        CHECK(kt_child_cmd(&c, 'H', &t) == 0 && t, "child: 8 MiB MAP_HUGETLB (are 4 huge pages free?)");
        if (!t)
                return 1;
        printf("child %d: 8 MiB MAP_PRIVATE|MAP_HUGETLB at 0x%llx\n", (int) c.pid, (unsigned long long) t);
        KtUnits w = {};
        int fd = pmd_rounds(&c, t, "hugetlb", &w);
        if (fd < 0)
                return 1;

        /* A shareable hugetlb VMA: nothing reported, nothing cleared. */
        CHECK(kt_child_cmd(&c, 'S', &big) == 0 && big, "child: 1 GiB + 2 MiB MAP_SHARED|MAP_HUGETLB");
        if (big) {
                CHECK(kt_set_range(fd, big, big + (1UL << 30) + 2 * MiB) == 0, "SET_RANGE shared");
                w.n = 0;
                thp_round(fd, &w, "MAP_SHARED hugetlb over an aligned 1 GiB (skipped)");
        }

        /* The kmod tracker: one verdict per hugetlb page, the region flagged HUGETLB. */
        int pidfd = kt_pidfd_open(c.pid);
        MemTracker *tr = NULL;
        int r = mem_tracker_open(c.pid, pidfd, "kmod", &tr);
        CHECK(r == 0, "mem_tracker_open kmod: %s", strerror(-r));
        if (r == 0) {
                CHECK(mem_tracker_scan(tr, 0) == 0, "tracker round 0");
                CHECK(kt_child_cmd(&c, 'a', NULL) == 0, "child a");
                CHECK(mem_tracker_scan(tr, 1) == 0, "tracker round 1");
                const struct etmem_region *reg;
                size_t n;
                unsigned rounds, seen = 0;
                CHECK(mem_tracker_results(tr, &reg, &n, &rounds) == 0, "results");
                for (size_t i = 0; i < n; i++) {
                        if (reg[i].end <= t || reg[i].start >= t + 8 * MiB)
                                continue;
                        CHECK(reg[i].flags & ETMEM_REGION_HUGETLB, "region %llx-%llx not flagged HUGETLB",
                              (unsigned long long) reg[i].start, (unsigned long long) reg[i].end);
                        CHECK(reg[i].flags & ETMEM_REGION_ANON, "MAP_HUGETLB anonymous region %llx-%llx not ANON",
                              (unsigned long long) reg[i].start, (unsigned long long) reg[i].end);
                        CHECK(reg[i].resident == reg[i].end - reg[i].start, "region %llx-%llx resident %llu",
                              (unsigned long long) reg[i].start, (unsigned long long) reg[i].end,
                              (unsigned long long) reg[i].resident);
                        /* round 0 after the scans above cleared every bit: all idle; then
                         * pages 0 and 2 are read, so round 1 sees them and only them */
                        for (uint64_t a = reg[i].start > t ? reg[i].start : t; a < reg[i].end && a < t + 8 * MiB; a += KT_PMD) {
                                unsigned k = (unsigned) ((a - t) / KT_PMD), want = k % 2 == 0 ? 1 : 0;
                                CHECK(reg[i].accesses == want, "hugetlb page %u: %u accesses in %u rounds, want %u",
                                      k, reg[i].accesses, rounds, want);
                                seen |= 1u << k;
                        }
                        printf("tracker region %llx-%llx: %u of %u rounds accessed, resident %llu, flags 0x%x\n",
                               (unsigned long long) reg[i].start, (unsigned long long) reg[i].end, reg[i].accesses,
                               rounds, (unsigned long long) reg[i].resident, reg[i].flags);
                }
                CHECK(seen == 0xf, "the tracker reported hugetlb pages 0x%x of 0xf", seen);
                mem_tracker_close(tr);
        }
        close(pidfd);
        kt_units_free(&w);
        close(fd);
        kt_child_stop(&c);
        f = fopen(HUGE_NR, "w");
        if (f) {
                fprintf(f, "0\n");
                fclose(f);
        }
        if (old_nb >= 0)
                kt_numa_balancing(old_nb);
        return 0;
}

/* ======================= race ======================= */

static unsigned rnd(unsigned *seed, unsigned n) {
        *seed = *seed * 1103515245u + 12345u;
        return (*seed >> 8) % n;
}

/* A process that changes its address space as fast as it can, then exits or execs. */
static void churn(unsigned seed) {
        enum { SLOTS = 16 };
        uint8_t *slot[SLOTS] = {};
        size_t len[SLOTS] = {};
        unsigned iters = 200 + rnd(&seed, 600);
        for (unsigned i = 0; i < iters; i++) {
                unsigned s = rnd(&seed, SLOTS);
                switch (rnd(&seed, 7)) {
                case 0:
                case 1:
                        if (slot[s])
                                munmap(slot[s], len[s]);
                        len[s] = (1 + rnd(&seed, 2048)) * KT_PAGE;
                        slot[s] = mmap(NULL, len[s], PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                        if (slot[s] == MAP_FAILED) {
                                slot[s] = NULL;
                                break;
                        }
                        madvise(slot[s], len[s], rnd(&seed, 2) ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
                        for (size_t o = 0; o < len[s]; o += KT_PAGE * (1 + rnd(&seed, 4)))
                                slot[s][o] = 1;
                        break;
                case 2:
                        if (slot[s]) {
                                munmap(slot[s], len[s]);
                                slot[s] = NULL;
                        }
                        break;
                case 3:
                        if (slot[s]) {
                                size_t off = rnd(&seed, (unsigned) (len[s] / KT_PAGE)) * KT_PAGE;
                                mprotect(slot[s] + off, len[s] - off,
                                         rnd(&seed, 3) == 0 ? PROT_NONE : PROT_READ | PROT_WRITE);
                        }
                        break;
                case 4:
                        if (slot[s])
                                madvise(slot[s], len[s], rnd(&seed, 2) ? MADV_DONTNEED : MADV_PAGEOUT);
                        break;
                case 5:
                        if (slot[s] && len[s] >= KT_PMD)
                                len[s] = mremap(slot[s], len[s], len[s] / 2 & ~(KT_PAGE - 1), 0) == slot[s]
                                                 ? len[s] / 2 & ~(KT_PAGE - 1)
                                                 : len[s];
                        break;
                default:
                        if (slot[s]) {
                                int prot_ok = mprotect(slot[s], len[s], PROT_READ | PROT_WRITE) == 0;
                                for (size_t o = 0; prot_ok && o < len[s]; o += KT_PAGE * 7)
                                        slot[s][o]++;
                        }
                }
        }
        if (rnd(&seed, 3) == 0)
                execl("/bin/true", "true", (char *) NULL);
        _exit(0);
}

#define WORKERS 3

static struct {
        pthread_mutex_t lock;
        pid_t pid[WORKERS];
        unsigned seed;
        atomic_uint scans, esrch, attach_failed, reads, bytes, spawned;
} race = { .lock = PTHREAD_MUTEX_INITIALIZER };

static pid_t race_worker(unsigned i) {
        pthread_mutex_lock(&race.lock);
        int status;
        if (race.pid[i] <= 0 || waitpid(race.pid[i], &status, WNOHANG) == race.pid[i]) {
                unsigned seed = rnd(&race.seed, 1u << 30);
                pid_t p = fork();
                if (p == 0)
                        churn(seed);
                race.pid[i] = p;
                race.spawned++;
        }
        pid_t p = race.pid[i];
        pthread_mutex_unlock(&race.lock);
        return p;
}

static void *race_scanner(void *arg) {
        unsigned seed = (unsigned) (uintptr_t) arg, total = (unsigned) ((uintptr_t) arg >> 32);
        static const size_t sizes[] = { 64, 100, 4096, 65536, 1 << 20 };
        static const uint32_t flags[] = { 0, 0, ETMEM_SCAN_DIRTY, ETMEM_SCAN_NO_CLEAR, ETMEM_SCAN_HUGE_ONLY };
        uint8_t *buf = malloc(1 << 20);

        for (unsigned n = 0; n < total; n++) {
                pid_t pid = race_worker(rnd(&seed, WORKERS));
                int fd = kt_scan_open(pid, flags[rnd(&seed, 5)]);
                if (fd < 0) {
                        race.attach_failed++; /* exited or exec'ing: fine */
                        race.scans++;
                        continue;
                }
                if (rnd(&seed, 3) == 0) {
                        uint64_t s = (uint64_t) rnd(&seed, 1u << 20) << 12 | 0x550000000000ULL;
                        kt_set_range(fd, rnd(&seed, 2) ? 0 : s, 0);
                }
                for (unsigned round = 0; round < 1 + rnd(&seed, 3); round++) {
                        size_t bs = sizes[rnd(&seed, 5)];
                        KtUnits u = {};
                        kt_rewind(fd);
                        for (;;) {
                                ssize_t l = read(fd, buf, bs);
                                if (l < 0) {
                                        CHECK(errno == ESRCH || errno == EINTR, "read: %m");
                                        if (errno == ESRCH)
                                                race.esrch++;
                                        break;
                                }
                                if (l == 0)
                                        break;
                                race.reads++;
                                race.bytes += (unsigned) l;
                                CHECK((size_t) l <= bs && buf[0] == ETMEM_PIP_CMD_SET_HVA, "read of %zu gave %zd", bs, l);
                                size_t before = u.n;
                                CHECK(kt_decode(buf, (size_t) l, &u) == 0, "malformed stream");
                                for (size_t i = before ? before : 1; i < u.n; i++)
                                        CHECK(u.v[i].addr >= u.v[i - 1].addr + u.v[i - 1].size,
                                              "units out of order at %llx", (unsigned long long) u.v[i].addr);
                                if (rnd(&seed, 50) == 0) /* sometimes the target dies mid-walk */
                                        kill(pid, SIGKILL);
                        }
                        kt_units_free(&u);
                }
                close(fd);
                race.scans++;
        }
        free(buf);
        return NULL;
}

static int cmd_race(unsigned total) {
        pthread_t th[2];
        race.seed = (unsigned) time(NULL);
        printf("race: %u scans from 2 threads against %d churning processes (seed %u)\n", total, WORKERS, race.seed);
        for (int i = 0; i < 2; i++)
                pthread_create(&th[i], NULL, race_scanner,
                               (void *) ((uintptr_t) (total / 2 + (i ? total % 2 : 0)) << 32 | (race.seed + 77u * i)));
        for (int i = 0; i < 2; i++)
                pthread_join(th[i], NULL);
        for (int i = 0; i < WORKERS; i++)
                if (race.pid[i] > 0) {
                        kill(race.pid[i], SIGKILL);
                        waitpid(race.pid[i], NULL, 0);
                }
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
        printf("race: %u scans done (%u reads, %u bytes), %u attaches refused (target gone), %u reads answered "
               "ESRCH, %u processes spawned\n",
               race.scans, race.reads, race.bytes, race.attach_failed, race.esrch, race.spawned);
        CHECK(race.scans == total, "%u scans of %u", race.scans, total);
        CHECK(race.reads > total / 2, "only %u reads returned data", race.reads);
        return 0;
}

/* ======================= perm ======================= */

static int drop_to(uid_t uid, bool drop_sys_admin_only) {
        if (drop_sys_admin_only) {
                struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
                struct __user_cap_data_struct d[2] = {};
                if (syscall(SYS_capget, &h, d) < 0)
                        return -errno;
                d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
                d[CAP_SYS_ADMIN / 32].permitted &= ~(1u << (CAP_SYS_ADMIN % 32));
                return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
        }
        if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
                return -errno;
        return 0;
}

/* In a child with reduced privileges: 0 if fn's errno is `want`. */
static int in_child(uid_t uid, bool cap_only, int fd, int want, const char *what) {
        pid_t p = fork();
        if (p == 0) {
                if (drop_to(uid, cap_only) < 0)
                        _exit(100);
                int r;
                if (fd < 0)
                        r = open(ETMEM_SCAN_DEVICE, O_RDWR | O_CLOEXEC);
                else {
                        struct etmem_scan_attach a = { .pidfd = kt_pidfd_open(getppid()) };
                        r = ioctl(fd, ETMEM_SCAN_IOC_ATTACH, &a);
                }
                _exit(r >= 0 ? 101 : errno == want ? 0 : 102);
        }
        int status = 0;
        waitpid(p, &status, 0);
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        CHECK(code == 0, "%s: %s", what,
              code == 100 ? "could not drop privileges" : code == 101 ? "was allowed" : "failed with another errno");
        printf("%s: %s\n", what, code == 0 ? strerror(want) : "WRONG");
        return code;
}

static int cmd_perm(void) {
        struct stat st;
        CHECK(stat(ETMEM_SCAN_DEVICE, &st) == 0, "stat: %m");
        CHECK((st.st_mode & 0777) == 0600 && st.st_uid == 0, "%s has mode %o owner %u, want 0600 root",
              ETMEM_SCAN_DEVICE, st.st_mode & 0777, st.st_uid);
        in_child(65534, false, -1, EACCES, "open as nobody (mode 0600)");
        /* The module's own check, with the file mode out of the way: */
        CHECK(chmod(ETMEM_SCAN_DEVICE, 0666) == 0, "chmod: %m");
        in_child(65534, false, -1, EPERM, "open as nobody (mode 0666)");
        in_child(0, true, -1, EPERM, "open as root without CAP_SYS_ADMIN");
        int fd = open(ETMEM_SCAN_DEVICE, O_RDWR | O_CLOEXEC);
        CHECK(fd >= 0, "open as root: %m");
        in_child(65534, false, fd, EPERM, "ATTACH as nobody on a file root opened");
        in_child(0, true, fd, EPERM, "ATTACH as root without CAP_SYS_ADMIN on a file root opened");
        close(fd);
        CHECK(chmod(ETMEM_SCAN_DEVICE, 0600) == 0, "chmod back: %m");
        return 0;
}

int main(int argc, char **argv) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2) {
                fprintf(stderr, "usage: test-kmod golden | thp | hugetlb | race [N] | perm\n");
                return 2;
        }
        if (access(ETMEM_SCAN_DEVICE, F_OK) < 0) {
                fprintf(stderr, "test-kmod: %s missing: is etmem_scan.ko loaded?\n", ETMEM_SCAN_DEVICE);
                return 1;
        }
        if (strcmp(argv[1], "golden") == 0)
                cmd_golden();
        else if (strcmp(argv[1], "thp") == 0)
                cmd_thp();
        else if (strcmp(argv[1], "hugetlb") == 0)
                cmd_hugetlb();
        else if (strcmp(argv[1], "race") == 0) {
                long n = argc > 2 ? strtol(argv[2], NULL, 10) : 200;
                if (n < 1 || n > 100000) {
                        fprintf(stderr, "test-kmod race: N must be 1..100000\n");
                        return 2;
                }
                cmd_race((unsigned) n);
        } else if (strcmp(argv[1], "perm") == 0)
                cmd_perm();
        else {
                fprintf(stderr, "test-kmod: unknown subcommand '%s'\n", argv[1]);
                return 2;
        }
        int d = dmesg_clean();
        CHECK(d == 0, "the kernel log has %d warning/oops/lockdep line(s)", d);
        printf("test-kmod %s: %s (%d failure(s))\n", argv[1], kt_failures ? "FAILED" : "passed", kt_failures);
        return kt_failures ? 1 : 0;
}
