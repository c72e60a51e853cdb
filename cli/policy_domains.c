/* policy_domains.c - `sievegate policy accepted-domain` and `remote-domain`:
 * each one store transaction, the domain shown as stored (normalised, IDNA
 * A-label). See policy_cli.h. */
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
#include "store/policy_store.h"

/* ------------------------------------------------------ accepted-domain */

typedef struct accepted_args {
    const char *domain;
    bool match_subdomains;
} accepted_args;

static int accepted_option(policy_cli *pc, void *ctx, int opt, char *arg)
{
    (void)pc, (void)opt, (void)arg;
    ((accepted_args *)ctx)->match_subdomains = true;
    return SG_EXIT_OK;
}

static sg_store_status op_add_accepted(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const accepted_args *a = arg;
    return sg_policy_store_add_accepted_domain(s, a->domain, a->match_subdomains, err, errlen);
}

static sg_store_status op_remove_accepted(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    return sg_policy_store_remove_accepted_domain(s, ((const accepted_args *)arg)->domain, err, errlen);
}

static void print_accepted_change(policy_cli *pc, const change *ch, const char *action, const sg_accepted_domain *a)
{
    if (pc->json) {
        pol_json_change_head(stdout, ch->after, action, "accepted_domain");
        pol_accepted_json(stdout, a);
        fputs("}\n", stdout);
    } else {
        printf("%s accepted domain ", action);
        pol_accepted_text(stdout, a);
        pol_print_generation(stdout, ch->after);
    }
}

int pol_cmd_accepted_domain(policy_cli *pc, int argc, char **argv)
{
    static const struct option opts[] = {
        {"match-subdomains", no_argument, NULL, 's'},
        SG_FORMAT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    accepted_args a = {NULL, false};
    int rc = pol_parse_options(pc, argc, argv, opts, accepted_option, &a);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = pol_positional(pc, argc, argv, 2, 2, "add|remove and DOMAIN");
    bool add = rc == SG_EXIT_OK && strcmp(argv[optind], "add") == 0;
    if (rc == SG_EXIT_OK && !add && strcmp(argv[optind], "remove") != 0)
        rc = pol_usage_error(pc, "accepted-domain: unknown action \"%s\" (expected add or remove)", argv[optind], NULL);
    if (rc == SG_EXIT_OK && !add && a.match_subdomains)
        rc = pol_usage_error(pc, "accepted-domain remove takes no --match-subdomains", NULL, NULL);
    if ((rc = pol_ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    a.domain = argv[optind + 1];
    change ch;
    if ((rc = pol_apply(pc, add ? op_add_accepted : op_remove_accepted, &a, &ch)) != SG_EXIT_OK)
        return rc;
    const char *name = pol_stored_form(pc, sg_policy_normalize_domain, a.domain);
    const sg_accepted_domain *was = pol_find_accepted(ch.before, name);
    const sg_accepted_domain *now = pol_find_accepted(ch.after, name);
    sg_accepted_domain gone = {name, false};
    if (add && now)
        print_accepted_change(pc, &ch, was ? "updated" : "added", now);
    else
        print_accepted_change(pc, &ch, "removed", was ? was : &gone);
    pol_change_free(&ch);
    return SG_EXIT_OK;
}

/* -------------------------------------------------------- remote-domain */

typedef struct remote_args {
    const char *pattern;
    bool flags[4];   /* auto_forward, auto_reply, ndr, is_internal */
    bool given[4];
} remote_args;

static int remote_option(policy_cli *pc, void *ctx, int opt, char *arg)
{
    static const char *const names[] = {"--auto-forward", "--auto-reply", "--ndr", "--internal"};
    remote_args *r = ctx;
    int i = opt - '0';
    if (i < 0 || i > 3)
        return SG_EXIT_SOFTWARE;
    r->given[i] = true;
    return pol_parse_yesno(pc, names[i], arg, &r->flags[i]);
}

/* Sets the flags given and keeps the others (the defaults for a new pattern).
 * Reading the current entry and writing the new one are two transactions;
 * two admins changing the same pattern at once is the only race. */
static sg_store_status op_set_remote(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const remote_args *r = arg;
    sg_policy *p;
    sg_store_status st = sg_policy_store_load(s, &p, err, errlen);
    if (st != SG_STORE_OK)
        return st;
    sg_arena *arena = sg_arena_new();
    const char *pattern = r->pattern;
    const char *norm;
    if (sg_policy_normalize_pattern(r->pattern, arena, &norm, err, errlen))
        pattern = norm;
    sg_remote_domain rd;
    const sg_remote_domain *cur = pol_find_remote(p, pattern);
    if (cur)
        rd = *cur;
    else
        sg_remote_domain_default(&rd, NULL);
    rd.pattern = r->pattern; /* the store validates and normalises it */
    bool *fields[4] = {&rd.auto_forward, &rd.auto_reply, &rd.ndr, &rd.is_internal};
    for (size_t i = 0; i < 4; i++)
        if (r->given[i])
            *fields[i] = r->flags[i];
    st = sg_policy_store_put_remote_domain(s, &rd, err, errlen);
    sg_arena_free(arena);
    sg_policy_free(p);
    return st;
}

static sg_store_status op_remove_remote(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    return sg_policy_store_remove_remote_domain(s, ((const remote_args *)arg)->pattern, err, errlen);
}

static void print_remote_change(policy_cli *pc, const change *ch, const char *action, const sg_remote_domain *rd)
{
    if (pc->json) {
        pol_json_change_head(stdout, ch->after, action, "remote_domain");
        pol_remote_json(stdout, rd);
        fputs("}\n", stdout);
    } else if (strcmp(action, "removed") == 0) {
        printf("removed remote domain %s", rd->pattern);
        pol_print_generation(stdout, ch->after);
    } else {
        printf("%s remote domain %s: ", action, rd->pattern);
        pol_remote_text_fields(stdout, rd);
        pol_print_generation(stdout, ch->after);
    }
}

int pol_cmd_remote_domain(policy_cli *pc, int argc, char **argv)
{
    static const struct option opts[] = {
        {"auto-forward", required_argument, NULL, '0'},
        {"auto-reply", required_argument, NULL, '1'},
        {"ndr", required_argument, NULL, '2'},
        {"internal", required_argument, NULL, '3'},
        SG_FORMAT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    remote_args r;
    memset(&r, 0, sizeof r);
    int rc = pol_parse_options(pc, argc, argv, opts, remote_option, &r);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = pol_positional(pc, argc, argv, 2, 2, "set|remove and PATTERN");
    bool set = rc == SG_EXIT_OK && strcmp(argv[optind], "set") == 0;
    if (rc == SG_EXIT_OK && !set && strcmp(argv[optind], "remove") != 0)
        rc = pol_usage_error(pc, "remote-domain: unknown action \"%s\" (expected set or remove)", argv[optind], NULL);
    if (rc == SG_EXIT_OK && set && !r.given[0])
        rc = pol_usage_error(pc, "remote-domain set needs --auto-forward yes|no", NULL, NULL);
    if (rc == SG_EXIT_OK && !set && (r.given[0] || r.given[1] || r.given[2] || r.given[3]))
        rc = pol_usage_error(pc, "remote-domain remove takes no flags", NULL, NULL);
    if ((rc = pol_ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    r.pattern = argv[optind + 1];
    change ch;
    if ((rc = pol_apply(pc, set ? op_set_remote : op_remove_remote, &r, &ch)) != SG_EXIT_OK)
        return rc;
    const char *pattern = pol_stored_form(pc, sg_policy_normalize_pattern, r.pattern);
    const sg_remote_domain *was = pol_find_remote(ch.before, pattern);
    const sg_remote_domain *now = pol_find_remote(ch.after, pattern);
    sg_remote_domain gone;
    sg_remote_domain_default(&gone, pattern);
    if (set && now)
        print_remote_change(pc, &ch, was ? "updated" : "added", now);
    else
        print_remote_change(pc, &ch, "removed", was ? was : &gone);
    pol_change_free(&ch);
    return SG_EXIT_OK;
}
