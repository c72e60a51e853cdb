/* plan_print.h - prints a result (the plan) as the JSON of
 * docs/cli.md or as text for people. */
#ifndef SG_PLAN_PRINT_H
#define SG_PLAN_PRINT_H

#include <stdio.h>

#include "engine/core/interp.h"
#include "engine/deliver/notify_mail.h"
#include "engine/deliver/mdn.h"
#include "engine/enforce/plan.h"
#include "engine/core/result.h"

typedef struct sg_plan_context {
    const sg_envelope *env;
    const sg_plan *plan;     /* the enforcement stage's verdicts and bounce */
    const sg_bounce *bounce; /* the built bounce, when --show-messages asked for it */
    const sg_notify_mail *notifications; /* per result action (data NULL: none), when --show-messages */
    sg_mdn_check mdn_check;  /* a reject's MDN: due, or why none would be sent */
    const sg_mdn *mdn;       /* the built MDN, when --show-messages asked for it */
    bool show_trace;              /* test --trace: print the "trace" array (JSON) */
    const sg_trace_event *trace;  /* the run's events (strings copied) */
    size_t ntrace;
    const char *directory_group; /* the "ldap:" group that put the owner in the deciding policy's scope, or NULL */
} sg_plan_context;

/* One --trace event as a line for people ("line 3, column 4: header: ..."). */
void sg_plan_print_trace_event(FILE *out, const sg_trace_event *ev);

void sg_plan_print_json(FILE *out, const sg_result *r, const sg_plan_context *pc);
void sg_plan_print_text(FILE *out, const sg_result *r, const sg_plan_context *pc);
/* The "errors" array: [{"line", "column", "message", "code"}, ...]. */
void sg_plan_print_json_errors(FILE *out, const sg_diags *d);

#endif
