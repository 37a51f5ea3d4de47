/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kvm-vmm: a minimal KVM virtual machine monitor whose guest has known hot and cold
 * memory, for the tests and benchmarks of tiering a KVM guest (issue #15).
 *
 *   kvm-vmm --cold MiB --hot MiB [--period-ms N] [--seconds N] [--write] [--hugetlb]
 *           [--out FILE]
 *
 * The guest is one vCPU in 32-bit protected mode (flat segments, no paging, no devices)
 * running 48 bytes of code: it writes every page of its memory once (each page's first
 * word is its own guest-physical address), then reads (--write: writes) one word of every
 * hot page per pass, forever.  After each pass it exits to the VMM with an OUT, and the
 * VMM sleeps --period-ms (default 10) before it runs the vCPU again.  The guest's accesses
 * go through KVM's secondary MMU (EPT/NPT), not through the VMM's page tables: only an
 * access tracker that asks the mmu notifiers sees them.
 *
 * Guest memory is one anonymous mapping of the VMM (--hugetlb: a 2 MiB hugetlbfs memfd,
 * as a KVM guest backed by hugepages), laid out as: code page at 4 KiB, cold memory from
 * 1 MiB, hot memory after it.
 *
 * --out FILE receives, atomically once the guest has written all its memory, the ground
 * truth as hotcold writes it: "pid P", "page_size S", "cold START END", "hot START END"
 * (the VMM's virtual addresses, hex) and "ready".  Every 0.5 s it also rewrites
 * FILE.passes with the number of hot passes so far.
 * On SIGTERM/SIGINT or after --seconds, the VMM checks every page's first word (a page
 * that came back wrong from swap is data loss) and exits 0 if all are intact, 3 if not;
 * it prints "passes N" and "checked N pages".  Exit 77 when /dev/kvm cannot run a guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024ULL * 1024)
#define CODE_GPA 0x1000ULL
#define COLD_GPA MIB

/* as --32 of: edi = eax; fill: [edi] = edi; edi += 4096; while edi < ecx; out 0x10;
 * hot: edi = ebx; hl: if esi [edi] = edi else ebp = [edi]; edi += 4096; while edi < ecx;
 * out 0x11; jmp hot */
static const uint8_t guest_code[] = {
        0x89, 0xc7, 0x89, 0x3f, 0x81, 0xc7, 0x00, 0x10, 0x00, 0x00, 0x39, 0xcf,
        0x72, 0xf4, 0x66, 0xba, 0x10, 0x00, 0xee, 0x89, 0xdf, 0x85, 0xf6, 0x75,
        0x04, 0x8b, 0x2f, 0xeb, 0x02, 0x89, 0x3f, 0x81, 0xc7, 0x00, 0x10, 0x00,
        0x00, 0x39, 0xcf, 0x72, 0xec, 0x66, 0xba, 0x11, 0x00, 0xee, 0xeb, 0xe3,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void) sig;
        stop = 1;
}

static void die(const char *what) {
        fprintf(stderr, "kvm-vmm: %s: %s\n", what, strerror(errno));
        exit(2);
}

static void unsupported(const char *what) {
        fprintf(stderr, "kvm-vmm: %s: %s (no usable KVM here)\n", what, strerror(errno));
        exit(77);
}

static unsigned long parse_ul(const char *s, const char *what, unsigned long min, unsigned long max) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max) {
                fprintf(stderr, "kvm-vmm: %s: '%s' is not a number in %lu..%lu\n", what, s, min, max);
                exit(2);
        }
        return v;
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void write_atomic(const char *path, const char *text) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        if (!f)
                die(tmp);
        fputs(text, f);
        if (fclose(f) != 0 || rename(tmp, path) < 0)
                die(path);
}

static void usage(FILE *f) {
        fputs("usage: kvm-vmm --cold MiB --hot MiB [--period-ms N] [--seconds N] [--write] [--hugetlb]\n"
              "               [--out FILE]\n",
              f);
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "cold", required_argument, NULL, 'c' },   { "hot", required_argument, NULL, 'H' },
                { "period-ms", required_argument, NULL, 'p' }, { "seconds", required_argument, NULL, 's' },
                { "write", no_argument, NULL, 'w' },        { "hugetlb", no_argument, NULL, 'g' },
                { "out", required_argument, NULL, 'o' },    { "help", no_argument, NULL, 'h' },
                {},
        };
        unsigned long cold_mib = 0, hot_mib = 0, period_ms = 10, seconds = 0;
        bool write_hot = false, hugetlb = false;
        const char *out = NULL;
        int c;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'c': cold_mib = parse_ul(optarg, "--cold", 1, 3072); break;
                case 'H': hot_mib = parse_ul(optarg, "--hot", 1, 3072); break;
                case 'p': period_ms = parse_ul(optarg, "--period-ms", 0, 60000); break;
                case 's': seconds = parse_ul(optarg, "--seconds", 1, 86400); break;
                case 'w': write_hot = true; break;
                case 'g': hugetlb = true; break;
                case 'o': out = optarg; break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 2;
                }
        if (!cold_mib || !hot_mib || optind != argc) {
                usage(stderr);
                return 2;
        }
        /* 1 MiB below the cold memory (the code page), rounded up to 2 MiB for hugetlb */
        uint64_t size = COLD_GPA + (cold_mib + hot_mib) * MIB;
        if (hugetlb)
                size = (size + 2 * MIB - 1) & ~(2 * MIB - 1);
        if (size > 0xfff00000ULL) {
                fprintf(stderr, "kvm-vmm: --cold + --hot must stay under 4 GiB of guest memory\n");
                return 2;
        }

        int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (kvm < 0)
                unsupported("/dev/kvm");
        if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
                unsupported("KVM_GET_API_VERSION");
        int vm = ioctl(kvm, KVM_CREATE_VM, 0);
        if (vm < 0)
                unsupported("KVM_CREATE_VM");

        uint8_t *mem;
        if (hugetlb) {
                int fd = memfd_create("kvm-vmm-guest", MFD_CLOEXEC | MFD_HUGETLB | (21 << 26) /* MFD_HUGE_2MB */);
                if (fd < 0 || ftruncate(fd, (off_t) size) < 0)
                        die("hugetlb memfd (are 2 MiB hugepages reserved? /proc/sys/vm/nr_hugepages)");
                mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                close(fd);
        } else
                mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mem == MAP_FAILED)
                die("guest memory");
        if (!hugetlb)
                madvise(mem, size, MADV_NOHUGEPAGE); /* 4 KiB pages: what slide pages out */
        memcpy(mem + CODE_GPA, guest_code, sizeof guest_code);

        struct kvm_userspace_memory_region region = {
                .slot = 0, .guest_phys_addr = 0, .memory_size = size, .userspace_addr = (uintptr_t) mem,
        };
        if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
                unsupported("KVM_SET_USER_MEMORY_REGION");
        int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
        if (vcpu < 0)
                unsupported("KVM_CREATE_VCPU");
        int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
        if (run_size <= 0)
                unsupported("KVM_GET_VCPU_MMAP_SIZE");
        struct kvm_run *run = mmap(NULL, (size_t) run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
        if (run == MAP_FAILED)
                die("mmap kvm_run");

        /* 32-bit protected mode, flat 4 GiB code and data segments, no paging */
        struct kvm_sregs sregs;
        if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
                unsupported("KVM_GET_SREGS");
        struct kvm_segment seg = {
                .base = 0, .limit = 0xffffffff, .selector = 0x10, .present = 1, .type = 3, .dpl = 0,
                .db = 1, .s = 1, .l = 0, .g = 1,
        };
        sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg;
        seg.type = 11;
        seg.selector = 0x08;
        sregs.cs = seg;
        sregs.cr0 |= 1; /* PE */
        if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
                unsupported("KVM_SET_SREGS");
        uint64_t cold_end = COLD_GPA + cold_mib * MIB, hot_end = cold_end + hot_mib * MIB;
        struct kvm_regs regs = {
                .rip = CODE_GPA, .rflags = 2, .rax = COLD_GPA, .rbx = cold_end, .rcx = hot_end,
                .rsi = write_hot,
        };
        if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
                unsupported("KVM_SET_REGS");

        struct sigaction sa = { .sa_handler = on_signal };
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);

        char passes_path[4096] = "", text[1024];
        if (out)
                snprintf(passes_path, sizeof passes_path, "%s.passes", out);
        uint64_t passes = 0, t_end = seconds ? now_ms() + seconds * 1000 : 0, t_report = 0;
        bool filled = false;
        while (!stop && (!t_end || now_ms() < t_end)) {
                if (ioctl(vcpu, KVM_RUN, 0) < 0) {
                        if (errno == EINTR)
                                continue;
                        die("KVM_RUN");
                }
                if (run->exit_reason != KVM_EXIT_IO) {
                        struct kvm_regs now = {};
                        (void) ioctl(vcpu, KVM_GET_REGS, &now);
                        fprintf(stderr, "kvm-vmm: guest stopped: exit reason %u at rip %#llx\n", run->exit_reason,
                                (unsigned long long) now.rip);
                        return filled ? 2 : 77;
                }
                if (run->io.port == 0x10) {
                        filled = true;
                        if (out) {
                                snprintf(text, sizeof text,
                                         "pid %d\npage_size %ld\ncold %llx %llx\nhot %llx %llx\nready\n",
                                         (int) getpid(), sysconf(_SC_PAGESIZE),
                                         (unsigned long long) (uintptr_t) (mem + COLD_GPA),
                                         (unsigned long long) (uintptr_t) (mem + cold_end),
                                         (unsigned long long) (uintptr_t) (mem + cold_end),
                                         (unsigned long long) (uintptr_t) (mem + hot_end));
                                write_atomic(out, text);
                        }
                        continue;
                }
                passes++;
                if (out && now_ms() >= t_report) {
                        snprintf(text, sizeof text, "%llu\n", (unsigned long long) passes);
                        write_atomic(passes_path, text);
                        t_report = now_ms() + 500;
                }
                if (period_ms)
                        usleep((useconds_t) period_ms * 1000);
        }

        uint64_t checked = 0, bad = 0;
        for (uint64_t gpa = COLD_GPA; filled && gpa < hot_end; gpa += 4096, checked++) {
                uint32_t v;
                memcpy(&v, mem + gpa, sizeof v);
                if (v != (uint32_t) gpa && bad++ < 5)
                        fprintf(stderr, "kvm-vmm: guest page %#llx holds %#x\n", (unsigned long long) gpa, v);
        }
        printf("passes %llu\nchecked %llu pages\n", (unsigned long long) passes, (unsigned long long) checked);
        if (bad) {
                fprintf(stderr, "kvm-vmm: %llu guest page(s) came back wrong\n", (unsigned long long) bad);
                return 3;
        }
        return filled ? 0 : 2;
}
