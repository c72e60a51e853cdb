/* plan.h - the plan: what will happen to one message, decided in full before
 * anything is done (architecture.md: parse -> validate -> execute -> PLAN ->
 * executor). `sievegate test` prints it; `deliver`, `filter` and the LMTP
 * server hand it to the executor (engine/deliver/execute.h), which does
 * exactly what it lists and nothing else.
 *
 * Takes: the action list of a run (engine/core/result.h), the forwarding
 * policy snapshot (NULL when it could not be read, with the configured
 * policy_unavailable mode), the owner, the envelope, the message, and read
 * access to the per-user state and the mailbox store (callbacks; NULL where a
 * dry run has none). Returns, without writing, sending or recording anything:
 *   - the owner's admin mailbox forward (policy.h, sg_admin_forward), when a
 *     delivery applies one: decided first, before the script's actions, by
 *     the same function as a redirect (mechanism admin-forward);
 *   - a decision per forward (policy/decide.h, the same function `check -u`
 *     and `policy explain` use): redirect, and every recipient of a notify
 *     with the mailto method (RFC 5435/5436), which is forwarding too;
 *   - the one 5.7.520 bounce of the message: its targets and whether it is
 *     due; whether a reject's MDN may be sent (when not, the message is kept);
 *   - per action, why it is skipped (NULL: it is carried out): a mailbox name
 *     the store refuses or a folder that does not exist and may not be
 *     created (kept in INBOX instead, as dovecot-lda and Pigeonhole do), a
 *     vacation reply that RFC 5230 §4.5-4.6 / RFC 3834, the sender's remote
 *     domain (auto_reply = no), an unreadable policy or the reply period
 *     holds back;
 *   - the local copies, in the order delivery makes them, one per mailbox:
 *     the explicit keeps and fileintos, the INBOX copies that replace skipped
 *     ones, and the implicit keep as it finally stands (a blocked forward
 *     never leaves the message undelivered, RFC 5228 §4.2, policy.md).
 */
#ifndef SG_PLAN_H
#define SG_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/core/mailbox_store.h"
#include "engine/core/result.h"
#include "engine/deliver/mdn.h"
#include "engine/enforce/bounce.h"
#include "engine/mail/message.h"
#include "policy/decide.h"

typedef struct sg_plan_input {
    const char *owner;           /* local@domain: whose script ran and whose policy applies */
    const char *envelope_sender; /* "" for the null sender */
    const char *recipient;       /* the final envelope recipient (vacation's "addressed to me", RFC 5230 §4.5) */
    sg_message *message;
    /* The policy (NULL: it cannot be read; then `unavailable` and its reason). */
    const sg_policy *policy;
    sg_unavailable_mode unavailable;
    const char *unavailable_reason;
    /* Where local copies go: the default mailbox (deliver -m; NULL: INBOX;
     * filter: the message's own folder), the mailboxes that exist (NULL: every
     * valid name is taken to exist, as in a dry run without a mail store) and
     * whether a missing one may be created (lda_mailbox_autocreate). */
    const char *default_mailbox;
    const sg_mailbox_store *mailboxes;
    bool autocreate;
    /* Filtering mail already stored (`sievegate filter`): nobody is answered
     * (no bounce, no vacation reply, no reject MDN), as sieve-filter. */
    bool stored_mail;
    /* Read-only questions to the per-user state (NULL: "no", as in a dry run):
     * the bounce-rate tracker (policy.md), the duplicate tracker (policy.md
     * step 2: this Message-ID already forwarded or notified to this target
     * within 12 h?) and vacation's response tracking (RFC 5230 §4.2: this
     * sender already answered within the period?). */
    bool recently_bounced;
    /* A delivery (deliver, LMTP, `test`) with a policy store configured: the
     * owner's admin mailbox forward applies (never when filtering stored
     * mail). With policy NULL it cannot be known: policy_unavailable decides
     * (tempfail: the delivery is deferred; keep, block: delivered locally,
     * nothing sent for it). False: no forward is looked for. */
    bool admin_forward;
    bool (*already_forwarded)(void *tracker, sg_fwd_mechanism mechanism, const char *target);
    bool (*vacation_replied)(void *tracker, const sg_action *vacation);
    void *tracker;
} sg_plan_input;

/* One recipient of a notify: the "to" path and the "to"/"cc" URI headers. */
typedef struct sg_plan_recipient {
    const char *address; /* as in the URI (decoded addr-spec) */
    bool cc;
    sg_fwd_decision decision;
} sg_plan_recipient;

typedef struct sg_plan_notify {
    sg_plan_recipient *rcpts; /* in URI order */
    size_t n;
    size_t nallowed;      /* recipients the notification goes to; 0: it is not sent */
    const char *not_sent; /* why no recipient is decided at all (RFC 5436 §2.7), or NULL */
} sg_plan_notify;

#define SG_PLAN_IMPLICIT ((size_t)-1)

/* One local copy, as delivery makes it. */
typedef struct sg_plan_store {
    const char *mailbox; /* NULL: the default mailbox (sg_plan_input.default_mailbox, else INBOX) */
    const sg_flags *flags;
    bool create;                             /* :create (RFC 5490) */
    const struct sg_header_snapshot *header; /* RFC 5293 §7: the header as edited then (NULL: as received) */
    size_t action;                           /* the result action it carries out, or SG_PLAN_IMPLICIT */
    bool fallback; /* that action (or the default mailbox) is skipped: this is the INBOX copy instead
                      (filtering stored mail: the message stays in its own folder) */
} sg_plan_store;

typedef struct sg_plan {
    /* The owner's admin mailbox forward, carried out before the script's
     * actions, and its decision; NULL: none. Without keep_copy an allowed one
     * takes the place of the implicit keep (as redirect without :copy); the
     * script's own keep and fileinto still store (docs/policy.md). */
    const sg_admin_forward *admin;
    sg_fwd_decision admin_decision;
    bool *decided;                /* per result action: a forward with a decision */
    sg_fwd_decision *decisions;   /* per result action */
    sg_plan_notify *notify;       /* per result action: the recipients of a notify (n = 0 for others) */
    const char **skipped;         /* per result action: why it is not carried out, or NULL */
    const char **fcc_skipped;     /* per result action: why its :fcc copy cannot be filed (RFC 8580), or NULL */
    /* per result action (keep, fileinto), and the implicit keep: the flags its
     * copy cannot hold, space-separated, or NULL: keywords that are not IMAP
     * atoms, and those past the 26 a Maildir file name can give letters to */
    const char **flags_dropped;
    const char *keep_flags_dropped;
    bool implicit_keep;           /* after enforcement */
    const char *keep_skipped;     /* the default mailbox cannot take the implicit keep: why (then INBOX) */
    sg_plan_store *stores;        /* the local copies, in order */
    size_t nstores;
    const char **bounce_targets;  /* SG_FWD_BLOCK_BOUNCE targets, in order */
    size_t nbounce_targets;
    sg_bounce_check bounce;       /* SG_BOUNCE_DUE or why none is sent */
    const char *no_bounce_reason;
    sg_mdn_check mdn;             /* a reject's MDN: SG_MDN_DUE or why none is sent (then kept) */
    bool policy_unavailable;
    bool tempfail; /* policy unavailable under "tempfail" with an external forward: retry later */
    const char *unavailable_reason;
} sg_plan;

/* The verdict of a notify as a whole, for `test`: "block" when the policy
 * blocks any recipient, "allow" when it goes to some recipient, else "skip"
 * (not sent at all: no recipients, all skipped, an automatic trigger). */
const char *sg_plan_notify_verdict(const sg_plan_notify *pn);

/* Whether a plan needs the policy because of the script: it has a redirect,
 * a notify or a vacation reply. (A delivery with a policy store also asks it
 * for the owner's admin mailbox forward: sg_plan_input.admin_forward.) */
bool sg_plan_needs_policy(const sg_result *result);

/* Builds the plan; everything in `arena`. Never fails. */
void sg_plan_build(const sg_result *result, const sg_plan_input *in, sg_arena *arena, sg_plan *out);

/* For the executor: whether the plan sends the message on (an allowed admin
 * forward, redirect or notification) or answers the sender (bounce, MDN). */
bool sg_plan_sends(const sg_result *result, const sg_plan *plan);

/* Internal to the plan stage (engine/enforce/plan_local.c): the local copies
 * and the implicit keep's last word. */
void sg_plan_local(const sg_result *result, const sg_plan_input *in, sg_arena *arena, sg_plan *out);

#endif
