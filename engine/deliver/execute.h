/* execute.h - the executor: carries out a plan (engine/enforce/plan.h), the
 * same plan `sievegate test` prints, and nothing else.
 *
 * Takes: the delivery context, the result and its plan, the policy (the
 * bounce-rate period), and what this front end does: `deliver` and the LMTP
 * server everything; `filter` the outgoing part only when asked
 * (--allow-redirect), and its own refiling instead of new copies.
 * Returns: done, retry later, or rejected (reject_refuses).
 *
 * The all-or-nothing order (architecture.md, failure rules): the audit
 * records of the decisions; nothing at all when the policy says "retry
 * later"; the outgoing messages, each claimed in the per-user state before it
 * is sent and recorded after, so a retry never sends one twice; then the
 * local copies as one Maildir transaction; then, only after success, the
 * "duplicate" ids (RFC 7352 §3); last the :fcc copies of what was sent.
 * Anything that fails before the local copies are committed defers the whole
 * delivery with nothing half-done.
 */
#ifndef SG_DELIVER_EXECUTE_H
#define SG_DELIVER_EXECUTE_H

#include <stdbool.h>

#include "engine/core/result.h"
#include "engine/deliver/context.h"
#include "engine/deliver/delivery.h"
#include "engine/enforce/plan.h"

typedef struct sg_execute_options {
    bool reject_refuses; /* a reject is answered to the MTA (dovecot-lda -e): nothing sent or stored */
    bool outgoing;       /* send what the plan sends */
    bool local;          /* write plan->stores (and record the "duplicate" ids) */
} sg_execute_options;

sg_delivery_status sg_execute(sg_dctx *d, const sg_result *r, const sg_plan *plan, const sg_policy *policy,
                              const sg_execute_options *opt);

#endif
