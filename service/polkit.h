/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Asynchronous polkit checks for held method calls (systemd's bus-polkit.c pattern, smaller). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

/* Default time polkit gets to answer one CheckAuthorization; the environment
 * variable ETMEM_POLKIT_TIMEOUT (whole seconds, 1..3600) overrides it. */
#define POLKIT_TIMEOUT_SEC_DEFAULT 25u
#define POLKIT_TIMEOUT_ENV "ETMEM_POLKIT_TIMEOUT"
/* Calls held at once waiting for polkit, in all and per user; more are refused at once
 * (LimitsExceeded).  Each is a pending reply on etmemd's bus connection, which the bus
 * limits (max_replies_per_connection: 128 on Debian), so the total stays well under. */
#define POLKIT_PENDING_MAX 64u
#define POLKIT_PENDING_PER_USER 8u

/* Longest detail (key or value) polkit is shown; longer ones, or any with control
 * characters, are refused without asking (callers pass validated names). */
#define POLKIT_DETAIL_MAX 1024u

/* True once polkit has answered for m and m is being dispatched a second time. */
bool polkit_answered(sd_bus_message *m);

/* Asks polkit whether the sender of m (whose effective uid is uid) may perform action.
 *
 * First pass (no answer yet): refuses with LimitsExceeded when uid or everyone has too
 * many checks pending (POLKIT_PENDING_PER_USER, POLKIT_PENDING_MAX); otherwise sends CheckAuthorization asynchronously with the
 * system-bus-name subject, details (NULL or key, value, ..., NULL) and
 * AllowUserInteraction when m allows it, holds a reference to m and returns 0.
 * The method handler must then return 1 without replying: the call stays
 * unanswered.  When polkit answers, fails or times out, m is put back into the
 * bus's read queue and its handler runs again from the start.
 *
 * Second pass: returns 1 if polkit authorized exactly this action and details
 * and the caller is still connected, otherwise a negative errno with error set:
 * AccessDenied (denied, polkit failed, timed out or is missing, or the call
 * changed), InteractiveAuthorizationRequired (polkit wants a password and m did
 * not allow interaction). */
int polkit_check(sd_bus_message *m, uid_t uid, const char *action, const char *const *details,
                 sd_bus_error *error);

/* Drops every held call without replying (the event loop's exit does this too). */
void polkit_flush(void);

/* Number of calls currently held or waiting for their second pass. */
unsigned polkit_pending(void);
