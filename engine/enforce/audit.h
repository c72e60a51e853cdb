/* audit.h - the audit records of a plan (policy.md: every decision about an
 * external target is audited, allowed or blocked, for `policy report`).
 *
 * Takes: the result, its plan, who and when (owner, Message-ID, time), the
 * configuration (audit_log and what a PostgreSQL audit needs: store/audit.h).
 * Returns: nothing; each record that cannot be written is
 * reported through `warn` (the delivery goes on: the decision stands).
 */
#ifndef SG_PLAN_AUDIT_H
#define SG_PLAN_AUDIT_H

#include <stdint.h>

#include "base/config.h"
#include "engine/core/result.h"
#include "engine/enforce/plan.h"

typedef struct sg_plan_audit_request {
    const sg_config *config; /* audit_log (unset: syslog), postgresql_password_file, audit_spool_dir, hostname */
    struct sg_audit *audit;  /* one kept open by the caller, or NULL: opened from config for this call */
    const char *owner;
    const char *message_id;
    int64_t now;
    void (*warn)(void *ctx, const char *line);
    void *ctx;
} sg_plan_audit_request;

void sg_plan_audit(const sg_plan_audit_request *req, const sg_result *r, const sg_plan *plan);

#endif
