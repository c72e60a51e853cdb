/* policy.c - `sievegate policy`: administration of the organization's
 * forwarding policy (../shared/spec/cli.md, "sievegate policy";
 * ../shared/spec/policy.md for the model).
 *
 * Takes: `sievegate policy [--config FILE] [-o KEY=VALUE] [--json] SUBCOMMAND
 * ARGS [--json]`; configuration keys policy_store (default
 * SG_DEFAULT_POLICY_STORE) and audit_log. Returns: what changed (text) or the
 * new object (JSON) on stdout, reasons on stderr, and a sysexits.h code:
 * 0 ok, 64 usage, 65 refused input, 66 removing what does not exist,
 * 73 the store cannot be created, 75 store unavailable or locked,
 * 78 configuration error. Every write is one store transaction: a refused
 * or failed write leaves the store as it was.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "policy/decide.h"
#include "base/arena.h"
#include "store/audit.h"
#include "store/policy_store.h"
#include "store/policy_snapshot_file.h"
#include "store/policy_source.h"
#include "cli/cli.h"
#include "base/json.h"

enum { SG_EXIT_CANTCREAT = 73 }; /* EX_CANTCREAT: the store cannot be created */

#define OPT_JSON 'J'

static void usage(FILE *out)
{
    fputs("usage: sievegate policy [--config FILE] [-o KEY=VALUE] [--json] SUBCOMMAND [ARGS]\n"
          "  show                                 the whole policy\n"
          "  explain USER RECIPIENT               the decision for one forward and the rule that made it\n"
          "  set-default --mode automatic|on|off\n"
          "  add NAME --mode MODE --priority N [--users A,..] [--groups G,..] [--domains D,..]\n"
          "          [--exclude-users A,..] [--exclude-groups G,..] [--exclude-domains D,..] [--disabled]\n"
          "  remove NAME\n"
          "  accepted-domain add DOMAIN [--match-subdomains] | accepted-domain remove DOMAIN\n"
          "  remote-domain set PATTERN --auto-forward yes|no [--auto-reply yes|no] [--ndr yes|no]\n"
          "          [--internal yes|no] | remote-domain remove PATTERN\n"
          "  group set NAME MEMBER... | group remove NAME\n"
          "  org set KEY VALUE                    automatic_means, bounce_internal_senders,\n"
          "                                       bounce_rate_period, max_forward_hops\n"
          "  report [--since DATE]                the audit of forwards allowed and blocked\n"
          "  snapshot                             write the store's snapshot file again (deliveries\n"
          "                                       read it instead of the store while it is current)\n"
          "  Every subcommand takes --json. exit: 0 ok, 64 usage, 65 refused input, 66 not found,\n"
          "  73 cannot create the store, 75 store unavailable or locked, 78 configuration error\n",
          out);
}

typedef struct policy_cli {
    sg_cli cli;
    bool json;
    bool help;
    const char *sub; /* the subcommand, for messages */
    sg_arena *arena; /* the command's own strings */
} policy_cli;

/* ------------------------------------------------------------ arguments */

/* Parses a subcommand's options with getopt_long (options may follow the
 * positional arguments). `handle` takes the rest; it returns an exit code. */
typedef int (*opt_handler)(policy_cli *pc, void *ctx, int opt, char *arg);

static int parse_options(policy_cli *pc, int argc, char **argv, const struct option *longopts, opt_handler handle,
                         void *ctx)
{
    int c, rc = SG_EXIT_OK;
    optind = 0; /* full re-initialisation (GNU getopt) for this argv */
    opterr = 0;
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (c == OPT_JSON)
            pc->json = true;
        else if (c == 'h')
            pc->help = true;
        else if (c == ':' || c == '?' || !handle)
            rc = sg_cli_usage_error(&pc->cli, c, argv, usage);
        else
            rc = handle(pc, ctx, c, optarg);
    }
    return rc;
}

static int usage_error(policy_cli *pc, const char *fmt, const char *a, const char *b)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    sg_cli_error(&pc->cli, "%s", msg);
    usage(stderr);
    return SG_EXIT_USAGE;
}

/* Checks the number of positional arguments left after the options. */
static int positional(policy_cli *pc, int argc, char **argv, int min, int max, const char *what)
{
    int n = argc - optind;
    if (n < min)
        return usage_error(pc, "%s: missing %s", pc->sub, what);
    if (max >= 0 && n > max)
        return usage_error(pc, "%s: unexpected argument \"%s\"", pc->sub, argv[optind + max]);
    return SG_EXIT_OK;
}

static int parse_mode(policy_cli *pc, const char *text, sg_fwd_mode *mode)
{
    if (sg_fwd_mode_parse(text, mode))
        return SG_EXIT_OK;
    return usage_error(pc, "unknown mode \"%s\" (expected automatic, on or off)", text, NULL);
}

static int parse_yesno(policy_cli *pc, const char *option, const char *text, bool *value)
{
    if (strcmp(text, "yes") == 0 || strcmp(text, "on") == 0)
        *value = true;
    else if (strcmp(text, "no") == 0 || strcmp(text, "off") == 0)
        *value = false;
    else
        return usage_error(pc, "%s: expected yes or no, not \"%s\"", option, text);
    return SG_EXIT_OK;
}

static int parse_number(policy_cli *pc, const char *option, const char *text, long long min, long long max,
                        long long *value)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < min || v > max)
        return usage_error(pc, "%s: expected a number, not \"%s\"", option, text);
    *value = v;
    return SG_EXIT_OK;
}

/* Appends the comma-separated items of `text` to `list` (in pc->arena). */
static void add_items(policy_cli *pc, sg_strlist *list, const char *text)
{
    size_t len = strlen(text);
    const char **items = sg_arena_alloc(pc->arena, (list->count + len / 2 + 2) * sizeof *items);
    if (list->count)
        memcpy(items, list->items, list->count * sizeof *items);
    for (size_t i = 0; i < len;) {
        while (i < len && (text[i] == ',' || text[i] == ' '))
            i++;
        size_t start = i;
        while (i < len && text[i] != ',')
            i++;
        size_t end = i;
        while (end > start && text[end - 1] == ' ')
            end--;
        if (end > start)
            items[list->count++] = sg_arena_strndup(pc->arena, text + start, end - start);
    }
    list->items = items;
}

/* ---------------------------------------------------------- the store */

static const char *store_uri(const policy_cli *pc)
{
    const char *uri = sg_config_get(pc->cli.config, "policy_store");
    return uri && *uri ? uri : SG_DEFAULT_POLICY_STORE;
}

static int store_exit(sg_store_status st)
{
    switch (st) {
    case SG_STORE_OK: return SG_EXIT_OK;
    case SG_STORE_INVALID: return SG_EXIT_DATAERR;
    case SG_STORE_NOT_FOUND: return SG_EXIT_NOINPUT;
    case SG_STORE_UNAVAILABLE: return SG_EXIT_TEMPFAIL;
    }
    return SG_EXIT_SOFTWARE;
}

static int open_store(policy_cli *pc, bool writable, sg_policy_store **store)
{
    char err[512] = "";
    sg_store_status st = sg_policy_store_open(store_uri(pc), writable, store, err, sizeof err);
    if (st == SG_STORE_OK)
        return SG_EXIT_OK;
    if (st == SG_STORE_INVALID) { /* not a URI we know: the configuration is wrong */
        sg_cli_error(&pc->cli, "configuration error: policy_store: %s", err);
        return SG_EXIT_CONFIG;
    }
    sg_cli_error(&pc->cli, "%s", err);
    return store_exit(st);
}

static int load_policy(policy_cli *pc, sg_policy_store *store, sg_policy **policy)
{
    char err[512] = "";
    sg_store_status st = sg_policy_store_load(store, policy, err, sizeof err);
    if (st == SG_STORE_OK)
        return SG_EXIT_OK;
    sg_cli_error(&pc->cli, "%s", err);
    return store_exit(st);
}

/* Reads the whole policy, read-only (a store that does not exist yet is the default). */
static int read_policy(policy_cli *pc, sg_policy **policy)
{
    sg_policy_store *store;
    int rc = open_store(pc, false, &store);
    if (rc == SG_EXIT_OK) {
        rc = load_policy(pc, store, policy);
        sg_policy_store_close(store);
    }
    return rc;
}

static bool store_file_exists(const policy_cli *pc)
{
    const char *uri = store_uri(pc);
    const char *colon = strchr(uri, ':');
    struct stat sb;
    return colon && stat(colon + 1, &sb) == 0;
}

/* One write: the policy before and after it. */
typedef sg_store_status (*write_op)(sg_policy_store *store, const void *arg, char *err, size_t errlen);

typedef struct change {
    sg_policy *before, *after;
} change;

static void change_free(change *ch)
{
    sg_policy_free(ch->before);
    sg_policy_free(ch->after);
    ch->before = ch->after = NULL;
}

/* Tells the memcached cache (../shared/spec/policy.md, "When the policy cannot
 * be read") that `generation` is the store's new generation, so that every
 * host sees the change at once. */
/* Every host sees a change at once: readers ask the store for the generation
 * first; publishing also puts the new snapshot and generation in memcached. A
 * cache that cannot be reached is not an error, only worth a warning. */
static void notify_cache(const policy_cli *pc, const sg_policy *after)
{
    char err[512] = "";
    if (sg_policy_source_publish(pc->cli.config, after, err, sizeof err) == SG_PUBLISH_FAILED)
        sg_cli_error(&pc->cli, "warning: the memcached cache was not updated: %s", err);
}

/* policy_snapshot_file = yes (the default) and an SQLite store. */
static const char *snapshot_file_path(const policy_cli *pc)
{
    const char *on = sg_config_get(pc->cli.config, "policy_snapshot_file");
    return on && strcmp(on, "no") == 0 ? NULL : sg_policy_store_path(store_uri(pc));
}

/* Deliveries read the snapshot file instead of loading SQLite while it is as
 * fresh as the store (store/policy_snapshot_file.h); when it cannot be
 * written they read the store, so this is a warning, not a failure. */
static void refresh_snapshot_file(const policy_cli *pc, sg_policy_store *store)
{
    const char *path = snapshot_file_path(pc);
    char err[512] = "";
    if (path && !sg_snapshot_file_write(path, store, NULL, err, sizeof err))
        sg_cli_error(&pc->cli, "warning: the policy snapshot file was not updated (deliveries read the store): %s",
                     err);
}

static int write_failed(policy_cli *pc, sg_store_status st, const char *err)
{
    sg_cli_error(&pc->cli, "%s", err);
    /* The store could not be created (its directory is missing or not writable). */
    if (st == SG_STORE_UNAVAILABLE && !store_file_exists(pc))
        return SG_EXIT_CANTCREAT;
    return store_exit(st);
}

static int apply(policy_cli *pc, write_op op, const void *arg, change *ch)
{
    ch->before = ch->after = NULL;
    sg_policy_store *store;
    int rc = open_store(pc, true, &store);
    if (rc != SG_EXIT_OK)
        return rc;
    rc = load_policy(pc, store, &ch->before);
    if (rc == SG_EXIT_OK) {
        char err[512] = "";
        sg_store_status st = op(store, arg, err, sizeof err);
        if (st != SG_STORE_OK)
            rc = write_failed(pc, st, err);
        else
            rc = load_policy(pc, store, &ch->after);
        if (rc == SG_EXIT_OK)
            refresh_snapshot_file(pc, store);
    }
    sg_policy_store_close(store);
    if (rc == SG_EXIT_OK)
        notify_cache(pc, ch->after);
    else
        change_free(ch);
    return rc;
}

/* ------------------------------------------------------------- lookups */

static const sg_outbound_policy *find_policy(const sg_policy *p, const char *name)
{
    for (size_t i = 0; i < p->npolicies; i++)
        if (strcasecmp(p->policies[i].name, name) == 0)
            return &p->policies[i];
    return NULL;
}

static const sg_accepted_domain *find_accepted(const sg_policy *p, const char *name)
{
    for (size_t i = 0; name && i < p->naccepted; i++)
        if (strcmp(p->accepted[i].name, name) == 0)
            return &p->accepted[i];
    return NULL;
}

static const sg_remote_domain *find_remote(const sg_policy *p, const char *pattern)
{
    for (size_t i = 0; pattern && i < p->nremote; i++)
        if (strcmp(p->remote[i].pattern, pattern) == 0)
            return &p->remote[i];
    return NULL;
}

static const sg_group *find_group(const sg_policy *p, const char *name)
{
    for (size_t i = 0; i < p->ngroups; i++)
        if (strcasecmp(p->groups[i].name, name) == 0)
            return &p->groups[i];
    return NULL;
}

/* ------------------------------------------------------------- printing */

static const char *yesno(bool b)
{
    return b ? "yes" : "no";
}

static const char *json_bool(bool b)
{
    return b ? "true" : "false";
}

/* The mode in force: `automatic` means the org's automatic_means (policy.md). */
static sg_fwd_mode effective_mode(sg_fwd_mode mode, const sg_org_settings *org)
{
    return mode == SG_MODE_AUTOMATIC ? org->automatic_means : mode;
}

static void text_list(FILE *out, const char *label, const sg_strlist *l)
{
    if (!l->count)
        return;
    fprintf(out, ", %s", label);
    for (size_t i = 0; i < l->count; i++)
        fprintf(out, " %s", l->items[i]);
}

/* "priority 0, mode on, users a@x b@x, exclude-domains y" (no name). */
static void policy_text_fields(FILE *out, const sg_outbound_policy *op, const sg_org_settings *org)
{
    if (!op->is_default)
        fprintf(out, "priority %d, ", op->priority);
    fprintf(out, "mode %s", sg_fwd_mode_name(op->mode));
    if (op->mode == SG_MODE_AUTOMATIC)
        fprintf(out, " (%s)", sg_fwd_mode_name(effective_mode(op->mode, org)));
    if (!op->enabled)
        fputs(", disabled", out);
    if (!op->users.count && !op->groups.count && !op->domains.count)
        fputs(", everyone", out);
    text_list(out, "users", &op->users);
    text_list(out, "groups", &op->groups);
    text_list(out, "domains", &op->domains);
    text_list(out, "exclude-users", &op->exclude_users);
    text_list(out, "exclude-groups", &op->exclude_groups);
    text_list(out, "exclude-domains", &op->exclude_domains);
}

static void remote_text_fields(FILE *out, const sg_remote_domain *rd)
{
    fprintf(out, "auto-forward %s, auto-reply %s, ndr %s, internal %s", yesno(rd->auto_forward),
            yesno(rd->auto_reply), yesno(rd->ndr), yesno(rd->is_internal));
}

static void accepted_text(FILE *out, const sg_accepted_domain *a)
{
    fprintf(out, "%s%s", a->name, a->match_subdomains ? " (and subdomains)" : "");
}

static void group_text_fields(FILE *out, const sg_group *g)
{
    if (!g->members.count)
        fputs("no members", out);
    for (size_t i = 0; i < g->members.count; i++)
        fprintf(out, "%s%s", i ? " " : "", g->members.items[i]);
}

static void json_list(FILE *out, const char *key, const sg_strlist *l)
{
    fprintf(out, ", \"%s\": [", key);
    for (size_t i = 0; i < l->count; i++) {
        if (i)
            fputs(", ", out);
        sg_json_string(out, l->items[i]);
    }
    fputc(']', out);
}

static void json_opt_string(FILE *out, const char *s)
{
    if (s)
        sg_json_string(out, s);
    else
        fputs("null", out);
}

static void policy_json(FILE *out, const sg_outbound_policy *op, const sg_org_settings *org)
{
    fputs("{\"name\": ", out);
    sg_json_string(out, op->name);
    fprintf(out, ", \"default\": %s, \"enabled\": %s, \"priority\": ", json_bool(op->is_default),
            json_bool(op->enabled));
    if (op->is_default)
        fputs("null", out);
    else
        fprintf(out, "%d", op->priority);
    fprintf(out, ", \"mode\": \"%s\", \"effective_mode\": \"%s\"", sg_fwd_mode_name(op->mode),
            sg_fwd_mode_name(effective_mode(op->mode, org)));
    json_list(out, "users", &op->users);
    json_list(out, "groups", &op->groups);
    json_list(out, "domains", &op->domains);
    json_list(out, "exclude_users", &op->exclude_users);
    json_list(out, "exclude_groups", &op->exclude_groups);
    json_list(out, "exclude_domains", &op->exclude_domains);
    fputc('}', out);
}

static void accepted_json(FILE *out, const sg_accepted_domain *a)
{
    fputs("{\"name\": ", out);
    sg_json_string(out, a->name);
    fprintf(out, ", \"match_subdomains\": %s}", json_bool(a->match_subdomains));
}

static void remote_json(FILE *out, const sg_remote_domain *rd)
{
    fputs("{\"pattern\": ", out);
    sg_json_string(out, rd->pattern);
    fprintf(out, ", \"auto_forward\": %s, \"auto_reply\": %s, \"ndr\": %s, \"is_internal\": %s}",
            json_bool(rd->auto_forward), json_bool(rd->auto_reply), json_bool(rd->ndr), json_bool(rd->is_internal));
}

static void group_json(FILE *out, const sg_group *g)
{
    fputs("{\"name\": ", out);
    sg_json_string(out, g->name);
    json_list(out, "members", &g->members);
    fputc('}', out);
}

static void org_json(FILE *out, const sg_org_settings *org)
{
    fprintf(out,
            "{\"automatic_means\": \"%s\", \"bounce_internal_senders\": %s, \"bounce_rate_period\": %lu, "
            "\"max_forward_hops\": %u}",
            sg_fwd_mode_name(org->automatic_means), json_bool(org->bounce_internal_senders),
            org->bounce_rate_period, org->max_forward_hops);
}

static const char *const org_keys[] = {"automatic_means", "bounce_internal_senders", "bounce_rate_period",
                                       "max_forward_hops"};

static void org_value_text(FILE *out, const sg_org_settings *org, size_t key)
{
    switch (key) {
    case 0: fputs(sg_fwd_mode_name(org->automatic_means), out); break;
    case 1: fputs(yesno(org->bounce_internal_senders), out); break;
    case 2: fprintf(out, "%lu", org->bounce_rate_period); break;
    default: fprintf(out, "%u", org->max_forward_hops); break;
    }
}

/* ----------------------------------------------------------------- show */

static void show_text(FILE *out, const sg_policy *p)
{
    fprintf(out, "generation %" PRIu64 "\n", p->generation);
    fputs(p->naccepted ? "accepted domains:\n" : "accepted domains: none\n", out);
    for (size_t i = 0; i < p->naccepted; i++) {
        fputs("  ", out);
        accepted_text(out, &p->accepted[i]);
        fputc('\n', out);
    }
    fputs("outbound policies:\n", out);
    for (size_t i = 0; i < p->npolicies; i++) {
        fprintf(out, "  %s: ", p->policies[i].name);
        policy_text_fields(out, &p->policies[i], &p->org);
        fputc('\n', out);
    }
    fputs("remote domains:\n", out);
    for (size_t i = 0; i < p->nremote; i++) {
        fprintf(out, "  %s: ", p->remote[i].pattern);
        remote_text_fields(out, &p->remote[i]);
        fputc('\n', out);
    }
    fputs(p->ngroups ? "groups:\n" : "groups: none\n", out);
    for (size_t i = 0; i < p->ngroups; i++) {
        fprintf(out, "  %s: ", p->groups[i].name);
        group_text_fields(out, &p->groups[i]);
        fputc('\n', out);
    }
    fputs("org settings:\n", out);
    for (size_t k = 0; k < sizeof org_keys / sizeof org_keys[0]; k++) {
        fprintf(out, "  %s ", org_keys[k]);
        org_value_text(out, &p->org, k);
        fputc('\n', out);
    }
}

static void show_json(FILE *out, const sg_policy *p)
{
    fprintf(out, "{\"generation\": %" PRIu64 ", \"accepted_domains\": [", p->generation);
    for (size_t i = 0; i < p->naccepted; i++) {
        fputs(i ? ", " : "", out);
        accepted_json(out, &p->accepted[i]);
    }
    fputs("], \"policies\": [", out);
    for (size_t i = 0; i < p->npolicies; i++) {
        fputs(i ? ", " : "", out);
        policy_json(out, &p->policies[i], &p->org);
    }
    fputs("], \"remote_domains\": [", out);
    for (size_t i = 0; i < p->nremote; i++) {
        fputs(i ? ", " : "", out);
        remote_json(out, &p->remote[i]);
    }
    fputs("], \"groups\": [", out);
    for (size_t i = 0; i < p->ngroups; i++) {
        fputs(i ? ", " : "", out);
        group_json(out, &p->groups[i]);
    }
    fputs("], \"org\": ", out);
    org_json(out, &p->org);
    fputs("}\n", out);
}

static const struct option json_only_opts[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Loads the configuration once the arguments are known to be right. */
static int ready(policy_cli *pc, int rc)
{
    return rc != SG_EXIT_OK ? rc : sg_cli_load_config(&pc->cli);
}

static int cmd_show(policy_cli *pc, int argc, char **argv)
{
    int rc = parse_options(pc, argc, argv, json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = positional(pc, argc, argv, 0, 0, "");
    if ((rc = ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    sg_policy *p;
    if ((rc = read_policy(pc, &p)) != SG_EXIT_OK)
        return rc;
    if (pc->json)
        show_json(stdout, p);
    else
        show_text(stdout, p);
    sg_policy_free(p);
    return SG_EXIT_OK;
}

/* `policy snapshot`: writes the snapshot file again, e.g. after a store
 * was restored from a backup or copied in by hand (every change through
 * `sievegate policy` writes it already). */
static int cmd_snapshot(policy_cli *pc, int argc, char **argv)
{
    int rc = parse_options(pc, argc, argv, json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = positional(pc, argc, argv, 0, 0, "");
    if ((rc = ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    const char *path = snapshot_file_path(pc);
    if (!path) {
        sg_cli_error(&pc->cli, "configuration error: no snapshot file: policy_snapshot_file = no, or the "
                               "policy store is not an sqlite: store");
        return SG_EXIT_CONFIG;
    }
    if (!sg_policy_store_exists(store_uri(pc))) {
        sg_cli_error(&pc->cli, "policy store %s does not exist (create it with a change, e.g. `sievegate policy "
                               "accepted-domain add DOMAIN`)", store_uri(pc));
        return SG_EXIT_NOINPUT;
    }
    sg_policy_store *store;
    if ((rc = open_store(pc, false, &store)) != SG_EXIT_OK)
        return rc;
    char err[512] = "";
    uint64_t generation = 0;
    bool ok = sg_snapshot_file_write(path, store, &generation, err, sizeof err);
    int e = errno; /* sg_snapshot_file_write leaves the failing call's errno */
    sg_policy_store_close(store);
    if (!ok) {
        sg_cli_error(&pc->cli, "%s", err);
        return e == EACCES || e == EPERM || e == EROFS || e == ENOSPC ? SG_EXIT_CANTCREAT : SG_EXIT_TEMPFAIL;
    }
    char file[4096];
    snprintf(file, sizeof file, "%s.snapshot", path);
    if (pc->json) {
        fputs("{\"snapshot_file\": ", stdout);
        sg_json_string(stdout, file);
        printf(", \"generation\": %" PRIu64 "}\n", generation);
    } else {
        printf("Wrote %s (generation %" PRIu64 ")\n", file, generation);
    }
    return SG_EXIT_OK;
}

/* -------------------------------------------------------------- explain */

/* Which rule decided, from the decision (policy.md, "Decision for one forward"). */
static const char *decided_by(const sg_fwd_decision *d)
{
    switch (d->verdict) {
    case SG_FWD_INVALID: return "invalid-target";
    case SG_FWD_SKIP: return "loop-or-duplicate";
    case SG_FWD_BLOCK_BOUNCE: return "policy";
    case SG_FWD_BLOCK_SILENT: return "remote-domain";
    case SG_FWD_ALLOW: return d->external ? "policy" : "internal";
    }
    return "unknown";
}

static void explain_rule_text(FILE *out, const sg_fwd_decision *d)
{
    const char *by = decided_by(d);
    if (strcmp(by, "policy") == 0)
        fprintf(out, "policy \"%s\"", d->policy ? d->policy : "?");
    else if (strcmp(by, "remote-domain") == 0)
        fprintf(out, "remote domain \"%s\"", d->remote_domain ? d->remote_domain : "?");
    else if (strcmp(by, "internal") == 0)
        fputs("internal target (never restricted)", out);
    else if (strcmp(by, "loop-or-duplicate") == 0)
        fputs("loop and duplicate checks", out);
    else
        fputs("target address check", out);
}

static void explain_text(FILE *out, const char *owner, const char *target, const sg_fwd_decision *d)
{
    fprintf(out, "owner %s, target %s\n", owner, target);
    for (size_t i = 0; i < d->nsteps && i < SG_FWD_MAX_STEPS; i++) /* numbered by enforce */
        fprintf(out, "%s\n", d->steps[i] ? d->steps[i] : "");
    fprintf(out, "verdict: %s", sg_fwd_verdict_name(d->verdict));
    if (d->status)
        fprintf(out, " (%s)", d->status);
    fputs(", decided by ", out);
    explain_rule_text(out, d);
    fputc('\n', out);
    if (d->reason)
        fprintf(out, "reason: %s\n", d->reason);
}

static void explain_json(FILE *out, const char *owner, const char *target, const sg_fwd_decision *d)
{
    fputs("{\"owner\": ", out);
    sg_json_string(out, owner);
    fputs(", \"target\": ", out);
    sg_json_string(out, target);
    fputs(", \"normalized_target\": ", out);
    json_opt_string(out, d->target);
    fputs(", \"target_domain\": ", out);
    json_opt_string(out, d->target_domain);
    fprintf(out, ", \"external\": %s, \"verdict\": \"%s\", \"status\": ", json_bool(d->external),
            sg_fwd_verdict_name(d->verdict));
    json_opt_string(out, d->status);
    fprintf(out, ", \"decided_by\": \"%s\", \"policy\": ", decided_by(d));
    json_opt_string(out, d->policy);
    fputs(", \"remote_domain\": ", out);
    json_opt_string(out, d->remote_domain);
    fputs(", \"reason\": ", out);
    json_opt_string(out, d->reason);
    fputs(", \"steps\": [", out);
    for (size_t i = 0; i < d->nsteps && i < SG_FWD_MAX_STEPS; i++) {
        fputs(i ? ", " : "", out);
        sg_json_string(out, d->steps[i] ? d->steps[i] : "");
    }
    fputs("]}\n", out);
}

static int cmd_explain(policy_cli *pc, int argc, char **argv)
{
    int rc = parse_options(pc, argc, argv, json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = positional(pc, argc, argv, 2, 2, "USER and RECIPIENT");
    if ((rc = ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    const char *owner = argv[optind], *target = argv[optind + 1];
    sg_policy *p;
    if ((rc = read_policy(pc, &p)) != SG_EXIT_OK)
        return rc;
    sg_fwd_request req;
    memset(&req, 0, sizeof req);
    req.owner = owner;
    req.target = target;
    req.mechanism = SG_FWD_REDIRECT;
    sg_fwd_decision d;
    memset(&d, 0, sizeof d);
    sg_fwd_decide(p, &req, pc->arena, &d);
    if (pc->json)
        explain_json(stdout, owner, target, &d);
    else
        explain_text(stdout, owner, target, &d);
    sg_policy_free(p);
    return SG_EXIT_OK;
}

/* ---------------------------------------------------------- set-default */

static void print_generation(FILE *out, const sg_policy *after)
{
    fprintf(out, " (generation %" PRIu64 ")\n", after->generation);
}

/* {"generation": N, "action": "...", "KIND": */
static void json_change_head(FILE *out, const sg_policy *after, const char *action, const char *kind)
{
    fprintf(out, "{\"generation\": %" PRIu64 ", \"action\": \"%s\", \"%s\": ", after->generation, action, kind);
}

static sg_store_status op_set_default(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    return sg_policy_store_set_default_mode(s, *(const sg_fwd_mode *)arg, err, errlen);
}

static int mode_option(policy_cli *pc, void *ctx, int opt, char *arg)
{
    (void)opt;
    sg_fwd_mode *mode = ctx;
    return parse_mode(pc, arg, mode);
}

static int cmd_set_default(policy_cli *pc, int argc, char **argv)
{
    static const struct option opts[] = {
        {"mode", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sg_fwd_mode mode = (sg_fwd_mode)-1;
    int rc = parse_options(pc, argc, argv, opts, mode_option, &mode);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = positional(pc, argc, argv, 0, 0, "");
    if (rc == SG_EXIT_OK && mode == (sg_fwd_mode)-1)
        rc = usage_error(pc, "set-default needs --mode automatic|on|off", NULL, NULL);
    if ((rc = ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    change ch;
    if ((rc = apply(pc, op_set_default, &mode, &ch)) != SG_EXIT_OK)
        return rc;
    const sg_outbound_policy *def = &ch.after->policies[0];
    if (pc->json) {
        json_change_head(stdout, ch.after, "updated", "policy");
        policy_json(stdout, def, &ch.after->org);
        fputs("}\n", stdout);
    } else {
        printf("updated policy default: mode %s -> %s", sg_fwd_mode_name(ch.before->policies[0].mode),
               sg_fwd_mode_name(def->mode));
        print_generation(stdout, ch.after);
    }
    change_free(&ch);
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
    case 'm': rc = parse_mode(pc, arg, &a->policy.mode), a->has_mode = true; break;
    case 'p':
        rc = parse_number(pc, "--priority", arg, INT_MIN, INT_MAX, &n);
        a->policy.priority = (int)n;
        a->has_priority = true;
        break;
    case 'u': add_items(pc, &a->policy.users, arg); break;
    case 'g': add_items(pc, &a->policy.groups, arg); break;
    case 'd': add_items(pc, &a->policy.domains, arg); break;
    case 'U': add_items(pc, &a->policy.exclude_users, arg); break;
    case 'G': add_items(pc, &a->policy.exclude_groups, arg); break;
    case 'D': add_items(pc, &a->policy.exclude_domains, arg); break;
    case 'x': a->policy.enabled = false; break;
    default: rc = SG_EXIT_SOFTWARE;
    }
    return rc;
}

static sg_store_status op_put_policy(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    return sg_policy_store_put_policy(s, arg, err, errlen);
}

static int cmd_add(policy_cli *pc, int argc, char **argv)
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
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    add_args a;
    memset(&a, 0, sizeof a);
    a.policy.enabled = true;
    int rc = parse_options(pc, argc, argv, opts, add_option, &a);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = positional(pc, argc, argv, 1, 1, "policy NAME");
    if (rc == SG_EXIT_OK && (!a.has_mode || !a.has_priority))
        rc = usage_error(pc, "add needs %s", !a.has_mode ? "--mode automatic|on|off" : "--priority N", NULL);
    if ((rc = ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    a.policy.name = argv[optind];
    change ch;
    if ((rc = apply(pc, op_put_policy, &a.policy, &ch)) != SG_EXIT_OK)
        return rc;
    const sg_outbound_policy *op = find_policy(ch.after, a.policy.name);
    const char *action = find_policy(ch.before, a.policy.name) ? "replaced" : "added";
    if (!op) {
        sg_cli_error(&pc->cli, "policy \"%s\" was written but is not in the store any more", a.policy.name);
        change_free(&ch);
        return SG_EXIT_TEMPFAIL;
    }
    if (pc->json) {
        json_change_head(stdout, ch.after, action, "policy");
        policy_json(stdout, op, &ch.after->org);
        fputs("}\n", stdout);
    } else {
        printf("%s policy %s: ", action, op->name);
        policy_text_fields(stdout, op, &ch.after->org);
        print_generation(stdout, ch.after);
    }
    change_free(&ch);
    return SG_EXIT_OK;
}

static sg_store_status op_remove_policy(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    return sg_policy_store_remove_policy(s, arg, err, errlen);
}

static int cmd_remove(policy_cli *pc, int argc, char **argv)
{
    int rc = parse_options(pc, argc, argv, json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = positional(pc, argc, argv, 1, 1, "policy NAME");
    if ((rc = ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    const char *name = argv[optind];
    change ch;
    if ((rc = apply(pc, op_remove_policy, name, &ch)) != SG_EXIT_OK)
        return rc;
    const sg_outbound_policy *op = find_policy(ch.before, name);
    if (pc->json) {
        json_change_head(stdout, ch.after, "removed", "policy");
        if (op)
            policy_json(stdout, op, &ch.before->org);
        else
            fputs("null", stdout);
        fputs("}\n", stdout);
    } else {
        printf("removed policy %s", op ? op->name : name);
        print_generation(stdout, ch.after);
    }
    change_free(&ch);
    return SG_EXIT_OK;
}

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

/* The stored (normalised) form of a name the store accepted. */
typedef bool (*normalizer)(const char *in, sg_arena *arena, const char **out, char *err, size_t errlen);

static const char *stored_form(policy_cli *pc, normalizer norm, const char *in)
{
    const char *out = NULL;
    char err[256];
    return norm(in, pc->arena, &out, err, sizeof err) ? out : in;
}

static void print_accepted_change(policy_cli *pc, const change *ch, const char *action, const sg_accepted_domain *a)
{
    if (pc->json) {
        json_change_head(stdout, ch->after, action, "accepted_domain");
        accepted_json(stdout, a);
        fputs("}\n", stdout);
    } else {
        printf("%s accepted domain ", action);
        accepted_text(stdout, a);
        print_generation(stdout, ch->after);
    }
}

static int cmd_accepted_domain(policy_cli *pc, int argc, char **argv)
{
    static const struct option opts[] = {
        {"match-subdomains", no_argument, NULL, 's'},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    accepted_args a = {NULL, false};
    int rc = parse_options(pc, argc, argv, opts, accepted_option, &a);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = positional(pc, argc, argv, 2, 2, "add|remove and DOMAIN");
    bool add = rc == SG_EXIT_OK && strcmp(argv[optind], "add") == 0;
    if (rc == SG_EXIT_OK && !add && strcmp(argv[optind], "remove") != 0)
        rc = usage_error(pc, "accepted-domain: unknown action \"%s\" (expected add or remove)", argv[optind], NULL);
    if (rc == SG_EXIT_OK && !add && a.match_subdomains)
        rc = usage_error(pc, "accepted-domain remove takes no --match-subdomains", NULL, NULL);
    if ((rc = ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    a.domain = argv[optind + 1];
    change ch;
    if ((rc = apply(pc, add ? op_add_accepted : op_remove_accepted, &a, &ch)) != SG_EXIT_OK)
        return rc;
    const char *name = stored_form(pc, sg_policy_normalize_domain, a.domain);
    const sg_accepted_domain *was = find_accepted(ch.before, name);
    const sg_accepted_domain *now = find_accepted(ch.after, name);
    sg_accepted_domain gone = {name, false};
    if (add && now)
        print_accepted_change(pc, &ch, was ? "updated" : "added", now);
    else
        print_accepted_change(pc, &ch, "removed", was ? was : &gone);
    change_free(&ch);
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
    return parse_yesno(pc, names[i], arg, &r->flags[i]);
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
    const sg_remote_domain *cur = find_remote(p, pattern);
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
        json_change_head(stdout, ch->after, action, "remote_domain");
        remote_json(stdout, rd);
        fputs("}\n", stdout);
    } else if (strcmp(action, "removed") == 0) {
        printf("removed remote domain %s", rd->pattern);
        print_generation(stdout, ch->after);
    } else {
        printf("%s remote domain %s: ", action, rd->pattern);
        remote_text_fields(stdout, rd);
        print_generation(stdout, ch->after);
    }
}

static int cmd_remote_domain(policy_cli *pc, int argc, char **argv)
{
    static const struct option opts[] = {
        {"auto-forward", required_argument, NULL, '0'},
        {"auto-reply", required_argument, NULL, '1'},
        {"ndr", required_argument, NULL, '2'},
        {"internal", required_argument, NULL, '3'},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    remote_args r;
    memset(&r, 0, sizeof r);
    int rc = parse_options(pc, argc, argv, opts, remote_option, &r);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = positional(pc, argc, argv, 2, 2, "set|remove and PATTERN");
    bool set = rc == SG_EXIT_OK && strcmp(argv[optind], "set") == 0;
    if (rc == SG_EXIT_OK && !set && strcmp(argv[optind], "remove") != 0)
        rc = usage_error(pc, "remote-domain: unknown action \"%s\" (expected set or remove)", argv[optind], NULL);
    if (rc == SG_EXIT_OK && set && !r.given[0])
        rc = usage_error(pc, "remote-domain set needs --auto-forward yes|no", NULL, NULL);
    if (rc == SG_EXIT_OK && !set && (r.given[0] || r.given[1] || r.given[2] || r.given[3]))
        rc = usage_error(pc, "remote-domain remove takes no flags", NULL, NULL);
    if ((rc = ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    r.pattern = argv[optind + 1];
    change ch;
    if ((rc = apply(pc, set ? op_set_remote : op_remove_remote, &r, &ch)) != SG_EXIT_OK)
        return rc;
    const char *pattern = stored_form(pc, sg_policy_normalize_pattern, r.pattern);
    const sg_remote_domain *was = find_remote(ch.before, pattern);
    const sg_remote_domain *now = find_remote(ch.after, pattern);
    sg_remote_domain gone;
    sg_remote_domain_default(&gone, pattern);
    if (set && now)
        print_remote_change(pc, &ch, was ? "updated" : "added", now);
    else
        print_remote_change(pc, &ch, "removed", was ? was : &gone);
    change_free(&ch);
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
        json_change_head(stdout, ch->after, action, "group");
        group_json(stdout, g);
        fputs("}\n", stdout);
    } else if (strcmp(action, "removed") == 0) {
        printf("removed group %s", g->name);
        print_generation(stdout, ch->after);
    } else {
        printf("%s group %s: ", action, g->name);
        group_text_fields(stdout, g);
        print_generation(stdout, ch->after);
    }
}

static int cmd_group(policy_cli *pc, int argc, char **argv)
{
    int rc = parse_options(pc, argc, argv, json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = positional(pc, argc, argv, 2, -1, "set|remove and NAME");
    bool set = rc == SG_EXIT_OK && strcmp(argv[optind], "set") == 0;
    if (rc == SG_EXIT_OK && !set && strcmp(argv[optind], "remove") != 0)
        rc = usage_error(pc, "group: unknown action \"%s\" (expected set or remove)", argv[optind], NULL);
    if (rc == SG_EXIT_OK && set)
        rc = positional(pc, argc, argv, 3, -1, "MEMBER");
    if (rc == SG_EXIT_OK && !set)
        rc = positional(pc, argc, argv, 2, 2, "NAME");
    if ((rc = ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    group_args g;
    g.name = argv[optind + 1];
    g.members.items = (const char **)(argv + optind + 2);
    g.members.count = set ? (size_t)(argc - optind - 2) : 0;
    change ch;
    if ((rc = apply(pc, set ? op_put_group : op_remove_group, &g, &ch)) != SG_EXIT_OK)
        return rc;
    const sg_group *was = find_group(ch.before, g.name);
    const sg_group *now = find_group(ch.after, g.name);
    sg_group gone = {g.name, {NULL, 0}};
    if (set && now)
        print_group_change(pc, &ch, was ? "replaced" : "added", now);
    else
        print_group_change(pc, &ch, "removed", was ? was : &gone);
    change_free(&ch);
    return SG_EXIT_OK;
}

/* ------------------------------------------------------------------ org */

typedef struct org_args {
    size_t key; /* index in org_keys */
    sg_fwd_mode automatic_means;
    bool flag;
    long long number;
} org_args;

/* Parses VALUE for KEY; a malformed value is a usage error, an out-of-range one the store refuses. */
static int parse_org(policy_cli *pc, const char *key, const char *value, org_args *o)
{
    for (o->key = 0; o->key < sizeof org_keys / sizeof org_keys[0]; o->key++)
        if (strcmp(key, org_keys[o->key]) == 0)
            break;
    switch (o->key) {
    case 0: return parse_mode(pc, value, &o->automatic_means);
    case 1: return parse_yesno(pc, key, value, &o->flag);
    case 2: return parse_number(pc, key, value, 0, LLONG_MAX, &o->number);
    case 3: return parse_number(pc, key, value, 0, UINT_MAX, &o->number);
    default:
        return usage_error(pc,
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

static int cmd_org(policy_cli *pc, int argc, char **argv)
{
    int rc = parse_options(pc, argc, argv, json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = positional(pc, argc, argv, 3, 3, "set KEY VALUE");
    if (rc == SG_EXIT_OK && strcmp(argv[optind], "set") != 0)
        rc = usage_error(pc, "org: unknown action \"%s\" (expected set)", argv[optind], NULL);
    org_args o;
    memset(&o, 0, sizeof o);
    if (rc == SG_EXIT_OK)
        rc = parse_org(pc, argv[optind + 1], argv[optind + 2], &o);
    if ((rc = ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    change ch;
    if ((rc = apply(pc, op_set_org, &o, &ch)) != SG_EXIT_OK)
        return rc;
    if (pc->json) {
        json_change_head(stdout, ch.after, "updated", "org");
        org_json(stdout, &ch.after->org);
        fputs("}\n", stdout);
    } else {
        printf("updated org setting %s: ", org_keys[o.key]);
        org_value_text(stdout, &ch.before->org, o.key);
        fputs(" -> ", stdout);
        org_value_text(stdout, &ch.after->org, o.key);
        print_generation(stdout, ch.after);
    }
    change_free(&ch);
    return SG_EXIT_OK;
}

/* --------------------------------------------------------------- report */

static void report_text(FILE *out, const sg_audit_report *r)
{
    char t[SG_AUDIT_TIME_LEN];
    if (r->since) {
        sg_audit_format_time(r->since, t);
        fprintf(out, "forwards since %s: %lu (%lu allowed, %lu blocked)\n", t, r->total, r->allowed, r->blocked);
    } else {
        fprintf(out, "forwards: %lu (%lu allowed, %lu blocked)\n", r->total, r->allowed, r->blocked);
    }
    fprintf(out, "forwarders: %zu (%lu new)\n", r->nforwarders, r->new_forwarders);
    for (size_t i = 0; i < r->nforwarders; i++) {
        const sg_audit_forwarder *f = &r->forwarders[i];
        sg_audit_format_time(f->first_forward, t);
        fprintf(out, "  %s: %lu forwarded (%lu allowed, %lu blocked), %lu recipient%s, %lu domain%s, first %s%s\n",
                f->owner, f->forwards, f->allowed, f->blocked, f->recipients, f->recipients == 1 ? "" : "s",
                f->domains, f->domains == 1 ? "" : "s", t, f->is_new ? ", new" : "");
    }
    fprintf(out, "recipient domains: %zu (%lu new)\n", r->ndomains, r->new_domains);
    for (size_t i = 0; i < r->ndomains; i++) {
        const sg_audit_domain_stat *d = &r->domains[i];
        sg_audit_format_time(d->first_forward, t);
        fprintf(out, "  %s: %lu forwarded (%lu allowed, %lu blocked), %lu forwarder%s, first %s%s\n", d->domain,
                d->forwards, d->allowed, d->blocked, d->forwarders, d->forwarders == 1 ? "" : "s", t,
                d->is_new ? ", new" : "");
    }
    fprintf(out, "records: %zu\n", r->nrecords);
    for (size_t i = 0; i < r->nrecords; i++) {
        const sg_audit_record *rec = &r->records[i];
        sg_audit_format_time(rec->time, t);
        fprintf(out, "  %s %s -> %s (%s): %s %s", t, rec->owner, rec->target, rec->target_domain, rec->mechanism,
                rec->verdict);
        if (rec->policy)
            fprintf(out, ", policy %s", rec->policy);
        if (rec->remote_domain)
            fprintf(out, ", remote domain %s", rec->remote_domain);
        if (rec->message_id)
            fprintf(out, ", message-id %s", rec->message_id);
        fputc('\n', out);
    }
}

static void json_time(FILE *out, int64_t t)
{
    char buf[SG_AUDIT_TIME_LEN];
    sg_audit_format_time(t, buf);
    fprintf(out, "\"%s\"", buf);
}

static void report_json_forwarders(FILE *out, const sg_audit_report *r)
{
    fputs("\"forwarders\": [", out);
    for (size_t i = 0; i < r->nforwarders; i++) {
        const sg_audit_forwarder *f = &r->forwarders[i];
        fputs(i ? ", {\"user\": " : "{\"user\": ", out);
        sg_json_string(out, f->owner);
        fprintf(out,
                ", \"forwards\": %lu, \"allowed\": %lu, \"blocked\": %lu, \"recipients\": %lu, \"domains\": %lu, "
                "\"first_forward\": ",
                f->forwards, f->allowed, f->blocked, f->recipients, f->domains);
        json_time(out, f->first_forward);
        fprintf(out, ", \"new\": %s}", json_bool(f->is_new));
    }
    fputs("], \"domains\": [", out);
    for (size_t i = 0; i < r->ndomains; i++) {
        const sg_audit_domain_stat *d = &r->domains[i];
        fputs(i ? ", {\"domain\": " : "{\"domain\": ", out);
        sg_json_string(out, d->domain);
        fprintf(out, ", \"forwards\": %lu, \"allowed\": %lu, \"blocked\": %lu, \"forwarders\": %lu, \"first_forward\": ",
                d->forwards, d->allowed, d->blocked, d->forwarders);
        json_time(out, d->first_forward);
        fprintf(out, ", \"new\": %s}", json_bool(d->is_new));
    }
    fputc(']', out);
}

static void report_json_records(FILE *out, const sg_audit_report *r)
{
    fputs("\"forwards\": [", out);
    for (size_t i = 0; i < r->nrecords; i++) {
        const sg_audit_record *rec = &r->records[i];
        fputs(i ? ", {\"time\": " : "{\"time\": ", out);
        json_time(out, rec->time);
        const char *keys[] = {"user", "recipient", "domain", "mechanism", "verdict", "policy", "remote_domain",
                              "message_id"};
        const char *vals[] = {rec->owner,   rec->target, rec->target_domain,  rec->mechanism,
                              rec->verdict, rec->policy, rec->remote_domain, rec->message_id};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            fprintf(out, ", \"%s\": ", keys[k]);
            json_opt_string(out, vals[k]);
        }
        fputc('}', out);
    }
    fputc(']', out);
}

static void report_json(FILE *out, const sg_audit_report *r)
{
    fputs("{\"since\": ", out);
    if (r->since)
        json_time(out, r->since);
    else
        fputs("null", out);
    fprintf(out, ", \"total\": %lu, \"allowed\": %lu, \"blocked\": %lu, \"new_forwarders\": [", r->total, r->allowed,
            r->blocked);
    for (size_t i = 0, n = 0; i < r->nforwarders; i++)
        if (r->forwarders[i].is_new) {
            fputs(n++ ? ", " : "", out);
            sg_json_string(out, r->forwarders[i].owner);
        }
    fputs("], \"new_domains\": [", out);
    for (size_t i = 0, n = 0; i < r->ndomains; i++)
        if (r->domains[i].is_new) {
            fputs(n++ ? ", " : "", out);
            sg_json_string(out, r->domains[i].domain);
        }
    fputs("], ", out);
    report_json_forwarders(out, r);
    fputs(", ", out);
    report_json_records(out, r);
    fputs("}\n", out);
}

static int since_option(policy_cli *pc, void *ctx, int opt, char *arg)
{
    (void)opt;
    if (sg_audit_parse_time(arg, ctx))
        return SG_EXIT_OK;
    return usage_error(pc, "--since: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), not \"%s\"", arg, NULL);
}

static int cmd_report(policy_cli *pc, int argc, char **argv)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int64_t since = 0;
    int rc = parse_options(pc, argc, argv, opts, since_option, &since);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = positional(pc, argc, argv, 0, 0, "");
    if ((rc = ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    const char *setting = sg_config_get(pc->cli.config, "audit_log");
    char err[512] = "";
    sg_audit *audit;
    if (!sg_audit_open(setting, &audit, err, sizeof err)) {
        sg_cli_error(&pc->cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    const char *path = sg_audit_database(audit);
    sg_audit_report *r = NULL;
    if (!path) {
        sg_cli_error(&pc->cli, "configuration error: audit_log names no database (it is \"%s\"); "
                               "add a path, e.g. audit_log = syslog,/var/lib/sievegate/audit.db",
                     setting ? setting : "syslog");
        rc = SG_EXIT_CONFIG;
    } else if (!sg_audit_report_read(path, since, &r, err, sizeof err)) {
        sg_cli_error(&pc->cli, "%s", err);
        rc = SG_EXIT_TEMPFAIL;
    } else if (pc->json) {
        report_json(stdout, r);
    } else {
        report_text(stdout, r);
    }
    sg_audit_report_free(r);
    sg_audit_close(audit);
    return rc;
}

/* ----------------------------------------------------------------- main */

typedef int (*subcommand_fn)(policy_cli *pc, int argc, char **argv);

static const struct {
    const char *name;
    subcommand_fn run;
} subcommands[] = {
    {"show", cmd_show},
    {"explain", cmd_explain},
    {"set-default", cmd_set_default},
    {"add", cmd_add},
    {"remove", cmd_remove},
    {"accepted-domain", cmd_accepted_domain},
    {"remote-domain", cmd_remote_domain},
    {"group", cmd_group},
    {"org", cmd_org},
    {"report", cmd_report},
    {"snapshot", cmd_snapshot},
};

/* The options before SUBCOMMAND: --config, -o, --json, --help. */
static int parse_common(policy_cli *pc, int argc, char **argv)
{
    static const struct option longopts[] = {
        SG_COMMON_LONGOPTS,
        {"json", no_argument, NULL, OPT_JSON},
        {NULL, 0, NULL, 0},
    };
    int c, rc = SG_EXIT_OK;
    optind = 0;
    opterr = 0;
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, "+:o:h", longopts, NULL)) != -1) {
        if (sg_cli_common_option(&pc->cli, c, optarg))
            continue;
        if (c == OPT_JSON)
            pc->json = true;
        else if (c == 'h')
            pc->help = true;
        else
            rc = sg_cli_usage_error(&pc->cli, c, argv, usage);
    }
    return rc;
}

static int dispatch(policy_cli *pc, int argc, char **argv)
{
    int rc = parse_common(pc, argc, argv);
    if (rc != SG_EXIT_OK || (pc->help && optind >= argc))
        return rc;
    if (optind >= argc)
        return usage_error(pc, "missing SUBCOMMAND", NULL, NULL);
    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        if (strcmp(name, subcommands[i].name) == 0) {
            pc->sub = name;
            return subcommands[i].run(pc, argc - optind, argv + optind);
        }
    }
    return usage_error(pc, "unknown subcommand '%s'", name, NULL);
}

int sg_cmd_policy(int argc, char **argv)
{
    policy_cli pc;
    memset(&pc, 0, sizeof pc);
    sg_cli_init(&pc.cli, "policy", argc);
    pc.arena = sg_arena_new();
    int rc = dispatch(&pc, argc, argv);
    if (rc == SG_EXIT_OK && pc.help)
        usage(stdout);
    sg_cli_free(&pc.cli);
    sg_arena_free(pc.arena);
    if (fflush(stdout) != 0 && rc == SG_EXIT_OK)
        rc = SG_EXIT_TEMPFAIL;
    return rc;
}
