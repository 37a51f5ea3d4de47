/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bus-errors.h"
#include "bus-names.h"
#include "bus-objects.h"
#include "engine.h"
#include "macro.h"
#include "project.h"
#include "task.h"

int bus_object_path(ObjKind kind, const void *obj, char **ret) {
        const Project *p = obj;
        const Engine *e = obj;
        const Task *t = obj;

        switch (kind) {
        case OBJ_PROJECT:
                return etmem_object_path(p->name, NULL, NULL, ret);
        case OBJ_ENGINE:
                return etmem_object_path(e->project->name, e->name, NULL, ret);
        case OBJ_TASK:
                return etmem_object_path(t->engine->project->name, t->engine->name, t->name, ret);
        }
        return -EINVAL;
}

int bus_objects_reply_new(sd_bus_message *msg, const ObjRefs *l, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "o");
        if (r < 0)
                return r;
        for (size_t i = 0; i < l->n; i++) {
                _cleanup_free_ char *path = NULL;

                r = bus_object_path(l->v[i].kind, l->v[i].obj, &path);
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "o", path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(reply);
        return 0;
}

int bus_reply_objects(sd_bus_message *msg, const ObjRefs *l) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = bus_objects_reply_new(msg, l, &reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_error_set_config(sd_bus_error *error, int r, ConfigError *ce) {
        _cleanup_free_ char *s = ce->message ? config_error_to_string(ce) : NULL;

        config_error_clear(ce);
        if (!s)
                return r;
        return bus_error_set_etmem(error, r, s);
}

int bus_reply_object(sd_bus_message *msg, const ObjRefs *l) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (l->n == 0)
                return -EIO;
        r = bus_object_path(l->v[0].kind, l->v[0].obj, &path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", path);
}
