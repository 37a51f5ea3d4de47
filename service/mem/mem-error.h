/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A sentence on why the last memory-layer call of this thread failed, for the callers
 * that turn an errno into a message (the runner's LastError): "-EMEDIUMTYPE" alone
 * cannot say which tracker was refused for which process, and why. */
#pragma once

void mem_error_clear(void);
void mem_error_set(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
/* "" when nothing was set since the last clear. */
const char *mem_error_get(void);
