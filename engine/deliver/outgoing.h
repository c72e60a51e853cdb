/* outgoing.h - what a plan sends, first in a delivery (architecture.md,
 * failure rules): the allowed forwards (redirect, RFC 5228 §4.2), the
 * notifications (RFC 5435/5436), the one 5.7.520 bounce (policy.md), the
 * reject MDN (RFC 5429 §2.2.1) and the vacation reply (RFC 5230).
 *
 * Takes: the delivery context, the result and its plan (only what the plan
 * says is due is sent), and the policy (the bounce-rate period). Returns:
 * false when something that must go could not (the caller defers the whole
 * delivery: nothing stored yet, and what did go is recorded, so the retry
 * does not send it again). A vacation reply that cannot be sent now defers
 * too (it is not lost); one refused for good is logged. The messages sent
 * with :fcc are kept in the context (RFC 8580).
 */
#ifndef SG_DELIVER_OUTGOING_H
#define SG_DELIVER_OUTGOING_H

#include <stdbool.h>

#include "engine/core/result.h"
#include "engine/deliver/context.h"
#include "engine/enforce/plan.h"

bool sg_send_outgoing(sg_dctx *d, const sg_result *r, const sg_plan *plan, const sg_policy *policy);

#endif
