/* audit.c - see audit.h. */
#include "engine/enforce/audit.h"

#include <stdio.h>

#include "store/audit.h"

static void audit_one(const sg_plan_audit_request *req, sg_audit *audit, const sg_plan *plan,
                      const sg_fwd_decision *fd, sg_fwd_mechanism mech)
{
    if (!fd->external)
        return;
    char err[256], line[320];
    sg_audit_record rec = {req->now,
                           req->owner,
                           fd->target,
                           fd->target_domain,
                           sg_fwd_mechanism_name(mech),
                           plan->policy_unavailable ? "policy_unavailable" : sg_fwd_verdict_name(fd->verdict),
                           fd->policy,
                           fd->remote_domain,
                           req->message_id,
                           NULL,
                           NULL};
    if (!sg_audit_record_decision(audit, &rec, err, sizeof err)) {
        snprintf(line, sizeof line, "audit: %s", err);
        req->warn(req->ctx, line);
    }
}

void sg_plan_audit(const sg_plan_audit_request *req, const sg_result *r, const sg_plan *plan)
{
    sg_audit *audit = req->audit;
    char err[256], line[320];
    if (!audit && !sg_audit_open_config(req->config, &audit, err, sizeof err)) {
        snprintf(line, sizeof line, "audit log unavailable: %s", err);
        req->warn(req->ctx, line);
        return;
    }
    if (plan->admin) /* policy.md: mailbox forwarding, apart from the inbox rules */
        audit_one(req, audit, plan, &plan->admin_decision, SG_FWD_ADMIN);
    for (size_t i = 0; i < r->count; i++) {
        if (plan->decided[i])
            audit_one(req, audit, plan, &plan->decisions[i],
                      r->actions[i].copy ? SG_FWD_REDIRECT_COPY : SG_FWD_REDIRECT);
        /* policy.md: every recipient of a notification is a forward target. */
        for (size_t k = 0; k < plan->notify[i].n; k++)
            audit_one(req, audit, plan, &plan->notify[i].rcpts[k].decision, SG_FWD_NOTIFY);
    }
    if (audit != req->audit)
        sg_audit_close(audit);
}
