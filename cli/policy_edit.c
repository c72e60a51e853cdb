/* policy_edit.c - `sievegate policy init`, `set-default`, `add`, `remove`,
 * `group` and `org`: each one store transaction (the domains are
 * policy_domains.c's). See policy_cli.h. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/json.h"
#include "base/mkdir_p.h"
#include "cli/policy_cli.h"
#include "policy/decide.h"
#include "store/audit.h"
#include "store/policy_snapshot_file.h"
#include "store/policy_source.h"
#include "store/policy_store.h"

static sg_store_status op_set_default(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    return sg_policy_store_set_default_mode(s, *(const sg_fwd_mode *)arg, err, errlen);
}

static int mode_option(policy_cli *pc, void *ctx, int opt, char *arg)
{
    (void)opt;
    sg_fwd_mode *mode = ctx;
    return pol_parse_mode(pc, arg, mode);
}

int pol_cmd_set_default(policy_cli *pc, int argc, char **argv)
{
    static const struct option opts[] = {
        {"mode", required_argument, NULL, 'm'},
        SG_FORMAT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sg_fwd_mode mode = (sg_fwd_mode)-1;
    int rc = pol_parse_options(pc, argc, argv, opts, mode_option, &mode);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = pol_positional(pc, argc, argv, 0, 0, "");
    if (rc == SG_EXIT_OK && mode == (sg_fwd_mode)-1)
        rc = pol_usage_error(pc, "set-default needs --mode automatic|on|off", NULL, NULL);
    if ((rc = pol_ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    change ch;
    if ((rc = pol_apply(pc, op_set_default, &mode, &ch)) != SG_EXIT_OK)
        return rc;
    const sg_outbound_policy *def = &ch.after->policies[0];
    if (pc->json) {
        pol_json_change_head(stdout, ch.after, "updated", "policy");
        pol_policy_json(stdout, def, &ch.after->org);
        fputs("}\n", stdout);
    } else {
        printf("updated policy default: mode %s -> %s", sg_fwd_mode_name(ch.before->policies[0].mode),
               sg_fwd_mode_name(def->mode));
        pol_print_generation(stdout, ch.after);
    }
    pol_change_free(&ch);
    return SG_EXIT_OK;
}

/* ----------------------------------------------------------------- init */

/* Creates DIR and its missing parents (mode 0755), as `mkdir -p`. */
/* `policy init`: a fresh install enforces the documented default instead of
 * deferring every forward: creates the store (and its directory) holding the
 * default policy, mode automatic (external forwarding off). A store that
 * exists is left as it is, so that the .deb's postinst may run it on every
 * upgrade. */
int pol_cmd_init(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_start_plain(pc, argc, argv);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    const char *uri = pol_store_uri(pc);
    if (pol_store_none(pc)) {
        if (pc->json)
            puts("{\"store\": null, \"created\": false}");
        else
            puts("policy_store = none: no store to create (the built-in default policy applies)");
        return SG_EXIT_OK;
    }
    const char *path = sg_policy_store_path(uri);
    bool existed = sg_policy_store_exists(uri);
    if (sg_policy_store_kind(uri) == SG_STORE_KIND_POSTGRESQL) {
        /* the database is the administrator's; the schema is ours to create */
        int from = 0;
        if ((rc = pol_migrate_store(pc, &from)) != SG_EXIT_OK)
            return rc;
        existed = from != 0;
        path = NULL;
    }
    change ch = {NULL, NULL};
    if (!existed) {
        char *dir = sg_xstrdup(path ? path : "");
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            char failed[4096] = "";
            int e = sg_mkdir_p(dir, 0755, failed, sizeof failed);
            if (e != 0) {
                sg_cli_error(&pc->cli, "cannot create the directory %s: %s", failed, strerror(e));
                free(dir);
                return SG_EXIT_CANTCREAT;
            }
        }
        free(dir);
        sg_fwd_mode mode = SG_MODE_AUTOMATIC;
        if ((rc = pol_apply(pc, op_set_default, &mode, &ch)) != SG_EXIT_OK)
            return rc;
    } else {
        /* An existing SQLite store at an older schema (sievegate was
         * upgraded; the package runs init) is upgraded now, so that
         * deliveries, which only read, can read it. */
        int from = 0;
        if (path && access(path, R_OK | W_OK) == 0 && (rc = pol_migrate_store(pc, &from)) != SG_EXIT_OK)
            return rc;
        if ((rc = pol_read_policy(pc, &ch.after)) != SG_EXIT_OK)
            return rc;
    }
    if (pc->json) {
        fputs("{\"store\": ", stdout);
        sg_json_string(stdout, uri);
        printf(", \"created\": %s, \"default_mode\": \"%s\", \"generation\": %" PRIu64 "}\n",
               existed ? "false" : "true", sg_fwd_mode_name(ch.after->policies[0].mode), ch.after->generation);
    } else if (existed) {
        printf("policy store %s exists: left as it is (default mode %s, generation %" PRIu64 ")\n", uri,
               sg_fwd_mode_name(ch.after->policies[0].mode), ch.after->generation);
    } else {
        printf("created policy store %s: default mode automatic (external forwarding off)", uri);
        pol_print_generation(stdout, ch.after);
    }
    pol_change_free(&ch);
    return SG_EXIT_OK;
}

/* --------------------------------------------------------- add, remove */

typedef struct add_args {
    sg_outbound_policy policy;
    bool has_mode, has_priority;
} add_args;

static int add_option(policy_cli *pc, void *ctx, int opt, char *arg)
{
    add_args *a = ctx;
    long long n = 0;
    int rc = SG_EXIT_OK;
    switch (opt) {
    case 'm': rc = pol_parse_mode(pc, arg, &a->policy.mode), a->has_mode = true; break;
    case 'p':
        rc = pol_parse_number(pc, "--priority", arg, INT_MIN, INT_MAX, &n);
        a->policy.priority = (int)n;
        a->has_priority = true;
        break;
    case 'u': pol_add_items(pc, &a->policy.users, arg); break;
    case 'g': pol_add_items(pc, &a->policy.groups, arg); break;
    case 'd': pol_add_items(pc, &a->policy.domains, arg); break;
    case 'U': pol_add_items(pc, &a->policy.exclude_users, arg); break;
    case 'G': pol_add_items(pc, &a->policy.exclude_groups, arg); break;
    case 'D': pol_add_items(pc, &a->policy.exclude_domains, arg); break;
    case 'x': a->policy.enabled = false; break;
    default: rc = SG_EXIT_SOFTWARE;
    }
    return rc;
}

static sg_store_status op_put_policy(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    return sg_policy_store_put_policy(s, arg, err, errlen);
}

int pol_cmd_add(policy_cli *pc, int argc, char **argv)
{
    static const struct option opts[] = {
        {"mode", required_argument, NULL, 'm'},
        {"priority", required_argument, NULL, 'p'},
        {"users", required_argument, NULL, 'u'},
        {"groups", required_argument, NULL, 'g'},
        {"domains", required_argument, NULL, 'd'},
        {"exclude-users", required_argument, NULL, 'U'},
        {"exclude-groups", required_argument, NULL, 'G'},
        {"exclude-domains", required_argument, NULL, 'D'},
        {"disabled", no_argument, NULL, 'x'},
        SG_FORMAT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    add_args a;
    memset(&a, 0, sizeof a);
    a.policy.enabled = true;
    int rc = pol_parse_options(pc, argc, argv, opts, add_option, &a);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = pol_positional(pc, argc, argv, 1, 1, "policy NAME");
    if (rc == SG_EXIT_OK && (!a.has_mode || !a.has_priority))
        rc = pol_usage_error(pc, "add needs %s", !a.has_mode ? "--mode automatic|on|off" : "--priority N", NULL);
    if ((rc = pol_ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    a.policy.name = argv[optind];
    change ch;
    if ((rc = pol_apply(pc, op_put_policy, &a.policy, &ch)) != SG_EXIT_OK)
        return rc;
    const sg_outbound_policy *op = pol_find_policy(ch.after, a.policy.name);
    const char *action = pol_find_policy(ch.before, a.policy.name) ? "replaced" : "added";
    if (!op) {
        sg_cli_error(&pc->cli, "policy \"%s\" was written but is not in the store any more", a.policy.name);
        pol_change_free(&ch);
        return SG_EXIT_TEMPFAIL;
    }
    if (pc->json) {
        pol_json_change_head(stdout, ch.after, action, "policy");
        pol_policy_json(stdout, op, &ch.after->org);
        fputs("}\n", stdout);
    } else {
        printf("%s policy %s: ", action, op->name);
        pol_policy_text_fields(stdout, op, &ch.after->org);
        pol_print_generation(stdout, ch.after);
    }
    pol_change_free(&ch);
    return SG_EXIT_OK;
}

static sg_store_status op_remove_policy(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    return sg_policy_store_remove_policy(s, arg, err, errlen);
}

int pol_cmd_remove(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_parse_options(pc, argc, argv, pol_json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = pol_positional(pc, argc, argv, 1, 1, "policy NAME");
    if ((rc = pol_ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    const char *name = argv[optind];
    change ch;
    if ((rc = pol_apply(pc, op_remove_policy, name, &ch)) != SG_EXIT_OK)
        return rc;
    const sg_outbound_policy *op = pol_find_policy(ch.before, name);
    if (pc->json) {
        pol_json_change_head(stdout, ch.after, "removed", "policy");
        if (op)
            pol_policy_json(stdout, op, &ch.before->org);
        else
            fputs("null", stdout);
        fputs("}\n", stdout);
    } else {
        printf("removed policy %s", op ? op->name : name);
        pol_print_generation(stdout, ch.after);
    }
    pol_change_free(&ch);
    return SG_EXIT_OK;
}

/* ---------------------------------------------------------------- group */

typedef struct group_args {
    const char *name;
    sg_strlist members;
} group_args;

static sg_store_status op_put_group(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const group_args *g = arg;
    return sg_policy_store_put_group(s, g->name, &g->members, err, errlen);
}

static sg_store_status op_remove_group(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    return sg_policy_store_remove_group(s, ((const group_args *)arg)->name, err, errlen);
}

static void print_group_change(policy_cli *pc, const change *ch, const char *action, const sg_group *g)
{
    if (pc->json) {
        pol_json_change_head(stdout, ch->after, action, "group");
        pol_group_json(stdout, g);
        fputs("}\n", stdout);
    } else if (strcmp(action, "removed") == 0) {
        printf("removed group %s", g->name);
        pol_print_generation(stdout, ch->after);
    } else {
        printf("%s group %s: ", action, g->name);
        pol_group_text_fields(stdout, g);
        pol_print_generation(stdout, ch->after);
    }
}

int pol_cmd_group(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_parse_options(pc, argc, argv, pol_json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = pol_positional(pc, argc, argv, 2, -1, "set|remove and NAME");
    bool set = rc == SG_EXIT_OK && strcmp(argv[optind], "set") == 0;
    if (rc == SG_EXIT_OK && !set && strcmp(argv[optind], "remove") != 0)
        rc = pol_usage_error(pc, "group: unknown action \"%s\" (expected set or remove)", argv[optind], NULL);
    if (rc == SG_EXIT_OK && set)
        rc = pol_positional(pc, argc, argv, 3, -1, "MEMBER");
    if (rc == SG_EXIT_OK && !set)
        rc = pol_positional(pc, argc, argv, 2, 2, "NAME");
    if ((rc = pol_ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    group_args g;
    g.name = argv[optind + 1];
    g.members.items = (const char **)(argv + optind + 2);
    g.members.count = set ? (size_t)(argc - optind - 2) : 0;
    change ch;
    if ((rc = pol_apply(pc, set ? op_put_group : op_remove_group, &g, &ch)) != SG_EXIT_OK)
        return rc;
    const sg_group *was = pol_find_group(ch.before, g.name);
    const sg_group *now = pol_find_group(ch.after, g.name);
    sg_group gone = {g.name, {NULL, 0}};
    if (set && now)
        print_group_change(pc, &ch, was ? "replaced" : "added", now);
    else
        print_group_change(pc, &ch, "removed", was ? was : &gone);
    pol_change_free(&ch);
    return SG_EXIT_OK;
}

/* ------------------------------------------------------------------ org */

typedef struct org_args {
    size_t key; /* index in pol_org_keys */
    sg_fwd_mode automatic_means;
    bool flag;
    long long number;
} org_args;

/* Parses VALUE for KEY; a malformed value is a usage error, an out-of-range one the store refuses. */
static int parse_org(policy_cli *pc, const char *key, const char *value, org_args *o)
{
    for (o->key = 0; o->key < POL_ORG_KEYS; o->key++)
        if (strcmp(key, pol_org_keys[o->key]) == 0)
            break;
    switch (o->key) {
    case 0: return pol_parse_mode(pc, value, &o->automatic_means);
    case 1: return pol_parse_yesno(pc, key, value, &o->flag);
    case 2: return pol_parse_number(pc, key, value, 0, LLONG_MAX, &o->number);
    case 3: return pol_parse_number(pc, key, value, 0, UINT_MAX, &o->number);
    default:
        return pol_usage_error(pc,
                           "org: unknown setting \"%s\" (expected automatic_means, bounce_internal_senders, "
                           "bounce_rate_period or max_forward_hops)",
                           key, NULL);
    }
}

/* Changes one setting and keeps the others (read, then write: see op_set_remote). */
static sg_store_status op_set_org(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const org_args *o = arg;
    sg_policy *p;
    sg_store_status st = sg_policy_store_load(s, &p, err, errlen);
    if (st != SG_STORE_OK)
        return st;
    sg_org_settings org = p->org;
    sg_policy_free(p);
    switch (o->key) {
    case 0: org.automatic_means = o->automatic_means; break;
    case 1: org.bounce_internal_senders = o->flag; break;
    case 2: org.bounce_rate_period = (unsigned long)o->number; break;
    default: org.max_forward_hops = (unsigned)o->number; break;
    }
    return sg_policy_store_put_org(s, &org, err, errlen);
}

int pol_cmd_org(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_parse_options(pc, argc, argv, pol_json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = pol_positional(pc, argc, argv, 3, 3, "set KEY VALUE");
    if (rc == SG_EXIT_OK && strcmp(argv[optind], "set") != 0)
        rc = pol_usage_error(pc, "org: unknown action \"%s\" (expected set)", argv[optind], NULL);
    org_args o;
    memset(&o, 0, sizeof o);
    if (rc == SG_EXIT_OK)
        rc = parse_org(pc, argv[optind + 1], argv[optind + 2], &o);
    if ((rc = pol_ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    change ch;
    if ((rc = pol_apply(pc, op_set_org, &o, &ch)) != SG_EXIT_OK)
        return rc;
    if (pc->json) {
        pol_json_change_head(stdout, ch.after, "updated", "org");
        pol_org_json(stdout, &ch.after->org);
        fputs("}\n", stdout);
    } else {
        printf("updated org setting %s: ", pol_org_keys[o.key]);
        pol_org_value_text(stdout, &ch.before->org, o.key);
        fputs(" -> ", stdout);
        pol_org_value_text(stdout, &ch.after->org, o.key);
        pol_print_generation(stdout, ch.after);
    }
    pol_change_free(&ch);
    return SG_EXIT_OK;
}
