/* SPDX-License-Identifier: GPL-2.0-or-later WITH Linux-syscall-note */
/*
 * etmem_scan: user-space interface of the page-table access-bit scanner
 * (kmod/etmem_scan.c; docs/kmod.md).  etmemd's kmod tracker speaks this and
 * reports "unavailable" while /dev/etmem_scan is missing.  Both open() and
 * ATTACH need CAP_SYS_ADMIN.
 *
 * Out-of-tree modules cannot add files under /proc/PID, so the scanner is a
 * misc device.  One open file = one scan session of one process:
 *
 *   fd = open("/dev/etmem_scan", O_RDWR | O_CLOEXEC);
 *   ioctl(fd, ETMEM_SCAN_IOC_VERSION, &v);           v == ETMEM_SCAN_ABI_VERSION
 *   ioctl(fd, ETMEM_SCAN_IOC_ATTACH, &attach);       by pidfd: a reused pid can't be scanned
 *   ioctl(fd, ETMEM_SCAN_IOC_SET_RANGE, &range);     optional; default: whole address space
 *   read(fd, buf, n) ...                             until 0: one walk, test-and-clear
 *   ioctl(fd, ETMEM_SCAN_IOC_REWIND)                 next round starts at range.start again
 *
 * read() returns etmem's idle_pages byte stream (as its /proc/PID/idle_pages
 * did): each byte is PIP_COMPOSE(type, nr), nr (1..15) consecutive pages of
 * that type, starting where the previous one ended.  A PIP_CMD_SET_HVA byte is
 * followed by 8 bytes of big-endian virtual address where the next run starts
 * (holes between VMAs, and the first byte of every read()).  Reported
 * accessed bits are cleared in the same page-table walk (and the TLB flushed
 * for them), so each read of a round sees accesses since the previous round.
 * read() stops early at a buffer boundary without splitting a SET_HVA record;
 * -ESRCH once the process has exited.
 *
 * Rules of the stream (the golden test in tests/vm checks them):
 *   - Memory of VM_IO / VM_PFNMAP / VM_MIXEDMAP / hugetlb VMAs, gaps between
 *     VMAs, and ranges without a PUD/P4D/PGD table are not reported: the next
 *     run starts with a SET_HVA.
 *   - Within a VMA, a missing PTE table is PMD_HOLE (aligned 2 MiB) or PTE_HOLE
 *     (the part of a 2 MiB cut by the VMA or range); a not-present PTE (never
 *     touched, swapped out, migrating) is PTE_HOLE.
 *   - A PTE table whose 512 entries are all present and not accessed is one
 *     PMD_IDLE_PTES; otherwise each page is PTE_ACCESSED / PTE_IDLE (or
 *     PTE_DIRTY = accessed and dirty, with ETMEM_SCAN_DIRTY).
 *   - A PMD-mapped THP is one PMD_ACCESSED / PMD_IDLE / PMD_DIRTY unit; cut by
 *     the range, its pages are reported one by one with the PMD's bit.
 *   - read() needs count >= ETMEM_SCAN_MIN_READ (else -EINVAL) and returns at
 *     most 64 KiB; -EINVAL before ATTACH.
 */
#pragma once

#include <linux/ioctl.h>
#include <linux/types.h>

#define ETMEM_SCAN_DEVICE      "/dev/etmem_scan"
#define ETMEM_SCAN_ABI_VERSION 1
#define ETMEM_SCAN_MIN_READ    64

enum etmem_scan_page_type {
        ETMEM_PTE_ACCESSED = 0,  /* 4 KiB page, accessed */
        ETMEM_PMD_ACCESSED = 1,  /* 2 MiB page, accessed */
        ETMEM_PUD_PRESENT = 2,   /* 1 GiB page, present (not scanned) */
        ETMEM_PTE_DIRTY = 3,     /* 4 KiB, dirty (only with ETMEM_SCAN_DIRTY) */
        ETMEM_PMD_DIRTY = 4,     /* 2 MiB, dirty (only with ETMEM_SCAN_DIRTY) */
        ETMEM_PTE_IDLE = 5,      /* 4 KiB page, present and not accessed */
        ETMEM_PMD_IDLE = 6,      /* 2 MiB page, not accessed */
        ETMEM_PMD_IDLE_PTES = 7, /* a PMD whose 512 PTEs are all idle */
        ETMEM_PTE_HOLE = 8,      /* 4 KiB not present */
        ETMEM_PMD_HOLE = 9,      /* 2 MiB not present */
        ETMEM_PIP_CMD = 10,
        _ETMEM_PAGE_TYPE_MAX,
};

#define ETMEM_PIP_TYPE(b)          (((b) >> 4) & 0xf)
#define ETMEM_PIP_SIZE(b)          ((b) & 0xf)
#define ETMEM_PIP_COMPOSE(type, n) ((__u8) (((type) << 4) | (n)))
#define ETMEM_PIP_CMD_SET_HVA      ETMEM_PIP_COMPOSE(ETMEM_PIP_CMD, 0)

/* attach.flags */
#define ETMEM_SCAN_HUGE_ONLY (1u << 0) /* report PMD-mapped memory only */
#define ETMEM_SCAN_DIRTY     (1u << 1) /* also report dirty bits */
#define ETMEM_SCAN_NO_CLEAR  (1u << 2) /* report without clearing (for tests) */

struct etmem_scan_attach {
        __s32 pidfd;  /* pidfd_open() of the target */
        __u32 flags;  /* ETMEM_SCAN_* */
};

struct etmem_scan_range {
        __u64 start;  /* page aligned */
        __u64 end;    /* exclusive; 0 = end of the address space */
};

#define ETMEM_SCAN_IOC_MAGIC     0xE7
#define ETMEM_SCAN_IOC_VERSION   _IOR(ETMEM_SCAN_IOC_MAGIC, 0x00, __u32)
#define ETMEM_SCAN_IOC_ATTACH    _IOW(ETMEM_SCAN_IOC_MAGIC, 0x01, struct etmem_scan_attach)
#define ETMEM_SCAN_IOC_SET_RANGE _IOW(ETMEM_SCAN_IOC_MAGIC, 0x02, struct etmem_scan_range)
#define ETMEM_SCAN_IOC_REWIND    _IO(ETMEM_SCAN_IOC_MAGIC, 0x03)
