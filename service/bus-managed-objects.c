/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <string.h>

#include "bus-managed-objects.h"
#include "bus-names.h"
#include "bus-objects.h"
#include "engine-bus.h"
#include "engine.h"
#include "macro.h"
#include "project-bus.h"
#include "project.h"
#include "task-bus.h"
#include "task.h"

#define OM_IFACE "org.freedesktop.DBus.ObjectManager"

/* A property without a getter, as sd-bus's own automatic getter appends it: the basic
 * value at userdata + offset, a char * for strings ("" for NULL), a strv for "as". */
static int append_member(sd_bus_message *m, const char *signature, const void *p) {
        if (streq(signature, "as"))
                return sd_bus_message_append_strv(m, *(char **const *) p);
        if (signature[0] == SD_BUS_TYPE_STRING || signature[0] == SD_BUS_TYPE_SIGNATURE)
                return sd_bus_message_append_basic(m, signature[0], strempty(*(const char *const *) p));
        if (signature[0] == SD_BUS_TYPE_OBJECT_PATH)
                return sd_bus_message_append_basic(m, signature[0], *(const char *const *) p);
        return sd_bus_message_append_basic(m, signature[0], p);
}

/* {s a{sv}}: one interface of one object, every property that GetAll would list. */
static int append_interface(sd_bus_message *m, const char *path, const char *iface, const sd_bus_vtable *vtable,
                            void *userdata, sd_bus_error *error) {
        sd_bus *bus = sd_bus_message_get_bus(m);
        int r;

        r = sd_bus_message_open_container(m, SD_BUS_TYPE_DICT_ENTRY, "sa{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append_basic(m, SD_BUS_TYPE_STRING, iface);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        for (const sd_bus_vtable *v = vtable + 1; v->type != _SD_BUS_VTABLE_END; v++) {
                const char *sig = v->x.property.signature;

                if (v->type != _SD_BUS_VTABLE_PROPERTY && v->type != _SD_BUS_VTABLE_WRITABLE_PROPERTY)
                        continue;
                if (v->flags & SD_BUS_VTABLE_PROPERTY_EXPLICIT)
                        continue; /* only on an explicit Get, as in sd-bus */
                r = sd_bus_message_open_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv");
                if (r < 0)
                        return r;
                r = sd_bus_message_append_basic(m, SD_BUS_TYPE_STRING, v->x.property.member);
                if (r < 0)
                        return r;
                r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, sig);
                if (r < 0)
                        return r;
                if (v->x.property.get)
                        r = v->x.property.get(bus, path, iface, v->x.property.member, m, userdata, error);
                else
                        r = append_member(m, sig, (const uint8_t *) userdata + v->x.property.offset);
                if (r < 0)
                        return r;
                r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
                r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static const struct {
        const char *iface;
        const sd_bus_vtable *vtable;
} kinds[] = {
        [OBJ_PROJECT] = { ETMEM_PROJECT_IFACE, project_vtable },
        [OBJ_ENGINE] = { ETMEM_ENGINE_IFACE, engine_vtable },
        [OBJ_TASK] = { ETMEM_TASK_IFACE, task_vtable },
};

/* o a{sa{sv}}: one object's path and its interface with every property.  The standard
 * interfaces (Peer, Introspectable, Properties), which every object implements, are not
 * listed, as GDBus servers do not list them either (docs/api.md). */
static int append_object(sd_bus_message *m, ObjKind kind, void *obj, const char *path, sd_bus_error *error) {
        int r;

        r = sd_bus_message_append_basic(m, SD_BUS_TYPE_OBJECT_PATH, path);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sa{sv}}");
        if (r < 0)
                return r;
        r = append_interface(m, path, kinds[kind].iface, kinds[kind].vtable, obj, error);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static int append_object_entry(sd_bus_message *m, ObjKind kind, void *obj, const char *path,
                               sd_bus_error *error) {
        int r;

        r = sd_bus_message_open_container(m, SD_BUS_TYPE_DICT_ENTRY, "oa{sa{sv}}");
        if (r < 0)
                return r;
        r = append_object(m, kind, obj, path, error);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int bus_managed_objects_reply(BusContext *ctx, sd_bus_message *msg, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const Tree *t = &ctx->tree;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "{oa{sa{sv}}}");
        if (r < 0)
                return r;
        /* each path is built from its parent's: one escape per object */
        for (size_t i = 0; i < t->n_projects; i++) {
                Project *p = t->projects[i];
                _cleanup_free_ char *ppath = NULL;

                r = etmem_object_path(p->name, NULL, NULL, &ppath);
                if (r >= 0)
                        r = append_object_entry(reply, OBJ_PROJECT, p, ppath, &error);
                for (size_t j = 0; r >= 0 && j < p->n_engines; j++) {
                        Engine *e = p->engines[j];
                        _cleanup_free_ char *epath = NULL;

                        r = etmem_child_path(ppath, "engine", e->name, &epath);
                        if (r >= 0)
                                r = append_object_entry(reply, OBJ_ENGINE, e, epath, &error);
                        for (size_t k = 0; r >= 0 && k < e->n_tasks; k++) {
                                _cleanup_free_ char *tpath = NULL;

                                r = etmem_child_path(epath, "task", e->tasks[k]->name, &tpath);
                                if (r >= 0)
                                        r = append_object_entry(reply, OBJ_TASK, e->tasks[k], tpath, &error);
                        }
                }
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(reply);
        return 0;
}

static int filter(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        BusContext *ctx = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *iface;
        int r;

        if (!sd_bus_message_is_method_call(msg, NULL, "GetManagedObjects") ||
            !streq_ptr(sd_bus_message_get_path(msg), ETMEM_ROOT_PATH))
                return 0;
        iface = sd_bus_message_get_interface(msg);
        if ((iface && !streq(iface, OM_IFACE)) || !streq(strempty(sd_bus_message_get_signature(msg, true)), ""))
                return 0; /* sd-bus answers these (UnknownMethod, InvalidArgs) */
        r = bus_managed_objects_reply(ctx, msg, &reply);
        if (r < 0)
                return r; /* sd-bus replies with the error, as for a failing handler */
        r = sd_bus_send(NULL, reply, NULL);
        return r < 0 ? r : 1;
}

int bus_managed_objects_install(BusContext *ctx) {
        return sd_bus_add_filter(ctx->bus, NULL, filter, ctx);
}

int bus_emit_object_added(sd_bus *bus, ObjKind kind, void *obj) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = bus_object_path(kind, obj, &path);
        if (r < 0)
                return r;
        r = sd_bus_message_new_signal(bus, &m, ETMEM_ROOT_PATH, OM_IFACE, "InterfacesAdded");
        if (r < 0)
                return r;
        r = append_object(m, kind, obj, path, &error);
        if (r < 0)
                return r;
        return sd_bus_send(bus, m, NULL);
}

int bus_emit_object_removed(sd_bus *bus, ObjKind kind, const void *obj) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = bus_object_path(kind, obj, &path);
        if (r < 0)
                return r;
        return sd_bus_emit_signal(bus, ETMEM_ROOT_PATH, OM_IFACE, "InterfacesRemoved", "oas", path, 1,
                                  kinds[kind].iface);
}
