/* local.h - the local copies of a plan, last in a delivery (architecture.md,
 * failure rules): every copy of plan->stores written into the Maildir of
 * mail_location as one transaction (engine/deliver/maildir.h), then the
 * messages sent with :fcc (RFC 8580).
 *
 * Takes: the delivery context, the result and its plan. Returns: false when
 * the transaction failed (nothing half-delivered is left; the caller defers
 * the delivery). A copy that cannot be filed with :fcc is logged and never
 * defers: the message it copies has gone out.
 */
#ifndef SG_DELIVER_LOCAL_H
#define SG_DELIVER_LOCAL_H

#include <stdbool.h>

#include "engine/core/result.h"
#include "engine/deliver/context.h"
#include "engine/enforce/plan.h"

bool sg_store_locally(sg_dctx *d, const sg_result *r, const sg_plan *plan);
void sg_store_fcc(sg_dctx *d);

#endif
