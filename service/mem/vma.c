/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etmem-mem.h"
#include "macro.h"
#include "proc-util.h"
#include "vma.h"

uint32_t mem_vma_flags_from_path(const char *path, const char *perms, bool *special) {
        bool shared = perms[3] == 's';
        uint32_t f = shared ? ETMEM_REGION_SHARED : 0;

        *special = false;
        if (!path[0] || streq(path, "[heap]") || strncmp(path, "[stack", 6) == 0)
                return f | ETMEM_REGION_ANON;
        if (strncmp(path, "[anon:", 6) == 0 || strncmp(path, "[anon_shmem:", 12) == 0) {
                const char *name = path + (path[5] == ':' ? 6 : 12);
                f |= ETMEM_REGION_ANON;
                if (strncmp(name, ETMEM_MARK_ANON_NAME, STRLEN(ETMEM_MARK_ANON_NAME)) == 0)
                        f |= ETMEM_REGION_MARKED;
                return f;
        }
        if (path[0] == '[') {
                /* [vdso], [vvar], [vsyscall], [uprobes], ...: kernel-provided pages */
                *special = true;
                return f;
        }
        if (shared && (strncmp(path, "/dev/zero", 9) == 0 || strncmp(path, "/SYSV", 5) == 0))
                return f | ETMEM_REGION_ANON; /* shared anonymous memory (shmem) */
        if (strncmp(path, "/anon_hugepage", 14) == 0)
                return f | ETMEM_REGION_ANON; /* MAP_HUGETLB | MAP_ANONYMOUS */
        return f | ETMEM_REGION_FILE;
}

static void apply_vmflags(MemVma *v, char *s) {
        for (char *tok = strtok(s, " \n"); tok; tok = strtok(NULL, " \n")) {
                if (streq(tok, "lo"))
                        v->flags |= ETMEM_REGION_LOCKED;
                else if (streq(tok, "ht"))
                        v->flags |= ETMEM_REGION_HUGETLB;
                else if (streq(tok, "io") || streq(tok, "pf"))
                        v->special = true;
        }
}

/* "7f12a000-7f12b000 rw-p ..." (field lines like "AnonHugePages:" also start with hex letters) */
static bool is_header(const char *line) {
        const char *p = line;
        while (isxdigit((unsigned char) *p))
                p++;
        return p > line && *p == '-';
}

int mem_vmas_read(pid_t pid, int pidfd, MemVmaList *l) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        MemVma *cur = NULL;
        int r;

        l->n = 0;
        f = proc_fopen_checked(pid, pidfd, "smaps", &r);
        if (!f)
                return r;

        while (getline(&line, &cap, f) > 0) {
                if (is_header(line)) {
                        unsigned long long start, end;
                        char perms[8] = "";
                        int off = 0;
                        if (sscanf(line, "%llx-%llx %7s %*x %*x:%*x %*u %n", &start, &end, perms, &off) < 3)
                                return -EBADMSG;
                        char *path = line + off;
                        path[strcspn(path, "\n")] = 0;
                        if (l->n >= l->allocated) {
                                size_t na = MAX(l->allocated * 2, (size_t) 64);
                                MemVma *nv = reallocarray(l->v, na, sizeof *nv);
                                if (!nv)
                                        return -ENOMEM;
                                l->v = nv;
                                l->allocated = na;
                        }
                        cur = &l->v[l->n++];
                        *cur = (MemVma) { .start = start, .end = end };
                        cur->flags = mem_vma_flags_from_path(path, perms, &cur->special);
                        continue;
                }
                if (!cur)
                        continue;

                char key[32];
                unsigned long long kib;
                if (strncmp(line, "VmFlags:", 8) == 0) {
                        apply_vmflags(cur, line + 8);
                        continue;
                }
                if (sscanf(line, "%31[^:]: %llu kB", key, &kib) != 2)
                        continue;
                if (streq(key, "Rss"))
                        cur->rss = kib * 1024;
                else if (streq(key, "Referenced"))
                        cur->referenced = kib * 1024;
                else if (streq(key, "Anonymous"))
                        cur->anonymous = kib * 1024;
                else if (streq(key, "AnonHugePages") || streq(key, "FilePmdMapped") || streq(key, "ShmemPmdMapped")) {
                        cur->anon_huge += kib * 1024;
                        if (kib > 0)
                                cur->flags |= ETMEM_REGION_HUGE;
                } else if (streq(key, "Swap"))
                        cur->swap = kib * 1024;
        }
        if (ferror(f))
                return -EIO;
        return 0;
}

void mem_vmas_done(MemVmaList *l) {
        free(l->v);
        *l = (MemVmaList) {};
}

const MemVma *mem_vmas_find(const MemVmaList *l, uint64_t addr) {
        size_t lo = 0, hi = l->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (addr < l->v[mid].start)
                        hi = mid;
                else if (addr >= l->v[mid].end)
                        lo = mid + 1;
                else
                        return &l->v[mid];
        }
        return NULL;
}
