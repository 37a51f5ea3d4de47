/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "bus-context.h"

/* Registers Manager1, the three object types and the ObjectManager, and installs the
 * tree's observer that emits the signals. */
int manager_bus_add_objects(BusContext *ctx);
