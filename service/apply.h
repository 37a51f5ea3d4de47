/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Applying a configuration to the object tree, all-or-nothing: every section is
 * validated against the tree (and the sections before it) and every object is
 * built detached first; only when all succeeded are they attached and announced. */
#pragma once

#include "config.h"
#include "lifecycle.h"
#include "plugin.h"
#include "tree.h"
#include "types.h"

/* What applying needs: the tree, the plugins engines are loaded from, and the
 * lifecycle that starts tasks added to a running project and removes objects. */
typedef struct ApplyEnv {
        Tree *tree;
        Lifecycle *lifecycle;
        Plugin **plugins;          /* cache of loaded plugins */
        const PluginDirs *dirs;
} ApplyEnv;

/* Errors: negative errno with error filled (file, line, key, message):
 * -EINVAL invalid, -ENOENT no such object, -EEXIST already exists, -E2BIG too many
 * objects, -EOPNOTSUPP not supported, -ELIBBAD the plugin cannot be loaded; -ENOMEM
 * with error possibly empty.  The tree is unchanged on any error.
 * On success *ret (may be NULL) lists the objects added, parents first. */
int apply_config(ApplyEnv *m, const Config *c, ObjRefs *ret, ConfigError *error);
/* Finds exactly the objects the config names, validating all of them, and changes
 * nothing: *ret lists them in the order unapply_commit() removes them (children first). */
int unapply_config(ApplyEnv *m, const Config *c, ObjRefs *ret, ConfigError *error);
void unapply_commit(ApplyEnv *m, const ObjRefs *l);
/* The generic checks of every section (names, required keys, ranges; the engines' own
 * keys are checked by their plugins when applied), without the tree: what a bus handler
 * runs before it authorizes.  *ret_thirdparty: some engine is thirdparty. */
int apply_validate(const Config *c, bool *ret_thirdparty, ConfigError *error);
/* A config of a single section built from bus arguments: the method's own keys (lead:
 * key, value, ..., NULL — e.g. project=P, name=N) followed by the caller's params (key,
 * value, ..., NULL), checked by apply_validate() (*ret_thirdparty as there).  A bus
 * handler builds it before it authorizes and applies it with apply_config() after. */
int apply_section_new(ConfigSectionType type, const char *source, const char *const *lead, char **params,
                      Config **ret, bool *ret_thirdparty, ConfigError *error);
/* Would params be accepted for the existing engine e, as its [engine] section in a
 * config file: key and value rules, the generic checks and the plugin's own keys (its
 * fill_eng_params, on a copy)?  Changes nothing.  Engine1.Command("set") runs it on
 * the merged params before authorizing, so that a setting is taken all-or-nothing. */
int apply_engine_check(const Engine *e, char **params, const char *source, ConfigError *error);
