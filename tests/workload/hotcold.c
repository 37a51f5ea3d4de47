/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hotcold: a process with known hot and cold memory, for the host tests and benchmarks.
 *
 *   hotcold --cold MiB --hot MiB [--pattern separate|interleave:PAGES] [--out FILE]
 *           [--period-ms N] [--seconds N] [--refault-ms N] [--no-heartbeat] [--flush-tlb]
 *
 * Writes every cold page once (distinct, compressible contents), then reads one byte of
 * every hot page every --period-ms (default 10) until SIGTERM/SIGINT or --seconds.
 * Each pass also drops and rewrites the first hot page (a "heartbeat" fault), so the hot
 * mapping is seen referenced even where a VM's MMU does not set accessed bits again
 * after they were cleared; --no-heartbeat leaves only the reads.
 * --flush-tlb: each pass also makes the hot part read-only and writable again (an
 * mprotect round trip, which flushes this process's TLB).  For emulated CPUs whose TLB
 * has no practical size limit (QEMU's TCG holds every hot page): there a page whose
 * accessed bit a tracker cleared without a flush (DAMON's mkold) is read through the
 * cached translation and never marked accessed again, so the whole hot set looks idle.
 * A real CPU's TLB holds a few thousand entries and re-walks the page table for a hot
 * set this size all the time; the flush gives the guest that behaviour.
 * pattern "separate" (default): cold and hot are two mappings with a PROT_NONE page
 * between them, so even a VMA-granular tracker can tell them apart.  "interleave:N":
 * one mapping, alternating N cold pages and N hot pages (only per-page trackers can
 * separate those).
 *
 * --refault-ms N (pattern separate): the cold part turns hot after a page-out.  Every N ms
 * hotcold reads its own pagemap; once some cold page is no longer present it reads every
 * cold page back (a job that touches its data once a cycle, right after it was paged out:
 * a tracker sees that in one scan round of the next cycle at most).
 *
 * --out FILE receives the ground truth once the cold memory is written, atomically
 * (temp file + rename):  "pid P", "page_size S", then "cold START END" / "hot START END"
 * lines (hex, [START, END)), and "ready".
 * On SIGTERM it re-reads all cold memory and checks its contents: exit 0 if intact,
 * 3 if a page came back wrong (a page-out that lost data).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void) sig;
        stop = 1;
}

static void die(const char *msg) {
        fprintf(stderr, "hotcold: %s\n", msg);
        exit(2);
}

static unsigned long parse_ul(const char *s, const char *what, unsigned long max) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v > max) {
                fprintf(stderr, "hotcold: %s: '%s' is not a number in 0..%lu\n", what, s, max);
                exit(2);
        }
        return v;
}

static void fill_page(uint8_t *p, size_t ps, uint64_t idx) {
        hotcold_fill_page(p, ps, idx);
}

static int check_page(const uint8_t *p, size_t ps, uint64_t idx, uint8_t *scratch) {
        fill_page(scratch, ps, idx);
        return memcmp(p, scratch, ps) == 0 ? 0 : -1;
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* True if some page of [p, p + len) is not present (paged out), from /proc/self/pagemap. */
static int some_page_out(int pagemap, const uint8_t *p, size_t len, size_t ps, uint64_t *buf, size_t n_buf) {
        for (size_t done = 0; done < len / ps;) {
                size_t n = len / ps - done < n_buf ? len / ps - done : n_buf;
                off_t off = (off_t) (((uintptr_t) p / ps + done) * sizeof *buf);
                if (pread(pagemap, buf, n * sizeof *buf, off) != (ssize_t) (n * sizeof *buf))
                        die("cannot read /proc/self/pagemap");
                for (size_t i = 0; i < n; i++)
                        if (!(buf[i] & (1ULL << 63)))
                                return 1;
                done += n;
        }
        return 0;
}

typedef struct Span {
        uint8_t *start;
        size_t len;
        int cold;
} Span;

int main(int argc, char **argv) {
        unsigned long cold_mib = 0, hot_mib = 0, period_ms = 10, seconds = 0, interleave = 0, refault_ms = 0;
        int no_heartbeat = 0, flush_tlb = 0;
        const char *out = NULL;
        static const struct option opts[] = {
                { "cold", required_argument, NULL, 'c' },  { "hot", required_argument, NULL, 'h' },
                { "pattern", required_argument, NULL, 'p' }, { "out", required_argument, NULL, 'o' },
                { "period-ms", required_argument, NULL, 'P' }, { "seconds", required_argument, NULL, 's' },
                { "refault-ms", required_argument, NULL, 'r' }, { "no-heartbeat", no_argument, NULL, 'n' },
                { "flush-tlb", no_argument, NULL, 'f' }, {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
                switch (c) {
                case 'c': cold_mib = parse_ul(optarg, "--cold", 1UL << 20); break;
                case 'h': hot_mib = parse_ul(optarg, "--hot", 1UL << 20); break;
                case 'o': out = optarg; break;
                case 'P': period_ms = parse_ul(optarg, "--period-ms", 60000); break;
                case 's': seconds = parse_ul(optarg, "--seconds", 1UL << 30); break;
                case 'r': refault_ms = parse_ul(optarg, "--refault-ms", 60000); break;
                case 'n': no_heartbeat = 1; break;
                case 'f': flush_tlb = 1; break;
                case 'p':
                        if (strcmp(optarg, "separate") == 0)
                                interleave = 0;
                        else if (strncmp(optarg, "interleave:", 11) == 0)
                                interleave = parse_ul(optarg + 11, "--pattern interleave:PAGES", 1UL << 20);
                        else
                                die("--pattern must be 'separate' or 'interleave:PAGES'");
                        if (strncmp(optarg, "interleave:", 11) == 0 && interleave == 0)
                                die("--pattern interleave:PAGES needs PAGES >= 1");
                        break;
                default:
                        die("usage: hotcold --cold MiB --hot MiB [--pattern separate|interleave:N] [--out FILE] "
                            "[--period-ms N] [--seconds N] [--refault-ms N] [--no-heartbeat] [--flush-tlb]");
                }
        }
        if (optind < argc)
                die("unexpected argument");

        size_t ps = (size_t) sysconf(_SC_PAGESIZE);
        size_t cold_len = cold_mib << 20, hot_len = hot_mib << 20;
        Span spans[2] = {};
        size_t n_spans = 0;
        uint8_t *base;

        if (interleave && cold_len != hot_len)
                die("--pattern interleave needs --cold equal to --hot");
        if (interleave && refault_ms)
                die("--refault-ms needs --pattern separate");
        if (!interleave) {
                base = mmap(NULL, cold_len + hot_len + ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                            -1, 0);
                if (base == MAP_FAILED)
                        die("mmap failed");
                if ((cold_len && mprotect(base, cold_len, PROT_READ | PROT_WRITE) < 0) ||
                    (hot_len && mprotect(base + cold_len + ps, hot_len, PROT_READ | PROT_WRITE) < 0))
                        die("mprotect failed");
                spans[n_spans++] = (Span) { base, cold_len, 1 };
                spans[n_spans++] = (Span) { base + cold_len + ps, hot_len, 0 };
        } else {
                base = mmap(NULL, cold_len + hot_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (base == MAP_FAILED)
                        die("mmap failed");
        }
        /* THP would turn 512 pages into one unit of access; the tests count 4 KiB pages. */
        madvise(base, cold_len + hot_len + ps, MADV_NOHUGEPAGE);

        size_t chunk = interleave * ps;
        uint8_t *scratch = malloc(ps);
        if (!scratch)
                die("out of memory");

        /* Write: cold pages get their pattern, hot pages are touched too. */
        uint64_t cold_idx = 0;
        if (!interleave) {
                for (size_t off = 0; off < cold_len; off += ps)
                        fill_page(base + off, ps, cold_idx++);
                for (size_t off = 0; off < hot_len; off += ps)
                        memset(spans[1].start + off, 0x5a, ps);
        } else {
                for (size_t off = 0; off < cold_len + hot_len; off += ps) {
                        if ((off / chunk) % 2 == 0)
                                fill_page(base + off, ps, cold_idx++);
                        else
                                memset(base + off, 0x5a, ps);
                }
        }

        if (out) {
                char tmp[4096];
                snprintf(tmp, sizeof tmp, "%s.tmp", out);
                FILE *f = fopen(tmp, "we");
                if (!f)
                        die("cannot write --out file");
                fprintf(f, "pid %d\npage_size %zu\n", (int) getpid(), ps);
                if (!interleave) {
                        if (cold_len)
                                fprintf(f, "cold %lx %lx\n", (unsigned long) spans[0].start,
                                        (unsigned long) (spans[0].start + cold_len));
                        if (hot_len)
                                fprintf(f, "hot %lx %lx\n", (unsigned long) spans[1].start,
                                        (unsigned long) (spans[1].start + hot_len));
                } else {
                        for (size_t off = 0; off < cold_len + hot_len; off += chunk)
                                fprintf(f, "%s %lx %lx\n", (off / chunk) % 2 == 0 ? "cold" : "hot",
                                        (unsigned long) (base + off), (unsigned long) (base + off + chunk));
                }
                fprintf(f, "ready\n");
                if (fclose(f) != 0 || rename(tmp, out) < 0)
                        die("cannot write --out file");
        }

        struct sigaction sa = { .sa_handler = on_signal };
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);

        time_t deadline = seconds ? time(NULL) + (time_t) seconds : 0;
        volatile uint8_t sink = 0;
        int pagemap = -1;
        uint64_t pm_buf[4096], next_check = 0;
        if (refault_ms && (pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)) < 0)
                die("cannot open /proc/self/pagemap");
        /* One fresh fault per pass on the first hot page.  On the development VM a page
         * read every pass after clear_refs cleared its accessed bit stayed "not
         * referenced" for seconds (a TLB flush did not help), while a fault always maps
         * the page young: so a VMA-granular tracker sees the hot mapping referenced every
         * round, as it does on bare metal.  Per-page trackers still see the other hot
         * pages only through their reads. */
        uint8_t *heartbeat = hot_len && !no_heartbeat ? (interleave ? base + chunk : spans[1].start) : NULL;
        while (!stop && (!deadline || time(NULL) < deadline)) {
                if (pagemap >= 0 && now_ms() >= next_check) {
                        next_check = now_ms() + refault_ms;
                        if (some_page_out(pagemap, spans[0].start, cold_len, ps, pm_buf, 4096))
                                for (size_t off = 0; off < cold_len; off += ps)
                                        sink += spans[0].start[off];
                }
                if (heartbeat) {
                        madvise(heartbeat, ps, MADV_DONTNEED);
                        *heartbeat = 0x5a;
                }
                if (flush_tlb && hot_len) {
                        uint8_t *hot = interleave ? base : spans[1].start;
                        size_t len = interleave ? cold_len + hot_len : hot_len;
                        if (mprotect(hot, len, PROT_READ) < 0 || mprotect(hot, len, PROT_READ | PROT_WRITE) < 0)
                                die("--flush-tlb: mprotect failed");
                }
                if (!interleave) {
                        for (size_t off = 0; off < hot_len; off += ps)
                                sink += spans[1].start[off];
                } else {
                        for (size_t off = chunk; off < cold_len + hot_len; off += 2 * chunk)
                                for (size_t k = 0; k < chunk; k += ps)
                                        sink += base[off + k];
                }
                if (period_ms)
                        usleep((useconds_t) period_ms * 1000);
        }

        /* Verify the cold data survived whatever was done to it. */
        cold_idx = 0;
        size_t bad = 0;
        for (size_t off = 0; off < (interleave ? cold_len + hot_len : cold_len); off += ps) {
                if (interleave && (off / chunk) % 2 == 1)
                        continue;
                if (check_page(base + off, ps, cold_idx++, scratch) < 0)
                        bad++;
        }
        free(scratch);
        if (bad) {
                fprintf(stderr, "hotcold: %zu cold page(s) came back with wrong contents\n", bad);
                return 3;
        }
        return 0;
}
