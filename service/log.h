/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <stdarg.h>

/* etmem's levels (-l 0..3): debug, info, warning, error. Written to stderr with
 * sd-daemon(3) priority prefixes so the journal keeps the level. */
enum { LOG_LVL_DEBUG = 0, LOG_LVL_INFO = 1, LOG_LVL_WARNING = 2, LOG_LVL_ERROR = 3 };

extern int log_max_level;

void log_msg(int level, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));
void log_msgv(int level, const char *fmt, va_list ap) __attribute__((__format__(printf, 2, 0)));

#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)

/* Logs and returns r (negative errno), for `return log_error_errno(r, "...: %m")`. */
#define log_error_errno(r, ...) ({ int _r = (r); errno = -_r; log_error(__VA_ARGS__); _r < 0 ? _r : -_r; })
