/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small text table: a header row, columns padded to their widest cell, numeric
 * columns right-aligned, no trailing blanks. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

typedef struct Table Table;

/* headers: NULL-terminated. A header starting with '>' marks a right-aligned column
 * (the '>' is not printed). */
int table_new(const char *const *headers, Table **ret);
Table *table_free(Table *t);
static inline void table_freep(Table **t) {
        if (*t)
                table_free(*t);
}
#define _cleanup_table_ _cleanup_(table_freep)

/* Appends one row; cells holds exactly as many strings as there are columns; NULL or ""
 * prints as "-". */
int table_add_row(Table *t, const char *const *cells);
size_t table_rows(const Table *t);
int table_print(const Table *t, FILE *f);
