/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "mem-error.h"

static __thread char detail[512];

void mem_error_clear(void) {
        detail[0] = '\0';
}

void mem_error_set(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
}

const char *mem_error_get(void) {
        return detail;
}
