/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure logic of the memory layer: round accumulation, the etmem_scan byte stream,
 * smaps path classification, /proc/meminfo parsing, and the clear_refs tracker and
 * pagemap on our own child (no swap needed). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "etmem_scan_uapi.h"
#include "macro.h"
#include "meminfo.h"
#include "pagemap.h"
#include "kvm-guest.h"
#include "services.h"
#include "target.h"
#include "tracker.h"

static int failures;

#define CHECK(cond, ...)                                                                   \
        do {                                                                               \
                if (!(cond)) {                                                             \
                        fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                                      \
                        fputc('\n', stderr);                                               \
                        failures++;                                                        \
                }                                                                          \
        } while (0)

#define K 4096ULL

static MemVmaList vmas_of(const MemVma *v, size_t n) {
        MemVmaList l = { .v = calloc(n, sizeof *v), .n = n, .allocated = n };
        memcpy(l.v, v, n * sizeof *v);
        return l;
}

static void test_accumulate(void) {
        MemTracker t = {};
        const MemVma vv[] = {
                { .start = 0 * K, .end = 16 * K, .rss = 16 * K, .flags = ETMEM_REGION_ANON },
                { .start = 16 * K, .end = 20 * K, .rss = 4 * K, .special = true },
                { .start = 32 * K, .end = 48 * K, .rss = 8 * K, .flags = ETMEM_REGION_FILE },
        };
        MemVmaList vmas = vmas_of(vv, ELEMENTSOF(vv));
        MemObsList o = {};

        /* round 0: pages 0-7 accessed, 8-15 not; the special VMA is dropped; the file VMA
         * is one VMA-granular observation with unknown residency (estimated from Rss). */
        CHECK(mem_obs_push(&o, 0, 8 * K, true, 8 * K) == 0, "push");
        CHECK(mem_obs_push(&o, 8 * K, 20 * K, false, 12 * K) == 0, "push");
        CHECK(mem_obs_push(&o, 32 * K, 48 * K, false, MEM_RESIDENT_UNKNOWN) == 0, "push");
        CHECK(mem_obs_push(&o, 40 * K, 41 * K, false, K) == -EBADMSG, "overlap accepted");
        CHECK(mem_tracker_accumulate(&t, &o, &vmas, 0) == 0, "acc 0");
        CHECK(t.n_acc == 3, "n_acc %zu", t.n_acc);
        if (t.n_acc == 3) {
                CHECK(t.acc[0].start == 0 && t.acc[0].end == 8 * K && t.acc[0].accesses == 1, "r0");
                CHECK(t.acc[1].start == 8 * K && t.acc[1].end == 16 * K && t.acc[1].accesses == 0 &&
                              t.acc[1].resident == 8 * K,
                      "r1 %llx-%llx res %llu", (unsigned long long) t.acc[1].start,
                      (unsigned long long) t.acc[1].end, (unsigned long long) t.acc[1].resident);
                CHECK(t.acc[2].flags == ETMEM_REGION_FILE && t.acc[2].resident == 8 * K, "r2 res %llu",
                      (unsigned long long) t.acc[2].resident);
        }

        /* round 1: page 12-15 accessed; a new VMA appears at 64K (counts as accessed in round 0);
         * the file VMA vanished (unmapped) and must be dropped. */
        MemVma v2[] = {
                vv[0],
                { .start = 64 * K, .end = 68 * K, .rss = 4 * K, .flags = ETMEM_REGION_ANON },
        };
        mem_vmas_done(&vmas);
        vmas = vmas_of(v2, ELEMENTSOF(v2));
        o.n = 0;
        CHECK(mem_obs_push(&o, 0, 12 * K, false, 12 * K) == 0, "push");
        CHECK(mem_obs_push(&o, 12 * K, 16 * K, true, 4 * K) == 0, "push");
        CHECK(mem_obs_push(&o, 64 * K, 68 * K, false, 4 * K) == 0, "push");
        CHECK(mem_tracker_accumulate(&t, &o, &vmas, 1) == 0, "acc 1");
        CHECK(t.rounds == 2, "rounds %u", t.rounds);
        /* expect: [0,8) 1, [8,12) 0, [12,16) 1, [64,68) 1  -> [0,8)+[8,12) differ, [12,16) equals [0,8) count
         * but is not adjacent to it */
        CHECK(t.n_acc == 4, "n_acc %zu", t.n_acc);
        if (t.n_acc == 4) {
                CHECK(t.acc[0].end == 8 * K && t.acc[0].accesses == 1, "a0");
                CHECK(t.acc[1].start == 8 * K && t.acc[1].end == 12 * K && t.acc[1].accesses == 0, "a1");
                CHECK(t.acc[2].start == 12 * K && t.acc[2].end == 16 * K && t.acc[2].accesses == 1, "a2");
                CHECK(t.acc[3].start == 64 * K && t.acc[3].accesses == 1, "a3 new memory: %u",
                      t.acc[3].accesses);
        }
        free(o.v);
        free(t.acc);
        free(t.next);
        mem_vmas_done(&vmas);
}

static void test_kmod_decode(void) {
        uint8_t b[64];
        size_t n = 0;
        uint64_t addr = 0, base = 0x7f0000000000ULL;
        MemObsList o = {};

        b[n++] = ETMEM_PIP_CMD_SET_HVA;
        for (int i = 7; i >= 0; i--)
                b[n++] = (uint8_t) (base >> (8 * i));
        b[n++] = ETMEM_PIP_COMPOSE(ETMEM_PTE_ACCESSED, 3);
        b[n++] = ETMEM_PIP_COMPOSE(ETMEM_PTE_IDLE, 2);
        b[n++] = ETMEM_PIP_COMPOSE(ETMEM_PTE_HOLE, 5);
        b[n++] = ETMEM_PIP_COMPOSE(ETMEM_PMD_IDLE, 1);
        CHECK(mem_kmod_decode(b, n, &addr, &o) == 0, "decode");
        CHECK(o.n == 3, "n %zu", o.n);
        if (o.n == 3) {
                CHECK(o.v[0].start == base && o.v[0].end == base + 3 * K && o.v[0].accessed, "o0");
                /* idle PTEs and the idle PMD are not contiguous (hole between) */
                CHECK(o.v[1].start == base + 3 * K && o.v[1].end == base + 5 * K && !o.v[1].accessed, "o1");
                CHECK(o.v[2].start == base + 10 * K && o.v[2].end == base + 10 * K + (2ULL << 20) &&
                              !o.v[2].accessed,
                      "o2");
        }
        CHECK(addr == base + 10 * K + (2ULL << 20), "addr %llx", (unsigned long long) addr);
        /* A truncated SET_HVA is refused. */
        o.n = 0;
        CHECK(mem_kmod_decode(b, 5, &addr, &o) == -EBADMSG, "truncated SET_HVA accepted");
        uint8_t bad = ETMEM_PIP_COMPOSE(12, 1);
        CHECK(mem_kmod_decode(&bad, 1, &addr, &o) == -EBADMSG, "unknown type accepted");
        free(o.v);
}

static void test_vma_flags(void) {
        bool sp;
        CHECK(mem_vma_flags_from_path("", "rw-p", &sp) == ETMEM_REGION_ANON && !sp, "anon");
        CHECK(mem_vma_flags_from_path("[heap]", "rw-p", &sp) == ETMEM_REGION_ANON, "heap");
        CHECK(mem_vma_flags_from_path("[anon:etmem_swap_db]", "rw-p", &sp) ==
                      (ETMEM_REGION_ANON | ETMEM_REGION_MARKED),
              "marked");
        CHECK(mem_vma_flags_from_path("[anon:other]", "rw-p", &sp) == ETMEM_REGION_ANON, "named");
        CHECK(mem_vma_flags_from_path("/usr/lib/libc.so.6", "r-xp", &sp) == ETMEM_REGION_FILE, "file");
        CHECK(mem_vma_flags_from_path("/dev/zero (deleted)", "rw-s", &sp) ==
                      (ETMEM_REGION_ANON | ETMEM_REGION_SHARED),
              "shared anon");
        mem_vma_flags_from_path("[vdso]", "r-xp", &sp);
        CHECK(sp, "vdso not special");
}

static void test_meminfo(void) {
        char path[] = "/tmp/etmem-meminfo-XXXXXX";
        int fd = mkstemp(path);
        struct etmem_meminfo m;
        const char text[] = "MemTotal:       1000000 kB\nMemFree:         620000 kB\n"
                            "MemAvailable:    700000 kB\nBuffers: 1 kB\nSwapCached:       60000 kB\n"
                            "SwapTotal:      2097152 kB\nSwapFree:       2000000 kB\n";
        CHECK(write(fd, text, sizeof text - 1) == sizeof text - 1, "write");
        close(fd);
        CHECK(mem_meminfo_read_file(path, &m) == 0, "parse");
        CHECK(m.mem_total == 1000000ULL * 1024 && m.swap_cached == 60000ULL * 1024, "values");
        CHECK(mem_free_percent(&m) == 62, "free%% %u", mem_free_percent(&m));
        CHECK(mem_swapcache_percent(&m) == 6, "swapcache%% %u", mem_swapcache_percent(&m));
        /* A missing field is an error, not a zero. */
        fd = open(path, O_WRONLY | O_TRUNC);
        CHECK(write(fd, "MemTotal: 5 kB\n", 15) == 15, "write");
        close(fd);
        CHECK(mem_meminfo_read_file(path, &m) == -EBADMSG, "incomplete meminfo accepted");
        unlink(path);
        CHECK(mem_meminfo_read(&m) == 0 && m.mem_total > 0, "real /proc/meminfo");
}

static uint64_t covered(const struct etmem_region *reg, size_t n, uint64_t s, uint64_t e, uint32_t accesses) {
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++)
                if (reg[i].accesses == accesses && reg[i].end > s && reg[i].start < e)
                        total += MIN(reg[i].end, e) - MAX(reg[i].start, s);
        return total;
}

/* The clear_refs tracker on a real child: a VMA it keeps reading stays hot, one it never
 * touches after round 0 turns cold; pagemap sees both present. */
static void test_clear_refs_live(void) {
        const size_t sz = 8 << 20;
        int p[2];
        CHECK(pipe(p) == 0, "pipe");
        /* The child counts its passes over the hot VMA here, so each round waits for a whole
         * pass instead of a fixed sleep (a loaded machine can keep the child off a CPU). */
        volatile uint64_t *passes = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        CHECK(passes != MAP_FAILED, "shared page");
        if (passes == MAP_FAILED)
                return;
        pid_t pid = fork();
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                /* A PROT_NONE page between them keeps the kernel from merging the two VMAs
                 * (anon VMA names would too, but need CONFIG_ANON_VMA_NAME). */
                char *area = mmap(NULL, 2 * sz + 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                char *cold = area, *h = area + sz + 4096;
                mprotect(cold, sz, PROT_READ | PROT_WRITE);
                mprotect(h, sz, PROT_READ | PROT_WRITE);
                /* 4 KiB pages whatever THP is set to: khugepaged collapsing the cold VMA
                 * would map it young again (a new mapping is made accessed) and a huge
                 * page split by the heartbeat's MADV_DONTNEED would change the hot one. */
                madvise(area, 2 * sz + 4096, MADV_NOHUGEPAGE);
                memset(cold, 1, sz);
                memset(h, 2, sz);
                uintptr_t addrs[2] = { (uintptr_t) cold, (uintptr_t) h };
                (void) !write(p[1], addrs, sizeof addrs);
                volatile char sink = 0;
                for (;;) {
                        for (size_t i = 0; i < sz; i += 4096)
                                sink += h[i];
                        /* Plus one fresh fault per pass: on the development VM a page read
                         * on every pass after clear_refs often stayed "not referenced" (its
                         * accessed bit was not set again), but a fault always maps it young
                         * (tests/workload/hotcold.c's heartbeat does the same). */
                        madvise(h, 4096, MADV_DONTNEED);
                        h[0] = 2;
                        __atomic_add_fetch(passes, 1, __ATOMIC_RELEASE);
                        usleep(1000);
                }
        }
        uintptr_t addrs[2];
        CHECK(read(p[0], addrs, sizeof addrs) == sizeof addrs, "child addrs");

        char buf[32];
        MemTarget *t = NULL;
        size_t n = 0;
        snprintf(buf, sizeof buf, "%d", (int) pid);
        CHECK(mem_targets_resolve("pid", buf, &t, &n) == 0 && n == 1, "resolve child");
        if (n != 1)
                goto out;
        const struct etmem_mem_services *mem = mem_services();
        struct etmem_target et = { .pid = t[0].pid, .pidfd = t[0].pidfd, .comm = t[0].comm };
        struct etmem_tracker *tr = NULL;
        CHECK(mem->tracker_open(&et, "clear_refs", &tr) == 0, "open clear_refs");
        struct etmem_tracker *bad = NULL;
        CHECK(mem->tracker_open(&et, "nonsense", &bad) == -EINVAL && !bad, "bad kind accepted");
        if (!tr)
                goto out;
        struct etmem_tracker_info info;
        mem->tracker_info(tr, &info);
        CHECK(streq(info.kind, "clear_refs") && info.granularity == 0, "info %s", info.kind);
        CHECK(mem->tracker_scan(tr, 1) == -EINVAL, "out-of-order round accepted");
        for (unsigned round = 0; round < 3; round++) {
                int r = mem->tracker_scan(tr, round);
                CHECK(r == 0, "scan %u: %s", round, strerror(-r));
                usleep(300 * 1000);
                /* two more passes: at least one whole pass after the scan re-armed the tracker */
                uint64_t seen = __atomic_load_n(passes, __ATOMIC_ACQUIRE);
                for (int w = 0; w < 30000 && __atomic_load_n(passes, __ATOMIC_ACQUIRE) < seen + 2; w++)
                        usleep(1000);
                CHECK(__atomic_load_n(passes, __ATOMIC_ACQUIRE) >= seen + 2, "child made no pass over the hot VMA in 30 s");
        }
        const struct etmem_region *reg;
        size_t nr;
        unsigned rounds;
        CHECK(mem->tracker_results(tr, &reg, &nr, &rounds) == 0 && rounds == 3, "results");
        /* Adjacent regions with equal counts and flags are coalesced: look at coverage. */
        uint64_t cold1 = covered(reg, nr, addrs[0], addrs[0] + sz, 1), hot3 = covered(reg, nr, addrs[1], addrs[1] + sz, 3);
        /* round 0 sees the initial memset; rounds 1 and 2 see nothing of the cold VMA */
        CHECK(cold1 == sz, "cold VMA: %llu of %zu bytes with 1 access", (unsigned long long) cold1, sz);
        CHECK(hot3 == sz, "hot VMA: %llu of %zu bytes with 3 accesses", (unsigned long long) hot3, sz);
        if (cold1 != sz || hot3 != sz)
                for (size_t i = 0; i < nr; i++)
                        if (reg[i].end > addrs[0] && reg[i].start < addrs[1] + sz)
                                fprintf(stderr, "FAILED (context): region %#llx-%#llx accesses %u flags %#x\n",
                                        (unsigned long long) reg[i].start, (unsigned long long) reg[i].end,
                                        reg[i].accesses, reg[i].flags);
        for (size_t i = 0; i < nr; i++) {
                if (i > 0)
                        CHECK(reg[i - 1].end <= reg[i].start, "results overlap/unsorted");
                if (reg[i].start <= addrs[0] && reg[i].end > addrs[0])
                        CHECK(reg[i].flags == ETMEM_REGION_ANON, "cold flags %x", reg[i].flags);
        }
        uint64_t present = 0, swapped = 0;
        CHECK(mem->pagemap_count(&et, addrs[0], addrs[0] + sz, &present, &swapped) == 0, "pagemap");
        CHECK(present == sz / 4096 && swapped == 0, "present %llu swapped %llu", (unsigned long long) present,
              (unsigned long long) swapped);
        struct etmem_procmem pm;
        CHECK(mem->procmem(&et, &pm) == 0 && pm.rss_anon >= 2 * sz, "procmem rss_anon %llu",
              (unsigned long long) pm.rss_anon);
        mem->tracker_close(tr);

        /* Once the process is gone, nothing is read or touched under its pid. */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        pid = 0;
        CHECK(mem->tracker_open(&et, "clear_refs", &tr) == -ESRCH, "open on dead process");
        struct etmem_range rg = { addrs[0], addrs[0] + sz };
        struct etmem_pageout_stats st;
        CHECK(mem->pageout(&et, &rg, 1, NULL, &st) == -ESRCH, "pageout on dead process");
        CHECK(mem->procmem(&et, &pm) == -ESRCH, "procmem on dead process");
out:
        if (pid > 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
        }
        mem_targets_free(t, n);
        munmap((void *) passes, 4096);
}

/* A VMM is known by its mapped vCPUs; no other line of a maps file says kvm-vcpu. */
static double cpu_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Issue #10, item 3: counting a 1 TiB MAP_NORESERVE mapping with three resident pages
 * costs what is resident (PAGEMAP_SCAN), not 2^28 pagemap entries (~2 s here). */
static void test_sparse_count(void) {
        const uint64_t size = 1ULL << 40, ps = mem_page_size();
        char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        _cleanup_close_ int fd = -1;
        uint64_t present = 0, swapped = 0;
        double t0, took;
        int r;

        if (m == MAP_FAILED) {
                printf("  sparse count: skipped (mmap of 1 TiB: %s)\n", strerror(errno));
                return;
        }
        m[0] = m[size / 2] = m[size - ps] = 1;
        fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0, "open pagemap: %s", strerror(errno));
        t0 = cpu_now();
        r = mem_pagemap_count_fd(fd, (uint64_t) (uintptr_t) m, (uint64_t) (uintptr_t) m + size, &present, &swapped);
        took = cpu_now() - t0;
        CHECK(r == 0 && present == 3 && swapped == 0, "count over 1 TiB: r=%d present=%llu swapped=%llu, want 3 present",
              r, (unsigned long long) present, (unsigned long long) swapped);
        printf("  sparse count: 1 TiB reserved, %llu pages present, %.3f s of CPU (PAGEMAP_SCAN %s)\n",
               (unsigned long long) present, took,
               mem_pagemap_scan_fd(fd, 0, 0, NULL, NULL) == -EOPNOTSUPP ? "missing: whole span read" : "used");
        if (mem_pagemap_scan_fd(fd, 0, 0, NULL, NULL) != -EOPNOTSUPP)
                CHECK(took < 0.1, "counting 3 pages of a 1 TiB mapping took %.3f s of CPU, want < 0.1 s", took);
        munmap(m, size);
}

static void test_kvm_detect(void) {
        CHECK(mem_maps_line_is_kvm_vcpu("7f63920b0000-7f63920b3000 rw-s 00000000 00:10 1055                       "
                                        "anon_inode:kvm-vcpu:0\n"),
              "vcpu mapping not recognised");
        CHECK(mem_maps_line_is_kvm_vcpu("7f63920b0000-7f63920b3000 rw-s 00000000 00:10 1055 anon_inode:kvm-vcpu\n"),
              "old-style vcpu name not recognised");
        CHECK(!mem_maps_line_is_kvm_vcpu("55a115a79000-55a115a7a000 r--p 00000000 00:1a 10617005   "
                                         "/tmp/anon_inode:kvm-vcpu\n"),
              "a file path taken for a vcpu");
        CHECK(!mem_maps_line_is_kvm_vcpu("7ffd1000-7ffd2000 rw-p 00000000 00:00 0                          [stack]\n"),
              "stack taken for a vcpu");
        CHECK(!mem_maps_line_is_kvm_vcpu("7ffd1000-7ffd2000 rw-p 00000000 00:00 0\n"), "anonymous taken for a vcpu");
        CHECK(!mem_maps_line_is_kvm_vcpu(""), "empty line taken for a vcpu");
        int pidfd = (int) syscall(SYS_pidfd_open, getpid(), 0);
        CHECK(pidfd >= 0 && mem_process_runs_kvm(getpid(), pidfd) == 0, "this test process taken for a VMM");
        if (pidfd >= 0)
                close(pidfd);
}

int main(void) {
        test_kvm_detect();
        test_accumulate();
        test_kmod_decode();
        test_vma_flags();
        test_meminfo();
        test_clear_refs_live();
        test_sparse_count();
        if (failures) {
                printf("test-tracker: %d check(s) failed\n", failures);
                return 1;
        }
        printf("test-tracker: all checks passed\n");
        return 0;
}
