/* policy_print.c - `sievegate policy`: the policy and its parts as text
 * and as JSON (show, and what each change prints). See policy_cli.h. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/json.h"
#include "cli/policy_cli.h"
#include "policy/decide.h"
#include "store/audit.h"
#include "store/policy_snapshot_file.h"
#include "store/policy_source.h"
#include "store/policy_store.h"

/* ------------------------------------------------------------- printing */

const char *pol_yesno(bool b)
{
    return b ? "yes" : "no";
}

const char *pol_json_bool(bool b)
{
    return b ? "true" : "false";
}

/* The mode in force: `automatic` means the org's automatic_means (policy.md). */
sg_fwd_mode pol_effective_mode(sg_fwd_mode mode, const sg_org_settings *org)
{
    return mode == SG_MODE_AUTOMATIC ? org->automatic_means : mode;
}

void pol_text_list(FILE *out, const char *label, const sg_strlist *l)
{
    if (!l->count)
        return;
    fprintf(out, ", %s", label);
    for (size_t i = 0; i < l->count; i++)
        fprintf(out, " %s", l->items[i]);
}

/* "priority 0, mode on, users a@x b@x, exclude-domains y" (no name). */
void pol_policy_text_fields(FILE *out, const sg_outbound_policy *op, const sg_org_settings *org)
{
    if (!op->is_default)
        fprintf(out, "priority %d, ", op->priority);
    fprintf(out, "mode %s", sg_fwd_mode_name(op->mode));
    if (op->mode == SG_MODE_AUTOMATIC)
        fprintf(out, " (%s)", sg_fwd_mode_name(pol_effective_mode(op->mode, org)));
    if (!op->enabled)
        fputs(", disabled", out);
    if (!op->users.count && !op->groups.count && !op->domains.count)
        fputs(", everyone", out);
    pol_text_list(out, "users", &op->users);
    pol_text_list(out, "groups", &op->groups);
    pol_text_list(out, "domains", &op->domains);
    pol_text_list(out, "exclude-users", &op->exclude_users);
    pol_text_list(out, "exclude-groups", &op->exclude_groups);
    pol_text_list(out, "exclude-domains", &op->exclude_domains);
}

void pol_remote_text_fields(FILE *out, const sg_remote_domain *rd)
{
    fprintf(out, "auto-forward %s, auto-reply %s, ndr %s, internal %s", pol_yesno(rd->auto_forward),
            pol_yesno(rd->auto_reply), pol_yesno(rd->ndr), pol_yesno(rd->is_internal));
}

void pol_accepted_text(FILE *out, const sg_accepted_domain *a)
{
    fprintf(out, "%s%s", a->name, a->match_subdomains ? " (and subdomains)" : "");
}

void pol_group_text_fields(FILE *out, const sg_group *g)
{
    if (!g->members.count)
        fputs("no members", out);
    for (size_t i = 0; i < g->members.count; i++)
        fprintf(out, "%s%s", i ? " " : "", g->members.items[i]);
}

void pol_json_list(FILE *out, const char *key, const sg_strlist *l)
{
    fprintf(out, ", \"%s\": [", key);
    for (size_t i = 0; i < l->count; i++) {
        if (i)
            fputs(", ", out);
        sg_json_string(out, l->items[i]);
    }
    fputc(']', out);
}

void pol_json_opt_string(FILE *out, const char *s)
{
    if (s)
        sg_json_string(out, s);
    else
        fputs("null", out);
}

void pol_policy_json(FILE *out, const sg_outbound_policy *op, const sg_org_settings *org)
{
    fputs("{\"name\": ", out);
    sg_json_string(out, op->name);
    fprintf(out, ", \"default\": %s, \"enabled\": %s, \"priority\": ", pol_json_bool(op->is_default),
            pol_json_bool(op->enabled));
    if (op->is_default)
        fputs("null", out);
    else
        fprintf(out, "%d", op->priority);
    fprintf(out, ", \"mode\": \"%s\", \"effective_mode\": \"%s\"", sg_fwd_mode_name(op->mode),
            sg_fwd_mode_name(pol_effective_mode(op->mode, org)));
    pol_json_list(out, "users", &op->users);
    pol_json_list(out, "groups", &op->groups);
    pol_json_list(out, "domains", &op->domains);
    pol_json_list(out, "exclude_users", &op->exclude_users);
    pol_json_list(out, "exclude_groups", &op->exclude_groups);
    pol_json_list(out, "exclude_domains", &op->exclude_domains);
    fputc('}', out);
}

void pol_accepted_json(FILE *out, const sg_accepted_domain *a)
{
    fputs("{\"name\": ", out);
    sg_json_string(out, a->name);
    fprintf(out, ", \"match_subdomains\": %s}", pol_json_bool(a->match_subdomains));
}

void pol_remote_json(FILE *out, const sg_remote_domain *rd)
{
    fputs("{\"pattern\": ", out);
    sg_json_string(out, rd->pattern);
    fprintf(out, ", \"auto_forward\": %s, \"auto_reply\": %s, \"ndr\": %s, \"is_internal\": %s}",
            pol_json_bool(rd->auto_forward), pol_json_bool(rd->auto_reply), pol_json_bool(rd->ndr), pol_json_bool(rd->is_internal));
}

void pol_group_json(FILE *out, const sg_group *g)
{
    fputs("{\"name\": ", out);
    sg_json_string(out, g->name);
    pol_json_list(out, "members", &g->members);
    fputc('}', out);
}

void pol_org_json(FILE *out, const sg_org_settings *org)
{
    fprintf(out,
            "{\"automatic_means\": \"%s\", \"bounce_internal_senders\": %s, \"bounce_rate_period\": %lu, "
            "\"max_forward_hops\": %u}",
            sg_fwd_mode_name(org->automatic_means), pol_json_bool(org->bounce_internal_senders),
            org->bounce_rate_period, org->max_forward_hops);
}

const char *const pol_org_keys[POL_ORG_KEYS] = {"automatic_means", "bounce_internal_senders",
                                                "bounce_rate_period", "max_forward_hops"};

void pol_org_value_text(FILE *out, const sg_org_settings *org, size_t key)
{
    switch (key) {
    case 0: fputs(sg_fwd_mode_name(org->automatic_means), out); break;
    case 1: fputs(pol_yesno(org->bounce_internal_senders), out); break;
    case 2: fprintf(out, "%lu", org->bounce_rate_period); break;
    default: fprintf(out, "%u", org->max_forward_hops); break;
    }
}

/* ----------------------------------------------------------------- show */

void pol_show_text(FILE *out, const sg_policy *p)
{
    fprintf(out, "generation %" PRIu64 "\n", p->generation);
    fputs(p->naccepted ? "accepted domains:\n" : "accepted domains: none\n", out);
    for (size_t i = 0; i < p->naccepted; i++) {
        fputs("  ", out);
        pol_accepted_text(out, &p->accepted[i]);
        fputc('\n', out);
    }
    fputs("outbound policies:\n", out);
    for (size_t i = 0; i < p->npolicies; i++) {
        fprintf(out, "  %s: ", p->policies[i].name);
        pol_policy_text_fields(out, &p->policies[i], &p->org);
        fputc('\n', out);
    }
    fputs("remote domains:\n", out);
    for (size_t i = 0; i < p->nremote; i++) {
        fprintf(out, "  %s: ", p->remote[i].pattern);
        pol_remote_text_fields(out, &p->remote[i]);
        fputc('\n', out);
    }
    fputs(p->ngroups ? "groups:\n" : "groups: none\n", out);
    for (size_t i = 0; i < p->ngroups; i++) {
        fprintf(out, "  %s: ", p->groups[i].name);
        pol_group_text_fields(out, &p->groups[i]);
        fputc('\n', out);
    }
    fputs("org settings:\n", out);
    for (size_t k = 0; k < POL_ORG_KEYS; k++) {
        fprintf(out, "  %s ", pol_org_keys[k]);
        pol_org_value_text(out, &p->org, k);
        fputc('\n', out);
    }
}

void pol_show_json(FILE *out, const sg_policy *p)
{
    fprintf(out, "{\"generation\": %" PRIu64 ", \"accepted_domains\": [", p->generation);
    for (size_t i = 0; i < p->naccepted; i++) {
        fputs(i ? ", " : "", out);
        pol_accepted_json(out, &p->accepted[i]);
    }
    fputs("], \"policies\": [", out);
    for (size_t i = 0; i < p->npolicies; i++) {
        fputs(i ? ", " : "", out);
        pol_policy_json(out, &p->policies[i], &p->org);
    }
    fputs("], \"remote_domains\": [", out);
    for (size_t i = 0; i < p->nremote; i++) {
        fputs(i ? ", " : "", out);
        pol_remote_json(out, &p->remote[i]);
    }
    fputs("], \"groups\": [", out);
    for (size_t i = 0; i < p->ngroups; i++) {
        fputs(i ? ", " : "", out);
        pol_group_json(out, &p->groups[i]);
    }
    fputs("], \"org\": ", out);
    pol_org_json(out, &p->org);
    fputs("}\n", out);
}


void pol_print_generation(FILE *out, const sg_policy *after)
{
    fprintf(out, " (generation %" PRIu64 ")\n", after->generation);
}

/* {"generation": N, "action": "...", "KIND": */
void pol_json_change_head(FILE *out, const sg_policy *after, const char *action, const char *kind)
{
    fprintf(out, "{\"generation\": %" PRIu64 ", \"action\": \"%s\", \"%s\": ", after->generation, action, kind);
}
