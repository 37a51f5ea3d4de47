/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A method call that needs polkit is held, not answered, while polkit decides:
 * the handler starts CheckAuthorization and returns; the answer is stored in a
 * registry keyed by the held message, which is then put back into the bus's
 * read queue so sd-bus dispatches it again through the vtable (looking its
 * object up again).  On that second pass the handler finds the answer here.
 * An idle event source frees the entry once the second pass is over.  This is
 * systemd's bus-polkit.c async_polkit_query scheme, without the hashmap. */
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "log.h"
#include "macro.h"
#include "polkit.h"

#define POLKIT_SERVICE "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"
#define POLKIT_ALLOW_USER_INTERACTION 1u

typedef enum Verdict {
        VERDICT_PENDING,
        VERDICT_ALLOWED,
        VERDICT_DENIED,
} Verdict;

typedef struct Query Query;
struct Query {
        Query *next;
        sd_bus_message *request; /* the held call: the registry's key */
        sd_bus_slot *slot;       /* CheckAuthorization in flight */
        sd_event_source *defer;  /* frees this once the second pass is over */
        uid_t uid;               /* the caller's: checks are limited per user */
        char *action;
        char **details;
        bool interactive;
        Verdict verdict;
        sd_bus_error error;      /* why not, when denied */
};

/* One daemon, one bus, one event loop: a list is enough (at most POLKIT_PENDING_MAX). */
static Query *registry = NULL;
static unsigned n_queries = 0;
static sd_event *exit_hooked = NULL;

static char **strv_copy_pairs(const char *const *l) {
        size_t n = 0;
        char **c;

        for (const char *const *i = l; i && *i; i++)
                n++;
        c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (!(c[i] = strdup(l[i]))) {
                        strv_free(c);
                        return NULL;
                }
        return c;
}

static bool strv_same(char **a, const char *const *b) {
        size_t i = 0;

        for (; a[i] && b && b[i]; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return !a[i] && (!b || !b[i]);
}

static unsigned queries_of(uid_t uid) {
        unsigned n = 0;

        for (Query *q = registry; q; q = q->next)
                n += q->uid == uid;
        return n;
}

static Query *query_find(sd_bus_message *m) {
        for (Query *q = registry; q; q = q->next)
                if (q->request == m)
                        return q;
        return NULL;
}

static void query_free(Query *q) {
        for (Query **i = &registry; *i; i = &(*i)->next)
                if (*i == q) {
                        *i = q->next;
                        n_queries--;
                        break;
                }
        sd_bus_slot_unref(q->slot);
        sd_event_source_disable_unref(q->defer);
        sd_bus_message_unref(q->request);
        free(q->action);
        strv_free(q->details);
        sd_bus_error_free(&q->error);
        free(q);
}

void polkit_flush(void) {
        while (registry)
                query_free(registry);
}

unsigned polkit_pending(void) {
        return n_queries;
}

bool polkit_answered(sd_bus_message *m) {
        Query *q = query_find(m);
        return q && q->verdict != VERDICT_PENDING;
}

static int on_event_exit(sd_event_source *s, void *userdata) {
        /* Held calls keep references to the bus: let it go. */
        exit_hooked = NULL;
        polkit_flush();
        return 0;
}

static uint64_t timeout_usec(void) {
        static unsigned sec = 0;
        const char *e;
        char *end;
        unsigned long v;

        if (sec > 0)
                return sec * UINT64_C(1000000);
        sec = POLKIT_TIMEOUT_SEC_DEFAULT;
        e = getenv(POLKIT_TIMEOUT_ENV);
        if (e && *e) {
                errno = 0;
                v = strtoul(e, &end, 10);
                if (errno != 0 || *end || v < 1 || v > 3600)
                        log_warning("%s='%s' is not a number of seconds in 1..3600; using %u", POLKIT_TIMEOUT_ENV, e,
                                    sec);
                else
                        sec = (unsigned) v;
        }
        return sec * UINT64_C(1000000);
}

static void read_verdict(sd_bus_message *reply, Query *q) {
        const sd_bus_error *e;
        int authorized = 0, challenge = 0, r;

        q->verdict = VERDICT_DENIED;
        if (sd_bus_message_is_method_error(reply, NULL)) {
                e = sd_bus_message_get_error(reply);
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        (void) sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                                 "%s was refused: polkit (%s) is not running on the system bus, so "
                                                 "only root is allowed.", q->action, POLKIT_SERVICE);
                else if (sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT))
                        (void) sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                                 "%s was refused: polkit did not answer within %u s.", q->action,
                                                 (unsigned) (timeout_usec() / 1000000));
                else
                        (void) sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                                 "%s was refused: polkit failed to check it (%s: %s).", q->action,
                                                 e->name, strna(e->message));
                return;
        }
        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                (void) sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s was refused: polkit's answer could not be read (%s).", q->action,
                                         strerror(-r));
                return;
        }
        if (authorized)
                q->verdict = VERDICT_ALLOWED;
        else if (challenge && !q->interactive)
                (void) sd_bus_error_setf(&q->error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                         "%s needs authentication, and this call did not allow interactive "
                                         "authorization.", q->action);
        else
                (void) sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s was refused: polkit did not authorize this caller.", q->action);
}

static int on_second_pass_done(sd_event_source *s, void *userdata) {
        query_free(userdata);
        return 0;
}

static int on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Query *q = userdata;
        sd_bus *bus = sd_bus_message_get_bus(q->request);
        int r;

        q->slot = sd_bus_slot_unref(q->slot);
        read_verdict(reply, q);
        log_debug("polkit: %s for %s: %s", q->action, strna(sd_bus_message_get_sender(q->request)),
                  q->verdict == VERDICT_ALLOWED ? "authorized" : q->error.message);

        /* Idle priority: runs after the bus has dispatched the call again. */
        r = sd_event_add_defer(sd_bus_get_event(bus), &q->defer, on_second_pass_done, q);
        if (r >= 0)
                r = sd_event_source_set_priority(q->defer, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                (void) sd_event_source_set_description(q->defer, "polkit-query-done");
        if (r >= 0)
                r = sd_bus_message_rewind(q->request, true);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(bus, q->request);
        if (r < 0) {
                log_warning("cannot dispatch a call again after polkit answered: %s", strerror(-r));
                (void) sd_bus_reply_method_errorf(q->request, SD_BUS_ERROR_ACCESS_DENIED,
                                                  "%s was refused: etmemd could not resume the call (%s).",
                                                  q->action, strerror(-r));
                query_free(q);
        }
        return 0;
}

/* A caller that left while polkit was deciding gets nothing done on its behalf. */
static int caller_still_connected(sd_bus_message *m, const char *action, sd_bus_error *error) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *sender = sd_bus_message_get_sender(m);
        int has = 0, r;

        r = sd_bus_call_method(sd_bus_message_get_bus(m), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "NameHasOwner", &e, &reply, "s", sender);
        if (r >= 0)
                r = sd_bus_message_read(reply, "b", &has);
        if (r < 0 || !has) {
                log_info("%s left while polkit decided on %s: nothing done", sender, action);
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s was refused: the caller %s disconnected while polkit was deciding.",
                                         action, sender);
        }
        return 1;
}

static int second_pass(Query *q, const char *action, const char *const *details, sd_bus_error *error) {
        if (q->verdict == VERDICT_PENDING)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s was refused: an authorization check for this call is still pending.",
                                         action);
        /* The object or action may differ on the second pass: the answer was for another question. */
        if (!streq(q->action, action) || !strv_same(q->details, details))
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s was refused: the call's target changed while polkit was deciding on "
                                         "%s; call again.", action, q->action);
        if (q->verdict == VERDICT_DENIED)
                return sd_bus_error_copy(error, &q->error);
        return caller_still_connected(q->request, action, error);
}

/* Details reach polkit's rules and its agents' dialogs: short, and no control characters. */
static bool details_are_sane(const char *const *details) {
        for (const char *const *i = details; i && i[0]; i++) {
                if (strlen(i[0]) > POLKIT_DETAIL_MAX)
                        return false;
                for (const char *c = i[0]; *c; c++)
                        if ((unsigned char) *c < 0x20 || *c == 0x7f)
                                return false;
        }
        return true;
}

static int new_check_call(sd_bus_message *m, const char *action, const char *const *details, bool interactive,
                          sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *c = NULL;
        int r;

        r = sd_bus_message_new_method_call(sd_bus_message_get_bus(m), &c, POLKIT_SERVICE, POLKIT_PATH,
                                           POLKIT_INTERFACE, "CheckAuthorization");
        if (r < 0)
                return r;
        r = sd_bus_message_append(c, "(sa{sv})s", "system-bus-name", 1, "name", "s", sd_bus_message_get_sender(m),
                                  action);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(c, 'a', "{ss}");
        if (r < 0)
                return r;
        for (const char *const *i = details; i && i[0] && i[1]; i += 2) {
                r = sd_bus_message_append(c, "{ss}", i[0], i[1]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(c);
        if (r < 0)
                return r;
        r = sd_bus_message_append(c, "us", interactive ? POLKIT_ALLOW_USER_INTERACTION : 0u, "");
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int polkit_check(sd_bus_message *m, uid_t uid, const char *action, const char *const *details,
                 sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        sd_bus *bus = sd_bus_message_get_bus(m);
        sd_event *event = sd_bus_get_event(bus);
        unsigned n;
        Query *q;
        int r;

        q = query_find(m);
        if (q)
                return second_pass(q, action, details, error);

        /* Every check is a pending reply on etmemd's one connection, and the bus allows
         * only so many (max_replies_per_connection, 128 on Debian): one user must not be
         * able to use them all up, nor all users together. */
        n = queries_of(uid);
        if (n >= POLKIT_PENDING_PER_USER)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "%s was not checked: uid %u already has %u calls waiting for polkit (at most "
                                         "%u per user); try again later.", action, (unsigned) uid, n,
                                         POLKIT_PENDING_PER_USER);
        if (n_queries >= POLKIT_PENDING_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "%s was not checked: %u calls are already waiting for polkit; try again "
                                         "later.", action, n_queries);
        if (!sd_bus_message_get_sender(m))
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s was refused: the caller has no bus name to show polkit.", action);
        if (!details_are_sane(details)) {
                log_warning("not asking polkit about %s with a detail longer than %u bytes or with control "
                            "characters", action, POLKIT_DETAIL_MAX);
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s was refused: its polkit details are not printable or too long.", action);
        }
        if (!event)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s was refused: polkit cannot be asked without an event loop.", action);

        q = calloc(1, sizeof *q);
        if (!q)
                return -ENOMEM;
        q->uid = uid;
        q->interactive = sd_bus_message_get_allow_interactive_authorization(m) > 0;
        q->action = strdup(action);
        q->details = strv_copy_pairs(details);
        if (!q->action || !q->details) {
                query_free(q);
                return -ENOMEM;
        }
        r = new_check_call(m, action, details, q->interactive, &call);
        if (r >= 0)
                r = sd_bus_call_async(bus, &q->slot, call, on_polkit_reply, q, timeout_usec());
        if (r < 0) {
                query_free(q);
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "%s was refused: cannot ask polkit (%s).",
                                         action, strerror(-r));
        }
        if (exit_hooked != event) {
                r = sd_event_add_exit(event, NULL, on_event_exit, NULL);
                if (r < 0) {
                        query_free(q);
                        return r;
                }
                exit_hooked = event;
        }
        q->request = sd_bus_message_ref(m);
        q->next = registry;
        registry = q;
        n_queries++;
        log_debug("holding %s.%s from %s until polkit decides on %s", strna(sd_bus_message_get_interface(m)),
                  strna(sd_bus_message_get_member(m)), sd_bus_message_get_sender(m), action);
        return 0;
}
