/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <systemd/sd-bus.h>

#include "config.h"

/* 0 if name is a valid object name (config_name_is_valid()), otherwise InvalidConfig
 * naming what ("project", "engine", "task") but not repeating the name.  Handlers
 * check names before they authorize, so that no call is held for polkit with a
 * name that could never exist. */
int bus_check_name(const char *what, const char *name, sd_bus_error *error);
/* 0 if every key and value of params (from bus_read_params()) follows a config file's
 * rules (config_key_is_valid(), config_value_is_valid()), otherwise InvalidConfig. */
int bus_check_params(char **params, sd_bus_error *error);

#define BUS_SOURCE_MAX 256u   /* LoadConfig's source name */
#define BUS_DETAIL_MAX 1024u  /* one polkit detail's value (POLKIT_DETAIL_MAX) */

/* 0 if LoadConfig's source is empty or up to BUS_SOURCE_MAX bytes of a config value. */
int bus_check_source(const char *source, sd_bus_error *error);

/* The polkit details of one call (key, value, ..., NULL in kv), built from validated
 * arguments and bounded: the buffers hold what the target adds. */
typedef struct BusDetails {
        const char *kv[25];
        size_t n;
        char pid[24], uid[24], process[64];
        char *projects;
} BusDetails;

/* Adds key=value (nothing when value is NULL or the list is full). */
void bus_details_add(BusDetails *d, const char *key, const char *value);
/* A task's target: for type=pid "pid", and while the process exists "process" (its comm,
 * printable ASCII only) and "uid" (its owner); for type=name "process" (the name). */
void bus_details_add_target(BusDetails *d, const char *type, const char *value);
/* A config's "source" and "projects" (every project it names, comma-separated; "*"
 * when the list is longer than BUS_DETAIL_MAX). */
int bus_details_add_config(BusDetails *d, const Config *c, const char *source);
void bus_details_done(BusDetails *d);
