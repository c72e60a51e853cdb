/* plan_print.c - see plan_print.h. */
#include "cli/plan_print.h"

#include <string.h>
#include <strings.h>

#include "engine/mail/mailto.h"
#include "base/json.h"


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

static void json_decision(FILE *out, const sg_fwd_decision *d, const sg_plan_context *pc)
{
    json_bool(out, "external", d->external);
    json_field(out, "verdict", sg_fwd_verdict_name(d->verdict));
    json_field(out, "policy", d->policy);
    if (d->status)
        json_field(out, "status", d->status);
    if (d->remote_domain)
        json_field(out, "remote_domain", d->remote_domain);
    json_field(out, "reason", d->reason);
    if (d->verdict == SG_FWD_BLOCK_BOUNCE && pc->plan->bounce != SG_BOUNCE_DUE) {
        json_field(out, "no_bounce", sg_bounce_check_name(pc->plan->bounce));
        json_field(out, "no_bounce_reason", pc->plan->no_bounce_reason);
    }
}

/* cli.md: {"action": "notify", "method", "verdict"}, extended with the other
 * arguments and one policy decision per recipient. */
/* RFC 8580: where a copy of the sent message is filed ("fcc" only when given). */
static void json_fcc(FILE *out, const sg_action *a, const char *skipped)
{
    if (!a->fcc)
        return;
    fputs(", \"fcc\": {\"mailbox\": ", out);
    sg_json_string(out, a->fcc);
    fputs(", \"flags\": ", out);
    json_flags(out, &a->fcc_flags);
    json_bool(out, "create", a->fcc_create);
    if (a->fcc_specialuse)
        json_field(out, "specialuse", a->fcc_specialuse);
    if (skipped)
        json_field(out, "skipped", skipped);
    fputs("}", out);
}

static void json_notify(FILE *out, const sg_action *a, size_t index, const sg_plan_context *pc)
{
    const sg_plan_notify *pn = &pc->plan->notify[index];
    fputs("{\"action\": \"notify\"", out);
    json_field(out, "method", a->method);
    json_field(out, "verdict", sg_plan_notify_verdict(pn));
    json_field(out, "from", a->from);
    json_field(out, "importance", a->importance);
    json_field(out, "message", a->message);
    fputs(", \"options\": [", out);
    for (size_t i = 0; i < a->noptions; i++) {
        if (i)
            fputs(", ", out);
        sg_json_string(out, a->options[i]);
    }
    fputs("]", out);
    if (pn->not_sent)
        json_field(out, "not_sent", pn->not_sent);
    fputs(", \"recipients\": [", out);
    const sg_mailto *m = a->mailto;
    for (size_t k = 0; m && k < m->nrcpts; k++) {
        fputs(k ? ",\n      {" : "\n      {", out);
        fputs("\"address\": ", out);
        sg_json_string(out, m->rcpts[k].address);
        json_field(out, "header", m->rcpts[k].cc ? "cc" : "to");
        if (k < pn->n)
            json_decision(out, &pn->rcpts[k].decision, pc);
        fputs("}", out);
    }
    fputs("]", out);
    const sg_notify_mail *nm = pc->notifications ? &pc->notifications[index] : NULL;
    if (nm && nm->data) {
        fputs(", \"notification\": ", out);
        sg_json_string_n(out, nm->data, nm->len);
    }
    json_fcc(out, a, pc->plan->fcc_skipped[index]);
}

/* "flags_dropped": the flags a Maildir file name cannot hold (plan.h), when any. */
static void json_dropped(FILE *out, const char *dropped)
{
    if (!dropped)
        return;
    fputs(", \"flags_dropped\": [", out);
    for (const char *p = dropped; *p;) {
        size_t n = strcspn(p, " ");
        if (p != dropped)
            fputs(", ", out);
        sg_json_string_n(out, p, n);
        p += n + (p[n] == ' ');
    }
    fputs("]", out);
}

/* The INBOX copy that replaces a skipped keep or fileinto, when it is a copy of its own. */
static const sg_plan_store *fallback_of(const sg_plan *plan, size_t action)
{
    for (size_t k = 0; k < plan->nstores; k++)
        if (plan->stores[k].fallback && plan->stores[k].action == action)
            return &plan->stores[k];
    return NULL;
}

static void json_action(FILE *out, const sg_action *a, size_t index, const sg_plan_context *pc)
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
        if (a->specialuse)
            json_field(out, "specialuse", a->specialuse);
        break;
    case SG_ACT_REDIRECT: {
        const sg_fwd_decision *d = &pc->plan->decisions[index];
        fputs("{\"action\": \"redirect\"", out);
        json_field(out, "address", a->address);
        json_bool(out, "copy", a->copy);
        json_decision(out, d, pc);
        break;
    }
    case SG_ACT_DISCARD:
        fputs("{\"action\": \"discard\"", out);
        break;
    case SG_ACT_REJECT:
        fputs("{\"action\": \"reject\"", out);
        json_field(out, "reason", a->reason);
        json_bool(out, "extended", a->extended);
        /* RFC 5429 §2.2.1: what deliver (without -e) sends; no MDN means the message is kept. */
        json_field(out, "mdn", sg_mdn_check_name(pc->mdn_check));
        if (pc->mdn && pc->mdn_check == SG_MDN_DUE) {
            json_field(out, "to", pc->mdn->envelope_to);
            fputs(", \"message\": ", out);
            sg_json_string_n(out, pc->mdn->data, pc->mdn->len);
        }
        break;
    case SG_ACT_VACATION:
        fputs("{\"action\": \"vacation\"", out);
        json_field(out, "to", pc->env->from);
        json_field(out, "from", a->from);
        json_field(out, "subject", a->subject);
        json_field(out, "reason", a->reason);
        fprintf(out, ", \"seconds\": %llu", a->period_seconds);
        json_bool(out, "mime", a->mime);
        json_fcc(out, a, pc->plan->fcc_skipped[index]);
        break;
    case SG_ACT_NOTIFY:
        json_notify(out, a, index, pc);
        break;
    }
    if (pc->plan->skipped[index])
        json_field(out, "skipped", pc->plan->skipped[index]);
    json_dropped(out, pc->plan->flags_dropped[index]);
    fputs("}", out);
}

/* A bounce-blocked forward is followed by its bounce when one is due (cli.md);
 * the one DSN of the message lists every such target. */
static void json_bounce(FILE *out, const sg_fwd_decision *d, const sg_plan_context *pc, bool *message_shown)
{
    fputs(",\n   {\"action\": \"bounce\"", out);
    json_field(out, "to", pc->env->from);
    json_field(out, "status", "5.7.520");
    json_field(out, "recipient", d->target);
    if (pc->bounce && !*message_shown) {
        fputs(", \"message\": ", out);
        sg_json_string_n(out, pc->bounce->data, pc->bounce->len);
        *message_shown = true;
    }
    fputs("}", out);
}

void sg_plan_print_json(FILE *out, const sg_result *r, const sg_plan_context *pc)
{
    const sg_plan *plan = pc->plan;
    fprintf(out, "{\"implicit_keep\": %s,", plan->implicit_keep ? "true" : "false");
    if (plan->policy_unavailable) {
        fputs("\n \"policy_unavailable\": ", out);
        sg_json_string(out, plan->unavailable_reason ? plan->unavailable_reason : "");
        fprintf(out, ", \"tempfail\": %s,", plan->tempfail ? "true" : "false");
    }
    fputs("\n \"actions\": [", out);
    size_t n = 0;
    bool message_shown = false;
    if (plan->admin) { /* cli.md: the admin mailbox forward, before the script's actions */
        fputs("\n   {\"action\": \"admin-forward\"", out);
        json_field(out, "address", plan->admin->address);
        json_bool(out, "keep_copy", plan->admin->keep_copy);
        json_decision(out, &plan->admin_decision, pc);
        fputs("}", out);
        n++;
        if (plan->admin_decision.verdict == SG_FWD_BLOCK_BOUNCE && plan->bounce == SG_BOUNCE_DUE)
            json_bounce(out, &plan->admin_decision, pc, &message_shown);
    }
    for (size_t i = 0; i < r->count; i++) {
        fputs(n++ ? ",\n   " : "\n   ", out);
        json_action(out, &r->actions[i], i, pc);
        const sg_plan_store *fb = fallback_of(plan, i);
        if (fb) { /* cli.md, "The plan is the delivery": what happens instead */
            fputs(",\n   {\"action\": \"keep\", \"mailbox\": \"INBOX\", \"flags\": ", out);
            json_flags(out, fb->flags);
            fputs(", \"implicit\": true", out);
            json_dropped(out, plan->flags_dropped[i]);
            fputs("}", out);
        }
        const sg_fwd_decision *d = &plan->decisions[i];
        if (plan->decided[i] && d->verdict == SG_FWD_BLOCK_BOUNCE && plan->bounce == SG_BOUNCE_DUE)
            json_bounce(out, d, pc, &message_shown);
        for (size_t k = 0; k < plan->notify[i].n; k++) {
            const sg_fwd_decision *nd = &plan->notify[i].rcpts[k].decision;
            if (nd->verdict == SG_FWD_BLOCK_BOUNCE && plan->bounce == SG_BOUNCE_DUE)
                json_bounce(out, nd, pc, &message_shown);
        }
    }
    if (plan->implicit_keep) {
        fputs(n++ ? ",\n   " : "\n   ", out);
        fputs("{\"action\": \"keep\", \"mailbox\": \"INBOX\", \"flags\": ", out);
        json_flags(out, &r->keep_flags);
        fputs(", \"implicit\": true", out);
        json_dropped(out, plan->keep_flags_dropped);
        fputs("}", out);
    }
    fputs(n ? "\n ],\n" : "],\n", out);
    if (r->nduplicates) {
        /* RFC 7352: what a successful delivery would record in the tracking list. */
        fputs(" \"duplicates\": [", out);
        for (size_t i = 0; i < r->nduplicates; i++) {
            const sg_duplicate_mark *m = &r->duplicates[i];
            fputs(i ? ",\n   {\"id\": " : "\n   {\"id\": ", out);
            sg_json_string_n(out, m->id, m->id_len);
            json_field(out, "handle", m->handle);
            fprintf(out, ", \"seconds\": %llu", m->period_seconds);
            json_bool(out, "last", m->last);
            fputs("}", out);
        }
        fputs("\n ],\n", out);
    }
    if (r->warnings.count) {
        /* Non-fatal runtime problems; the field is there only when there are some. */
        fputs(" \"warnings\": ", out);
        sg_plan_print_json_errors(out, &r->warnings);
        fputs(",\n", out);
    }
    if (pc->show_trace) {
        /* test --trace: what the run did, in order (only with --trace: the contract's JSON is unchanged) */
        fputs(" \"trace\": [", out);
        for (size_t i = 0; i < pc->ntrace; i++) {
            const sg_trace_event *ev = &pc->trace[i];
            static const char *const kinds[] = {"command", "test", "compare", "set"};
            fprintf(out, "%s{\"event\": \"%s\", \"line\": %u, \"column\": %u", i ? ",\n   " : "\n   ",
                    kinds[ev->kind], ev->loc.line, ev->loc.column);
            json_field(out, "name", ev->name);
            if (ev->kind == SG_TRACE_COMPARE || ev->kind == SG_TRACE_SET) {
                fputs(", \"value\": ", out);
                sg_json_string_n(out, ev->value ? ev->value : "", ev->value_len);
            }
            if (ev->kind == SG_TRACE_COMPARE) {
                fputs(", \"key\": ", out);
                sg_json_string_n(out, ev->key ? ev->key : "", ev->key_len);
                json_field(out, "match", ev->match);
                json_field(out, "comparator", ev->comparator);
            }
            if (ev->kind == SG_TRACE_TEST || ev->kind == SG_TRACE_COMPARE)
                json_bool(out, "result", ev->result);
            if (ev->kind == SG_TRACE_TEST && ev->nothing_compared)
                json_bool(out, "no_value", true);
            fputs("}", out);
        }
        fputs(pc->ntrace ? "\n ],\n" : "],\n", out);
    }
    fputs(" \"errors\": ", out);
    sg_plan_print_json_errors(out, &r->errors);
    fputs("}\n", out);
}

/* A value for people: quoted, at most 72 bytes, line breaks shown as \n. */
static void text_value(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n && i < 72; i++) {
        if (s[i] == '\n')
            fputs("\\n", out);
        else if (s[i] == '\r')
            fputs("\\r", out);
        else if (s[i] == '"' || s[i] == '\\')
            fprintf(out, "\\%c", s[i]);
        else
            fputc((unsigned char)s[i] < 0x20 ? '?' : s[i], out);
    }
    fputs(n > 72 ? "\"..." : "\"", out);
}

void sg_plan_print_trace_event(FILE *out, const sg_trace_event *ev)
{
    fprintf(out, "line %u, column %u: ", ev->loc.line, ev->loc.column);
    switch (ev->kind) {
    case SG_TRACE_COMMAND:
        fprintf(out, "%s\n", ev->name);
        break;
    case SG_TRACE_TEST:
        fprintf(out, "%s test: %s%s\n", ev->name, ev->result ? "true" : "false",
                ev->nothing_compared ? " (no value to compare)" : "");
        break;
    case SG_TRACE_COMPARE:
        fprintf(out, "%s: ", ev->name);
        text_value(out, ev->value, ev->value_len);
        fprintf(out, " %s ", ev->match);
        text_value(out, ev->key, ev->key_len);
        fprintf(out, " (%s): %s\n", ev->comparator, ev->result ? "matches" : "does not match");
        break;
    case SG_TRACE_SET:
        fprintf(out, "set ${%s} = ", ev->name);
        text_value(out, ev->value, ev->value_len);
        fputc('\n', out);
        break;
    }
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
        if (g->file) { /* in an included script (RFC 6609) */
            fputs(", \"file\": ", out);
            sg_json_string(out, g->file);
        }
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

/* "notify mailto:..." then one line per recipient, like a redirect's. */
static void text_notify(FILE *out, const sg_action *a, size_t index, const sg_plan_context *pc)
{
    const sg_plan_notify *pn = &pc->plan->notify[index];
    fprintf(out, "notify %s (importance %s)", a->method, a->importance ? a->importance : "2");
    if (a->message)
        fprintf(out, ", message: %s", a->message);
    if (pn->not_sent)
        fprintf(out, "\n  not sent: %s", pn->not_sent);
    else if (pn->n == 0)
        fputs("\n  not sent: no recipients", out);
    for (size_t k = 0; k < pn->n; k++) {
        const sg_plan_recipient *pr = &pn->rcpts[k];
        const sg_fwd_decision *d = &pr->decision;
        fprintf(out, "\n  %s %s (%s): %s", pr->cc ? "cc" : "to", pr->address, d->external ? "external" : "internal",
                d->verdict == SG_FWD_ALLOW ? "allowed" : "not sent");
        if (d->verdict != SG_FWD_ALLOW && d->reason)
            fprintf(out, ", %s", d->reason);
    }
    for (size_t k = 0; k < pn->n; k++) {
        const sg_fwd_decision *d = &pn->rcpts[k].decision;
        if (d->verdict == SG_FWD_BLOCK_BOUNCE && pc->plan->bounce == SG_BOUNCE_DUE)
            fprintf(out, "\nbounce %s to %s for %s", d->status, pc->env->from, d->target);
        else if (d->verdict == SG_FWD_BLOCK_BOUNCE)
            fprintf(out, "\nno bounce: %s", pc->plan->no_bounce_reason);
    }
}

/* "admin forward to ADDRESS [(keep copy)] (external): allowed" and its bounce, like a redirect's lines. */
static void text_decision(FILE *out, const sg_fwd_decision *d, const sg_plan_context *pc)
{
    fprintf(out, " (%s): %s", d->external ? "external" : "internal", d->verdict == SG_FWD_ALLOW ? "allowed" : "not sent");
    if (d->verdict != SG_FWD_ALLOW && d->reason)
        fprintf(out, ", %s", d->reason);
    if (d->external && d->policy && pc->directory_group &&
        (d->verdict == SG_FWD_ALLOW || d->verdict == SG_FWD_BLOCK_BOUNCE))
        fprintf(out, " (policy \"%s\" by directory group %s)", d->policy, pc->directory_group);
    if (d->verdict == SG_FWD_BLOCK_BOUNCE && pc->plan->bounce == SG_BOUNCE_DUE)
        fprintf(out, "\nbounce %s to %s for %s", d->status, pc->env->from, d->target);
    else if (d->verdict == SG_FWD_BLOCK_BOUNCE)
        fprintf(out, "\nno bounce: %s", pc->plan->no_bounce_reason);
}

void sg_plan_print_text(FILE *out, const sg_result *r, const sg_plan_context *pc)
{
    for (size_t i = 0; i < r->errors.count; i++) {
        const char *file = r->errors.items[i].file; /* an included script's (RFC 6609) */
        fprintf(out, "runtime error %s%s%sat line %u, column %u: %s\n", file ? "in " : "", file ? file : "", file ? " " : "",
                r->errors.items[i].loc.line,
                r->errors.items[i].loc.column, r->errors.items[i].message);
    }
    for (size_t i = 0; i < r->warnings.count; i++)
        fprintf(out, "runtime warning at line %u, column %u: %s\n", r->warnings.items[i].loc.line,
                r->warnings.items[i].loc.column, r->warnings.items[i].message);
    if (pc->plan->admin) {
        fprintf(out, "admin forward to %s%s", pc->plan->admin->address, pc->plan->admin->keep_copy ? " (keep copy)" : "");
        text_decision(out, &pc->plan->admin_decision, pc);
        fputc('\n', out);
    }
    for (size_t i = 0; i < r->count; i++) {
        const sg_action *a = &r->actions[i];
        switch (a->kind) {
        case SG_ACT_KEEP:
            fprintf(out, "keep in %s", a->mailbox);
            text_flags(out, &a->flags);
            break;
        case SG_ACT_FILEINTO:
            fprintf(out, "file into %s%s%s%s%s%s", a->mailbox, a->copy ? " (copy)" : "", a->create ? " (create)" : "",
                    a->specialuse ? " (special-use " : "", a->specialuse ? a->specialuse : "", a->specialuse ? ")" : "");
            text_flags(out, &a->flags);
            break;
        case SG_ACT_REDIRECT:
            fprintf(out, "redirect to %s%s", a->address, a->copy ? " (copy)" : "");
            text_decision(out, &pc->plan->decisions[i], pc);
            break;
        case SG_ACT_DISCARD:
            fputs("discard", out);
            break;
        case SG_ACT_REJECT:
            fprintf(out, "%s: %s", a->extended ? "ereject" : "reject", a->reason);
            if (pc->mdn_check == SG_MDN_DUE)
                fprintf(out, "\nmdn to %s", pc->env->from);
            else
                fprintf(out, "\nno mdn (%s): the message is kept in INBOX", sg_mdn_check_name(pc->mdn_check));
            break;
        case SG_ACT_VACATION:
            fprintf(out, "vacation reply to %s%s%s%s%s", pc->env->from, a->subject ? ", subject: " : "",
                    a->subject ? a->subject : "", a->fcc ? ", copy filed into " : "", a->fcc ? a->fcc : "");
            break;
        case SG_ACT_NOTIFY:
            text_notify(out, a, i, pc);
            break;
        }
        if (pc->plan->skipped[i])
            fprintf(out, "\n  skipped: %s", pc->plan->skipped[i]);
        if (pc->plan->fcc_skipped[i])
            fprintf(out, "\n  copy not filed: %s", pc->plan->fcc_skipped[i]);
        if (pc->plan->flags_dropped[i])
            fprintf(out, "\n  flags not stored: %s (a Maildir file name holds 26 keywords, IMAP atoms only)",
                    pc->plan->flags_dropped[i]);
        const sg_plan_store *fb = fallback_of(pc->plan, i);
        if (fb) {
            fputs("\nkeep in INBOX (instead)", out);
            text_flags(out, fb->flags);
        }
        fputc('\n', out);
    }
    if (pc->plan->implicit_keep) {
        if (pc->plan->keep_skipped)
            fprintf(out, "the default mailbox is skipped: %s\n", pc->plan->keep_skipped);
        fputs("keep in INBOX (implicit keep)", out);
        text_flags(out, &r->keep_flags);
        if (pc->plan->keep_flags_dropped)
            fprintf(out, "\n  flags not stored: %s (a Maildir file name holds 26 keywords, IMAP atoms only)",
                    pc->plan->keep_flags_dropped);
        fputc('\n', out);
    }
    for (size_t i = 0; i < r->nduplicates; i++) {
        const sg_duplicate_mark *m = &r->duplicates[i];
        fprintf(out, "track%s duplicate %.*s", m->last ? " last" : "", (int)m->id_len, m->id);
        if (m->handle)
            fprintf(out, " with handle %s", m->handle);
        fprintf(out, " for %llu s\n", m->period_seconds);
    }
    if (pc->plan->tempfail)
        fprintf(out, "delivery would be deferred (exit 75): %s\n", pc->plan->unavailable_reason);
    for (size_t i = 0; pc->notifications && i < r->count; i++) {
        const sg_notify_mail *nm = &pc->notifications[i];
        if (!nm->data)
            continue;
        fprintf(out, "--- notification from <%s> to", nm->envelope_from);
        for (size_t k = 0; k < nm->nenvelope_to; k++)
            fprintf(out, " <%s>", nm->envelope_to[k]);
        fprintf(out, " ---\n%.*s", (int)nm->len, nm->data);
    }
    if (pc->bounce)
        fprintf(out, "--- bounce from <> to <%s> ---\n%.*s", pc->bounce->envelope_to, (int)pc->bounce->len,
                pc->bounce->data);
    if (pc->mdn && pc->mdn_check == SG_MDN_DUE)
        fprintf(out, "--- mdn from <> to <%s> ---\n%.*s", pc->mdn->envelope_to, (int)pc->mdn->len, pc->mdn->data);
}
