/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Applying a configuration to the object tree, all-or-nothing: every section is
 * validated against the tree (and the sections before it) and every object is
 * built detached first; only when all succeeded are they attached and announced. */
#pragma once

#include <systemd/sd-bus.h>

#include "bus-context.h"
#include "config.h"
#include "tree.h"
#include "types.h"

int apply_config(BusContext *m, const Config *c, ObjRefs *ret, sd_bus_error *error);
/* Finds exactly the objects the config names, validating all of them, and changes
 * nothing: *ret lists them in the order unapply_commit() removes them (children first). */
int unapply_config(BusContext *m, const Config *c, ObjRefs *ret, sd_bus_error *error);
void unapply_commit(BusContext *m, const ObjRefs *l);
/* Applies a single section built from bus arguments: the method's own keys (lead: key,
 * value, ..., NULL — e.g. project=P, name=N) followed by the caller's params (key, value,
 * ..., NULL). */
int apply_section(BusContext *m, ConfigSectionType type, const char *source, const char *const *lead, char **params,
                  ObjRefs *ret, sd_bus_error *error);
