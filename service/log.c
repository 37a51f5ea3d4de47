/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

int log_max_level = LOG_LVL_INFO;

void log_msgv(int level, const char *fmt, va_list ap) {
        /* sd-daemon prefixes: <7> debug, <6> info, <4> warning, <3> err */
        static const char *const prefix[] = { "<7>", "<6>", "<4>", "<3>" };
        char buf[2048];

        if (level < log_max_level)
                return;
        if (level < 0 || level > LOG_LVL_ERROR)
                level = LOG_LVL_ERROR;
        vsnprintf(buf, sizeof buf, fmt, ap);
        /* one write per line so lines from worker threads never interleave */
        fprintf(stderr, "%s%s\n", prefix[level], buf);
}

void log_msg(int level, const char *fmt, ...) {
        int saved = errno;
        va_list ap;

        va_start(ap, fmt);
        log_msgv(level, fmt, ap);
        va_end(ap);
        errno = saved;
}
