/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tables for engine commands whose JSON has a known shape (cslide's showtaskpages,
 * showhostpages). */
#pragma once

/* 1 if cmd's JSON was printed as a table, 0 if cmd has no table (print the JSON),
 * or an exit status. */
int engine_print_table(const char *cmd, const char *json);
