/* context.h - one delivery in progress, shared by the files of
 * engine/deliver/ (internal: front ends use delivery.h and execute.h).
 *
 * Takes: the host and the request (delivery.h), or a stored message being
 * refiled (`sievegate filter`). Holds: everything one delivery needs, in one
 * place (no global state), with the per-user state opened at its first use,
 * so that a delivery that only files the message opens no database.
 */
#ifndef SG_DELIVER_CONTEXT_H
#define SG_DELIVER_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "base/attr.h"
#include "engine/core/interp.h"
#include "engine/core/list_store.h"
#include "engine/core/settings.h"
#include "engine/deliver/delivery.h"
#include "engine/mail/message.h"
#include "store/user_state.h"

#define SG_DELIVER_MAX_FCC 8

typedef struct sg_dctx {
    const sg_delivery_host *host;
    const sg_config *config;
    sg_arena *arena;
    const char *user;  /* login, for logs and %u */
    const char *home;
    const char *owner; /* local@domain: whose policy applies */
    sg_envelope env;
    bool orig_recipient_known; /* the MDN names the original recipient */
    const char *default_mailbox;
    const char *mail_location; /* the request's template, or NULL: the configuration's */
    const char *data; /* the message as received */
    size_t len;
    const struct sg_msgsrc *source; /* the file holding data, or NULL (delivery.h) */
    size_t trace_len; /* the front end's own trace fields first: not in the journal key */
    sg_message *msg;
    const char *message_id; /* "" when none */
    time_t now;
    /* The per-user state (store/user_state.h), opened at its first use
     * (sg_dctx_state); borrowed when the front end opened it (owns_state false). */
    sg_user_state *state;
    bool state_tried;
    bool owns_state;
    sg_mailboxes mailboxes; /* the Maildir of mail_location: mailboxexists, the plan's checks */
    const char *maildir_root; /* NULL when mail_location is not a Maildir sievegate writes */
    /* RFC 8580: the messages sent with :fcc, filed after the delivery */
    struct sg_fcc_copy {
        const struct sg_action *action;
        const char *data;
        size_t len;
    } fcc[SG_DELIVER_MAX_FCC];
    size_t nfcc;
    /* What was done, for the outcome's log line. */
    char *actions;
    size_t actions_len, actions_cap;
    size_t stored, sent, blocked;
    const char *last_error; /* the last SG_LOG_ERR line: why a delivery is deferred */
    int store_errno;        /* errno of a failed Maildir transaction (the outcome's errnum) */
} sg_dctx;

/* One log line through the host (stderr and syslog for the command line);
 * an error line is also kept as d->last_error. */
void sg_dctx_log(sg_dctx *d, int priority, const char *fmt, ...) SG_PRINTF(3, 4);

/* A configuration template expanded for this user (~, %u, %n, %d), in the
 * arena; NULL (logged) for an unknown %-variable. */
char *sg_dctx_expand(sg_dctx *d, const char *key, const char *fallback);

/* The per-user state, opened at the first call (NULL, logged once, when it
 * cannot be): local delivery still works, and whatever must be tracked
 * (forwards, bounces, the reject MDN) is deferred before anything is sent. */
sg_user_state *sg_dctx_state(sg_dctx *d);

/* Appends "; WHAT" to the outcome's list of what was done. */
void sg_dctx_did(sg_dctx *d, const char *fmt, ...) SG_PRINTF(2, 3);

/* The Maildir of mail_location (d->maildir_root, d->mailboxes): false with
 * the reason logged when it is not one sievegate can deliver into. */
bool sg_dctx_open_mail_store(sg_dctx *d);

/* Frees what the context owns (the state it opened). */
void sg_dctx_close(sg_dctx *d);

#endif
