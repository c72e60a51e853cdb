/* deliver_forward.h - the outgoing half of `deliver` for a message that is
 * already stored, used by `sievegate filter --execute --allow-redirect`.
 *
 * Takes: a result of a run on a stored message, its owner and envelope, and
 * the user's state (the forward tracker). Returns: the plan, enforced exactly
 * as deliver enforces it (the same policy load, the same duplicate tracker,
 * the same audit), after sending the allowed redirects and notifications, each
 * claimed and recorded in the tracker so that filtering the same mail twice
 * sends nothing twice. Filtering stored mail answers nobody: no bounce, no
 * vacation reply, no reject MDN is sent (sieve-filter sends none either).
 */
#ifndef SG_DELIVER_FORWARD_H
#define SG_DELIVER_FORWARD_H

#include <time.h>

#include "engine/core/interp.h"
#include "engine/enforce/plan.h"
#include "policy/policy.h"
#include "store/user_state.h"
#include "cli/cli.h"

typedef struct sg_forward_job {
    const char *user;  /* login name, for the logs */
    const char *owner; /* local@domain: whose policy applies */
    const sg_envelope *env;
    const char *data; /* the message bytes */
    size_t len;
    sg_message *msg;
    sg_arena *arena;
    time_t now;
    sg_user_state *state; /* NULL: nothing allowed is sent (75), as deliver */
    const char *default_mailbox;       /* -m; NULL: the message's own folder */
    const sg_mailbox_store *mailboxes; /* the Maildir the message is in */
    bool autocreate;
} sg_forward_job;

/* Returns 0, or SG_EXIT_TEMPFAIL when the policy says "retry later", the
 * tracker is unavailable or a submission failed (nothing sent twice; the
 * message is to stay where it is). *policy (free with sg_policy_free) lives
 * as long as the plan's decisions. */
int sg_deliver_forwards(sg_cli *cli, const sg_forward_job *job, const sg_result *r, sg_plan *plan,
                        sg_policy **policy);

#endif
