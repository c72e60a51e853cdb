/* execute.c - see execute.h. */
#include "engine/deliver/execute.h"

#include "engine/deliver/local.h"
#include "engine/deliver/outgoing.h"
#include "engine/deliver/tracker.h"
#include "engine/enforce/audit.h"

static void audit_warn(void *ctx, const char *line)
{
    sg_dctx_log(ctx, SG_LOG_ERR, "%s", line);
}

sg_delivery_status sg_execute(sg_dctx *d, const sg_result *r, const sg_plan *plan, const sg_policy *policy,
                              const sg_execute_options *opt)
{
    sg_plan_audit_request ar = {d->config, d->host->audit, d->owner, d->message_id, (int64_t)d->now,
                                audit_warn, d};
    sg_plan_audit(&ar, r, plan);
    d->blocked += plan->admin && plan->admin_decision.verdict != SG_FWD_ALLOW;
    for (size_t i = 0; i < r->count; i++)
        d->blocked += plan->decided[i] && plan->decisions[i].verdict != SG_FWD_ALLOW;
    if (plan->tempfail) {
        /* architecture.md: decide nothing on a guess; nothing has been done yet. */
        sg_dctx_log(d, SG_LOG_ERR, "delivery deferred: %s", plan->unavailable_reason);
        return SG_DELIVERY_TEMPFAIL;
    }
    const sg_action *reject = sg_result_find(r, SG_ACT_REJECT);
    if (reject && opt->reject_refuses)
        return SG_DELIVERY_REJECTED; /* dovecot-lda -e: the MTA bounces with the reason */
    /* Before anything is sent: these are tracked, so a retry never sends twice. */
    if (opt->outgoing && sg_plan_sends(r, plan) && !sg_dctx_state(d)) {
        sg_dctx_log(d, SG_LOG_ERR, "forwarding deferred: the per-user state (duplicate tracker) is unavailable");
        return SG_DELIVERY_TEMPFAIL;
    }
    sg_delivery_status status = SG_DELIVERY_DONE;
    if (opt->outgoing && !sg_send_outgoing(d, r, plan, policy))
        status = SG_DELIVERY_TEMPFAIL;
    if (status == SG_DELIVERY_DONE && opt->local && !sg_store_locally(d, r, plan))
        status = SG_DELIVERY_TEMPFAIL;
    if (status == SG_DELIVERY_DONE && opt->local)
        sg_dctx_record_duplicates(d, r);
    sg_store_fcc(d); /* whatever happened after: those messages have gone out */
    return status;
}
