/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers of the VM suite's etmem_scan tests: the device, an independent decoder and
 * encoder of the idle_pages stream (kmod/etmem_scan_uapi.h), and a child process that
 * runs commands on its own memory on request. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "etmem_scan_uapi.h"

extern int kt_failures;

#define CHECK(cond, ...)                                                                   \
        do {                                                                               \
                if (!(cond)) {                                                             \
                        fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                                      \
                        fputc('\n', stderr);                                               \
                        kt_failures++;                                                     \
                }                                                                          \
        } while (0)

#define KT_PAGE 4096UL
#define KT_PMD (2UL << 20)

/* One unit of the stream: a page, a PMD or a PUD of one type. */
typedef struct KtUnit {
        uint64_t addr, size;
        unsigned type;
} KtUnit;

typedef struct KtUnits {
        KtUnit *v;
        size_t n, allocated;
} KtUnits;

void kt_units_push(KtUnits *u, uint64_t addr, uint64_t size, unsigned type);
void kt_units_free(KtUnits *u);
uint64_t kt_type_size(unsigned type);
const char *kt_type_name(unsigned type);

/* Decodes bytes into units (appending); -EBADMSG on a malformed stream (unknown type,
 * zero count, split SET_HVA, a run before any SET_HVA). */
int kt_decode(const uint8_t *b, size_t n, KtUnits *out);
/* The stream the documented rules give for units, as one read() of a large buffer. */
size_t kt_encode(const KtUnits *u, uint8_t *out, size_t size);
/* Prints the first difference of two unit lists; true when equal. */
bool kt_units_equal(const KtUnits *got, const KtUnits *want, const char *what);

int kt_pidfd_open(pid_t pid);
/* open + ATTACH (flags); -errno on failure. */
int kt_scan_open(pid_t pid, uint32_t flags);
int kt_set_range(int fd, uint64_t start, uint64_t end);
int kt_rewind(int fd);
/* REWIND, then read() with `bufsize` until 0; appends the raw bytes to *bytes (if not
 * NULL; malloc'ed) and the decoded units to *units.  Checks every read starts with a
 * SET_HVA and is no larger than bufsize.  Returns 0 or -errno (of read or decode). */
int kt_scan_round(int fd, size_t bufsize, uint8_t **bytes, size_t *n_bytes, KtUnits *units);

/* ---- a child that works on its memory on command ---- */
typedef struct KtChild {
        pid_t pid;
        int to, from; /* command pipe, answer pipe */
} KtChild;

/* fn runs in the child for every command byte; it answers with a uint64_t. */
typedef uint64_t (*KtChildFn)(int cmd, void *userdata);
int kt_child_start(KtChild *c, KtChildFn fn, void *userdata);
/* Sends cmd, waits (<= 60 s) for the answer. */
int kt_child_cmd(KtChild *c, int cmd, uint64_t *answer);
void kt_child_stop(KtChild *c);

/* /proc/sys/kernel/numa_balancing: hinting faults would unmap pages under the golden
 * tests; returns the old value (or -1). */
int kt_numa_balancing(int value);
/* pagemap present bit of pid's page at addr: 1, 0, or -errno. */
int kt_page_present(pid_t pid, uint64_t addr);
