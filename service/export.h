/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The object tree as a Config: what ExportConfig returns and the state file holds. */
#pragma once

#include "config.h"
#include "types.h"

/* Serialises the whole tree (with each project's state) into a Config. */
int export_config(const Tree *t, Config **ret);
