/* plan_print.h - prints a result (the plan) as the JSON of
 * ../shared/spec/cli.md or as text for people. */
#ifndef SG_PLAN_PRINT_H
#define SG_PLAN_PRINT_H

#include <stdio.h>

#include "../engine/interp.h"
#include "../engine/result.h"

typedef struct sg_plan_context {
    const sg_envelope *env;
    const char *const *local_domains; /* NULL-terminated; a redirect elsewhere is external */
} sg_plan_context;

void sg_plan_print_json(FILE *out, const sg_result *r, const sg_plan_context *pc);
void sg_plan_print_text(FILE *out, const sg_result *r, const sg_plan_context *pc);
/* The "errors" array: [{"line", "column", "message", "code"}, ...]. */
void sg_plan_print_json_errors(FILE *out, const sg_diags *d);

/* Whether an address's domain is outside the local domains. */
int sg_plan_is_external(const char *address, const char *const *local_domains);

#endif
