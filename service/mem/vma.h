/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A process's mappings as /proc/PID/smaps shows them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct MemVma {
        uint64_t start, end;
        uint64_t rss, referenced, anonymous, anon_huge, swap; /* bytes */
        uint32_t flags;      /* ETMEM_REGION_* */
        bool special;        /* [vdso], [vvar], VM_IO, VM_PFNMAP: never scanned nor paged out */
} MemVma;

typedef struct MemVmaList {
        MemVma *v;
        size_t n, allocated;
} MemVmaList;

/* Parses /proc/PID/smaps (opened checked against pidfd).  Keeps the list's allocation. */
int mem_vmas_read(pid_t pid, int pidfd, MemVmaList *l);
void mem_vmas_done(MemVmaList *l);
/* The VMA containing addr, or NULL (binary search). */
const MemVma *mem_vmas_find(const MemVmaList *l, uint64_t addr);
/* Parses one smaps header line's path into flags; exported for tests. */
uint32_t mem_vma_flags_from_path(const char *path, const char *perms, bool *special);
