/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the config-*.c files; not part of the public API. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "config.h"

/* Longest piece of a user value quoted in a message, so that a 4 KiB value or a
 * 1 MiB garbage line does not become a 1 MiB error string. */
#define CONFIG_SHOWN_MAX 64u

/* Bytes of v to show: at most CONFIG_SHOWN_MAX, cut on a UTF-8 boundary. */
int config_shown_len(const char *v, size_t len);
#define SHOWN_FMT "'%.*s%s'"
#define SHOWN_ARGS(v, len) config_shown_len((v), (len)), (v), \
        ((size_t) config_shown_len((v), (len)) < (len) ? "..." : "")
#define SHOWN(v) SHOWN_ARGS((v), strlen(v))

/* Checks common to both formats: size limit, NUL bytes, UTF-8. */
int config_check_text(const char *text, size_t len, const char *source, ConfigError *err);

/* Returns the byte length of the valid UTF-8 prefix of s[0..len). */
size_t config_utf8_valid_prefix(const char *s, size_t len);

/* Without validation; the parsers validate first so they can say what is wrong. */
ConfigSection *config_add_section_full(Config *c, ConfigSectionType type, unsigned line, const char *path);
int config_section_add_full(ConfigSection *s, const char *key, size_t key_len,
                            const char *value, size_t value_len, unsigned line, const char *path);

/* Explains why config_value_is_valid() would refuse value; NULL if it is valid. */
const char *config_value_problem(const char *value, size_t len);

/* Project keys, in the order they are documented and written. */
extern const char *const config_project_keys[];
extern const size_t config_project_n_keys;
bool config_project_key_is_integer(const char *key);
