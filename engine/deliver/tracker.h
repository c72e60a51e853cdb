/* tracker.h - what one delivery keeps in (and asks of) the per-user state
 * (store/user_state.h): the "duplicate" test's tracking list (RFC 7352), the
 * forward tracker (policy.md step 2: the same copy is not sent twice within
 * 12 h, claimed before it is sent so that a retry or a concurrent delivery
 * never sends it twice), vacation's response tracking (RFC 5230 §4.2) and the
 * bounce-rate tracker.
 *
 * Takes: the delivery context. Returns: the keys, the read-only answers the
 * plan asks for (sg_dctx_plan_input), and the records made after success.
 */
#ifndef SG_DELIVER_TRACKER_H
#define SG_DELIVER_TRACKER_H

#include <stdbool.h>

#include "engine/core/interp.h"
#include "engine/core/result.h"
#include "engine/deliver/context.h"
#include "engine/enforce/plan.h"

#define SG_FORWARD_PERIOD (12 * 3600) /* policy.md step 2: the same copy is not sent twice within 12 h */
#define SG_CLAIM_LEASE 600            /* user_state.h: a claim held while the copy is being sent */

/* RFC 7352: the "duplicate" test's tracking list. A store that cannot answer
 * answers "not seen": never a false duplicate. */
sg_duplicate_tracker sg_dctx_duplicate_tracker(sg_dctx *d);

/* RFC 7352 §3: the ids are recorded only once the delivery succeeded, so a
 * delivery that is deferred and retried does not see itself. */
void sg_dctx_record_duplicates(sg_dctx *d, const sg_result *r);

/* The forward tracker's key: Message-ID + target. A notification about the
 * message is another mail than the message itself ("notify " before the
 * Message-ID): a redirect and a notify to one address are both sent, once. */
void sg_dctx_forward_key(sg_dctx *d, sg_fwd_mechanism mech, const char *target, sg_state_key *key);

/* RFC 5230 §4.2: vacation's key uses the arguments before variable expansion. */
void sg_dctx_vacation_key(sg_dctx *d, const sg_action *a, sg_state_key *key);

/* What the plan of this delivery is built from: the owner, the envelope,
 * the policy, the mailbox store, lda_mailbox_autocreate and the state's
 * read-only answers (the bounce-rate tracker when the result may forward). */
void sg_dctx_plan_input(sg_dctx *d, const sg_result *r, const sg_policy *policy, sg_unavailable_mode mode,
                        const char *why, sg_plan_input *in);

#endif
