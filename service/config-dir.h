/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration directory (/etc/etmem, etmemd --config-dir): its *.conf, *.yaml
 * and *.json files are applied at start and again on SIGHUP, each all-or-nothing, as
 * Manager1.LoadConfig applies a file whose source is its path. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "apply.h"

typedef struct ConfigDirFile {
        char *name;      /* file name within the directory */
        char *text;      /* the content last tried */
        size_t len;
        bool applied;    /* that content is in the tree */
} ConfigDirFile;

typedef struct ConfigDir {
        char *path;      /* NULL: no directory */
        ConfigDirFile *files;
        size_t n_files;
} ConfigDir;

void config_dir_done(ConfigDir *d);

/* Brings the tree in line with the directory:
 *  - a file that is gone is unloaded (the objects it names are removed);
 *  - a file whose content changed is unloaded, then its new content applied;
 *  - a new file is applied;
 *  - an unchanged file is left alone (also when it failed: fix it to retry).
 * Files are taken in the order of their names.  Errors are logged as FILE:LINE: key
 * 'KEY': MESSAGE.  at_start: a file all of whose objects exist already (restored from
 * the state file) is taken as applied, so a restart keeps the state's running projects.
 * Returns the number of files that failed, or -ENOMEM; a missing directory is empty. */
int config_dir_load(ConfigDir *d, ApplyEnv *env, bool at_start, bool *ret_changed);
