/* plan_print.c - see plan_print.h. */
#include "plan_print.h"

#include <string.h>
#include <strings.h>

#include "json.h"

int sg_plan_is_external(const char *address, const char *const *local_domains)
{
    const char *at = strrchr(address, '@');
    const char *domain = at ? at + 1 : "";
    for (size_t i = 0; local_domains && local_domains[i]; i++)
        if (strcasecmp(domain, local_domains[i]) == 0)
            return 0;
    return 1;
}

static void json_flags(FILE *out, const sg_flags *f)
{
    fputs("[", out);
    for (size_t i = 0; i < f->count; i++) {
        if (i)
            fputs(", ", out);
        sg_json_string(out, f->items[i]);
    }
    fputs("]", out);
}

static void json_bool(FILE *out, const char *key, int value)
{
    fprintf(out, ", \"%s\": %s", key, value ? "true" : "false");
}

static void json_field(FILE *out, const char *key, const char *value)
{
    fprintf(out, ", \"%s\": ", key);
    if (value)
        sg_json_string(out, value);
    else
        fputs("null", out);
}

static void json_action(FILE *out, const sg_action *a, const sg_plan_context *pc)
{
    switch (a->kind) {
    case SG_ACT_KEEP:
        fputs("{\"action\": \"keep\"", out);
        json_field(out, "mailbox", a->mailbox);
        fputs(", \"flags\": ", out);
        json_flags(out, &a->flags);
        json_bool(out, "implicit", 0);
        break;
    case SG_ACT_FILEINTO:
        fputs("{\"action\": \"fileinto\"", out);
        json_field(out, "mailbox", a->mailbox);
        fputs(", \"flags\": ", out);
        json_flags(out, &a->flags);
        json_bool(out, "copy", a->copy);
        json_bool(out, "create", a->create);
        break;
    case SG_ACT_REDIRECT:
        fputs("{\"action\": \"redirect\"", out);
        json_field(out, "address", a->address);
        json_bool(out, "copy", a->copy);
        json_bool(out, "external", sg_plan_is_external(a->address, pc->local_domains));
        /* Until the forwarding policy is enforced (issue 5) every redirect is allowed. */
        fputs(", \"verdict\": \"allow\", \"policy\": null", out);
        break;
    case SG_ACT_DISCARD:
        fputs("{\"action\": \"discard\"", out);
        break;
    case SG_ACT_REJECT:
        fputs("{\"action\": \"reject\"", out);
        json_field(out, "reason", a->reason);
        json_bool(out, "extended", a->extended);
        break;
    case SG_ACT_VACATION:
        fputs("{\"action\": \"vacation\"", out);
        json_field(out, "to", pc->env->from);
        json_field(out, "from", a->from);
        json_field(out, "subject", a->subject);
        json_field(out, "reason", a->reason);
        fprintf(out, ", \"seconds\": %llu", a->period_seconds);
        json_bool(out, "mime", a->mime);
        break;
    }
    fputs("}", out);
}

void sg_plan_print_json(FILE *out, const sg_result *r, const sg_plan_context *pc)
{
    fprintf(out, "{\"implicit_keep\": %s,\n \"actions\": [", r->implicit_keep ? "true" : "false");
    size_t n = 0;
    for (size_t i = 0; i < r->count; i++) {
        fputs(n++ ? ",\n   " : "\n   ", out);
        json_action(out, &r->actions[i], pc);
    }
    if (r->implicit_keep) {
        fputs(n++ ? ",\n   " : "\n   ", out);
        fputs("{\"action\": \"keep\", \"mailbox\": \"INBOX\", \"flags\": ", out);
        json_flags(out, &r->keep_flags);
        fputs(", \"implicit\": true}", out);
    }
    fputs(n ? "\n ],\n" : "],\n", out);
    fputs(" \"errors\": ", out);
    sg_plan_print_json_errors(out, &r->errors);
    fputs("}\n", out);
}

void sg_plan_print_json_errors(FILE *out, const sg_diags *d)
{
    fputs("[", out);
    for (size_t i = 0; i < d->count; i++) {
        const sg_diag *g = &d->items[i];
        fprintf(out, "%s{\"line\": %u, \"column\": %u, \"message\": ", i ? ", " : "", g->loc.line, g->loc.column);
        sg_json_string(out, g->message);
        fputs(", \"code\": ", out);
        sg_json_string(out, g->code);
        fputs("}", out);
    }
    fputs("]", out);
}

static void text_flags(FILE *out, const sg_flags *f)
{
    if (!f->count)
        return;
    fputs(" flags", out);
    for (size_t i = 0; i < f->count; i++)
        fprintf(out, " %s", f->items[i]);
}

void sg_plan_print_text(FILE *out, const sg_result *r, const sg_plan_context *pc)
{
    for (size_t i = 0; i < r->errors.count; i++)
        fprintf(out, "runtime error at line %u, column %u: %s\n", r->errors.items[i].loc.line,
                r->errors.items[i].loc.column, r->errors.items[i].message);
    for (size_t i = 0; i < r->count; i++) {
        const sg_action *a = &r->actions[i];
        switch (a->kind) {
        case SG_ACT_KEEP:
            fprintf(out, "keep in %s", a->mailbox);
            text_flags(out, &a->flags);
            break;
        case SG_ACT_FILEINTO:
            fprintf(out, "file into %s%s%s", a->mailbox, a->copy ? " (copy)" : "", a->create ? " (create)" : "");
            text_flags(out, &a->flags);
            break;
        case SG_ACT_REDIRECT:
            fprintf(out, "redirect to %s%s (%s, allowed)", a->address, a->copy ? " (copy)" : "",
                    sg_plan_is_external(a->address, pc->local_domains) ? "external" : "internal");
            break;
        case SG_ACT_DISCARD:
            fputs("discard", out);
            break;
        case SG_ACT_REJECT:
            fprintf(out, "%s: %s", a->extended ? "ereject" : "reject", a->reason);
            break;
        case SG_ACT_VACATION:
            fprintf(out, "vacation reply to %s%s%s", pc->env->from, a->subject ? ", subject: " : "",
                    a->subject ? a->subject : "");
            break;
        }
        fputc('\n', out);
    }
    if (r->implicit_keep) {
        fputs("keep in INBOX (implicit keep)", out);
        text_flags(out, &r->keep_flags);
        fputc('\n', out);
    }
}
