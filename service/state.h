/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tree (projects, engines, tasks, which projects run) in STATE_DIR/state.json,
 * written atomically: temp file, fsync, rename, fsync of the directory. */
#pragma once

#include "apply.h"
#include "types.h"

#define STATE_FILE "state.json"

/* dir NULL: no persistence (both return 0). */
int state_save(const Tree *tree, const char *dir);
/* Restores the tree (and starts the projects that were running); a project that cannot
 * be restored is logged and the file it came from is kept aside as
 * state.json.unrestored so nothing is lost. */
int state_restore(ApplyEnv *env, const char *dir);
/* Writes data atomically to dir/name (exported for tests). */
int write_file_atomic(const char *dir, const char *name, const char *data, size_t len);
