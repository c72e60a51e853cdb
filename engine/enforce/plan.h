/* plan.h - the policy enforcement stage of the pipeline (architecture.md):
 * the action list of a run + the forwarding policy -> the final plan.
 *
 * Takes: a result (engine/core/result.h), the policy snapshot (or NULL when it
 * could not be read, with the configured policy_unavailable mode), the owner,
 * the envelope sender and the message. Returns: a decision per forward
 * (policy/decide.h, the same function `check -u` and `policy explain` use),
 * the implicit keep as it finally stands (a blocked forward never leaves the
 * message undelivered, RFC 5228 §4.2, policy.md), the targets the one bounce
 * of this message must list and whether it is due, and whether a reject's
 * MDN may be sent (when not, the message is kept). A notify (RFC 5435) with
 * the mailto method is forwarding too (policy.md): each of its recipients gets
 * its own decision, and one that is blocked is dropped from the notification
 * and listed in the bounce like a blocked redirect. Nothing is sent, written or
 * recorded here: `deliver` performs the plan, `test` prints it.
 */
#ifndef SG_PLAN_H
#define SG_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/enforce/bounce.h"
#include "policy/decide.h"
#include "engine/deliver/mdn.h"
#include "engine/mail/message.h"
#include "engine/core/result.h"

typedef struct sg_plan_input {
    const char *owner;           /* local@domain */
    const char *envelope_sender; /* "" for the null sender */
    sg_message *message;
    bool recently_bounced; /* the bounce-rate tracker's answer (policy.md); false in `test` */
    /* The duplicate tracker (policy.md step 2): was this Message-ID already
     * forwarded (or, for SG_FWD_NOTIFY, a notification about it sent) to this
     * target within 12 h? NULL: never (as in `test`). */
    bool (*already_forwarded)(void *tracker, sg_fwd_mechanism mechanism, const char *target);
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

typedef struct sg_plan {
    bool *decided;                /* per result action: a forward with a decision */
    sg_fwd_decision *decisions;   /* per result action */
    sg_plan_notify *notify;       /* per result action: the recipients of a notify (n = 0 for others) */
    bool implicit_keep;           /* after enforcement */
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

void sg_plan_enforce(const sg_policy *policy, sg_unavailable_mode mode, const char *unavailable_reason,
                     const sg_result *result, const sg_plan_input *in, sg_arena *arena, sg_plan *out);

#endif
