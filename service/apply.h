/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Applying a configuration to the object tree, all-or-nothing: every section is
 * validated against the tree (and the sections before it) and every object is
 * built detached first; only when all succeeded are they attached and announced. */
#pragma once

#include <systemd/sd-bus.h>

#include "config.h"
#include "types.h"

int apply_config(Manager *m, const Config *c, char ***ret_paths, sd_bus_error *error);
/* Removes exactly the objects the config names; validates all first. */
int unapply_config(Manager *m, const Config *c, char ***ret_paths, sd_bus_error *error);
/* Parses text and applies it: the path shared by LoadConfig, AddEngine, AddTask, CreateProject. */
int apply_text(Manager *m, const char *text, size_t len, const char *format, const char *source, bool unload,
               char ***ret_paths, sd_bus_error *error);
/* Applies a single section built from bus arguments: the method's own keys (lead: key,
 * value, ..., NULL — e.g. project=P, name=N) followed by the caller's params (key, value,
 * ..., NULL). */
int apply_section(Manager *m, ConfigSectionType type, const char *source, const char *const *lead, char **params,
                  char ***ret_paths, sd_bus_error *error);
