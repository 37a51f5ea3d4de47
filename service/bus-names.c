/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <systemd/sd-bus.h>

#include "bus-names.h"
#include "macro.h"

int etmem_child_path(const char *parent, const char *kind, const char *name, char **ret) {
        _cleanup_free_ char *prefix = NULL;

        if (asprintf(&prefix, "%s/%s", parent, kind) < 0)
                return -ENOMEM;
        return sd_bus_path_encode(prefix, name, ret);
}

int etmem_object_path(const char *project, const char *engine, const char *task, char **ret) {
        _cleanup_free_ char *p = NULL, *e = NULL;
        int r;

        r = sd_bus_path_encode(ETMEM_PROJECT_PREFIX, project, &p);
        if (r < 0 || !engine) {
                if (r >= 0)
                        *ret = TAKE_PTR(p);
                return r;
        }
        r = etmem_child_path(p, "engine", engine, &e);
        if (r < 0 || !task) {
                if (r >= 0)
                        *ret = TAKE_PTR(e);
                return r;
        }
        return etmem_child_path(e, "task", task, ret);
}

int etmem_object_path_decode(const char *path, char **ret_project, char **ret_engine, char **ret_task) {
        char *p = NULL, *e = NULL, *t = NULL;
        int r;

        /* deepest first: '%' stops at '/', so each template matches one depth only */
        r = sd_bus_path_decode_many(path, ETMEM_PROJECT_PREFIX "/%/engine/%/task/%", &p, &e, &t);
        if (r == 0)
                r = sd_bus_path_decode_many(path, ETMEM_PROJECT_PREFIX "/%/engine/%", &p, &e);
        if (r == 0)
                r = sd_bus_path_decode_many(path, ETMEM_PROJECT_PREFIX "/%", &p);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENXIO;
        *ret_project = p;
        *ret_engine = e;
        *ret_task = t;
        return 0;
}
