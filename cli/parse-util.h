/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Argument checks done locally, before any bus traffic, so mistakes are usage errors
 * (exit 2) with a message naming the argument and its valid range. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etmemctl.h"
#include "macro.h"

#define NAME_MAX_LEN 64u        /* project / engine / task names (config.h CONFIG_NAME_MAX) */
#define KEY_MAX_LEN 64u
#define VALUE_MAX_LEN 4096u     /* config.h CONFIG_VALUE_MAX */
#define PID_MAX_VALUE 4194304u  /* the kernel's PID_MAX_LIMIT */

/* Strict decimal: no sign, no blanks, no trailing junk.
 * -EINVAL: not a number; -ERANGE: outside min..max (also on overflow). */
int parse_uint32_range(const char *s, uint32_t min, uint32_t max, uint32_t *ret);

/* 1..64 characters of [A-Za-z0-9_.-], not starting with '.' or '-': the daemon's rule
 * (config_name_is_valid, which this calls), so a typo fails before the bus is touched. */
bool name_is_valid(const char *name);

/* Splits "KEY=VALUE" in place-free fashion: *ret_key is a new string, *ret_value points
 * into s. -EINVAL when there is no '=', the key is empty or not [A-Za-z0-9_.-]{1,64},
 * -E2BIG when the value is longer than VALUE_MAX_LEN. */
int kv_split(const char *s, char **ret_key, const char **ret_value);

/* Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF), as
 * D-Bus requires of strings. */
bool utf8_is_valid(const char *s, size_t n);

/* The helpers below print their own message and return 0 or an exit status. */

/* "etmemctl: VERB: MESSAGE" + a hint to VERB --help; returns EXIT_USAGE. */
int usage_error(const char *verb, const char *fmt, ...) _printf_(2, 3);
/* "etmemctl: MESSAGE"; returns EXIT_FAILURE. */
int log_failure(const char *fmt, ...) _printf_(1, 2);
int log_oom(void);

/* Reports what getopt_long() complained about (opterr must be 0 and the optstring start
 * with ':'). */
int getopt_usage_error(const char *verb, int c, char **argv);

/* "--loop: 'x' is not a number (1..120)" / "--loop: 121 is out of range 1..120". */
int parse_number_arg(const char *verb, const char *what, const char *s,
                     uint32_t min, uint32_t max, uint32_t *ret);

/* "invalid project name 'a b': names are 1..64 characters of [A-Za-z0-9_.-] ..." */
int check_name(const char *verb, const char *what, const char *name);

/* Validates argv[0..n) as KEY=VALUE, refusing duplicates and the keys in reserved
 * (NULL-terminated; reserved_hint says what sets them instead). *ret: a NULL-terminated
 * list of alternating key, value (strv_free it). */
int parse_key_values(const char *verb, char **args, size_t n, const char *const *reserved,
                     const char *reserved_hint, char ***ret);

/* Parses a verb that takes only positional arguments (between min_pos and max_pos)
 * plus --help and, if json_ok, --json; synopsis ("PROJECT ENGINE") names them in
 * errors. On return 0 either *ret_help is true (help was printed: exit 0) or
 * argv[*ret_first .. argc) are the positional arguments. */
int parse_simple_verb(Context *ctx, int argc, char **argv, void (*help)(void),
                      const char *synopsis, int min_pos, int max_pos, bool json_ok,
                      int *ret_first, bool *ret_help);
