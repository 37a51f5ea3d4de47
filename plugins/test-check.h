/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CHECK() for the plugins' unit tests: counts a failure, prints where and why, goes on. */
#pragma once

#include <stdio.h>

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
