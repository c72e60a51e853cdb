/* policy.c - `sievegate policy`: administration of the organization's
 * forwarding policy (docs/cli.md, "sievegate policy";
 * docs/policy.md for the model).
 *
 * Takes: `sievegate policy [--config FILE] [-o KEY=VALUE] [--json] SUBCOMMAND
 * ARGS [--json]`; configuration keys policy_store (default
 * SG_DEFAULT_POLICY_STORE) and audit_log. Returns: what changed (text) or the
 * new object (JSON) on stdout, reasons on stderr, and a sysexits.h code:
 * 0 ok, 64 usage, 65 refused input, 66 removing what does not exist,
 * 73 the store cannot be created, 75 store unavailable or locked,
 * 78 configuration error. Every write is one store transaction: a refused
 * or failed write leaves the store as it was.
 *
 * This file: the options shared by the subcommands, the store, dispatch.
 * policy_read.c: show, snapshot, explain, report; policy_edit.c: the
 * changes; policy_print.c: text and JSON of the policy's parts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "cli/policy_cli.h"
#include "store/policy_snapshot_file.h"
#include "store/policy_source.h"
#include "store/policy_store.h"


void pol_usage(FILE *out)
{
    fputs("usage: sievegate policy [--config FILE] [-o KEY=VALUE] [--format text|json] SUBCOMMAND [ARGS]\n"
          "  init                                 create the store holding the default policy (mode\n"
          "                                       automatic: external forwarding off), if it does not exist\n"
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
          "  migrate                              create or upgrade the schema of the store and of the\n"
          "                                       audit database (a PostgreSQL store: before first use)\n"
          "  report [--since DATE] [--until DATE] [--host HOST] [--user USER] [--domain DOMAIN]\n"
          "          [--verdict VERDICT] [--mechanism MECHANISM]\n"
          "                                       the audit of forwards allowed and blocked, of every host\n"
          "  audit-flush                          send the audit records waiting in audit_spool_dir\n"
          "  snapshot                             write the store's snapshot file again (deliveries\n"
          "                                       read it instead of the store while it is current)\n"
          "  Every subcommand takes --format text|json (--json, the same as --format json).\n"
          "  exit: 0 ok, 64 usage, 65 refused input, 66 not found, 73 cannot create the store,\n"
          "  75 store unavailable or locked, 78 configuration error\n",
          out);
}

/* ------------------------------------------------------------ arguments */

/* Parses a subcommand's options with getopt_long (options may follow the
 * positional arguments). `handle` takes the rest; it returns an exit code. */
int pol_parse_options(policy_cli *pc, int argc, char **argv, const struct option *longopts, opt_handler handle,
                         void *ctx)
{
    int c, rc = SG_EXIT_OK;
    optind = 0; /* full re-initialisation (GNU getopt) for this argv */
    opterr = 0;
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (c == SG_OPT_JSON)
            pc->json = true;
        else if (c == SG_OPT_FORMAT)
            rc = sg_cli_format_option(&pc->cli, optarg, &pc->json);
        else if (c == 'h')
            pc->help = true;
        else if (c == ':' || c == '?' || !handle)
            rc = sg_cli_usage_error(&pc->cli, c, argv, pc->usage);
        else
            rc = handle(pc, ctx, c, optarg);
    }
    return rc;
}

int pol_start_plain(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_parse_options(pc, argc, argv, pol_json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    return pol_ready(pc, pol_positional(pc, argc, argv, 0, 0, ""));
}

int pol_usage_error(policy_cli *pc, const char *fmt, const char *a, const char *b)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    sg_cli_error(&pc->cli, "%s", msg);
    pc->usage(stderr);
    return SG_EXIT_USAGE;
}

/* Checks the number of positional arguments left after the options. */
int pol_positional(policy_cli *pc, int argc, char **argv, int min, int max, const char *what)
{
    int n = argc - optind;
    if (n < min)
        return pol_usage_error(pc, "%s: missing %s", pc->sub, what);
    if (max >= 0 && n > max)
        return pol_usage_error(pc, "%s: unexpected argument \"%s\"", pc->sub, argv[optind + max]);
    return SG_EXIT_OK;
}

int pol_parse_mode(policy_cli *pc, const char *text, sg_fwd_mode *mode)
{
    if (sg_fwd_mode_parse(text, mode))
        return SG_EXIT_OK;
    return pol_usage_error(pc, "unknown mode \"%s\" (expected automatic, on or off)", text, NULL);
}

int pol_parse_yesno(policy_cli *pc, const char *option, const char *text, bool *value)
{
    if (strcmp(text, "yes") == 0 || strcmp(text, "on") == 0)
        *value = true;
    else if (strcmp(text, "no") == 0 || strcmp(text, "off") == 0)
        *value = false;
    else
        return pol_usage_error(pc, "%s: expected yes or no, not \"%s\"", option, text);
    return SG_EXIT_OK;
}

int pol_parse_number(policy_cli *pc, const char *option, const char *text, long long min, long long max,
                        long long *value)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < min || v > max)
        return pol_usage_error(pc, "%s: expected a number, not \"%s\"", option, text);
    *value = v;
    return SG_EXIT_OK;
}

/* Appends the comma-separated items of `text` to `list` (in pc->arena). */
void pol_add_items(policy_cli *pc, sg_strlist *list, const char *text)
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

const char *pol_store_uri(const policy_cli *pc)
{
    const char *uri = sg_config_get(pc->cli.config, "policy_store");
    return uri && *uri ? uri : SG_DEFAULT_POLICY_STORE;
}

int pol_store_exit(sg_store_status st)
{
    switch (st) {
    case SG_STORE_OK: return SG_EXIT_OK;
    case SG_STORE_INVALID: return SG_EXIT_DATAERR;
    case SG_STORE_NOT_FOUND: return SG_EXIT_NOINPUT;
    case SG_STORE_UNAVAILABLE: return SG_EXIT_TEMPFAIL;
    }
    return SG_EXIT_SOFTWARE;
}

bool pol_store_none(const policy_cli *pc)
{
    return strcmp(pol_store_uri(pc), "none") == 0;
}

int pol_open_store(policy_cli *pc, bool writable, sg_policy_store **store)
{
    char err[512] = "";
    if (pol_store_none(pc)) {
        sg_cli_error(&pc->cli, "configuration error: policy_store = none: there is no store %s (the built-in "
                               "default policy applies; set policy_store = sqlite:PATH or postgresql://... for one)",
                     writable ? "to change" : "to read");
        return SG_EXIT_CONFIG;
    }
    sg_store_status st = sg_policy_store_open_config(pc->cli.config, writable, store, err, sizeof err);
    if (st == SG_STORE_OK)
        return SG_EXIT_OK;
    if (st == SG_STORE_INVALID) { /* not a URI we know: the configuration is wrong */
        sg_cli_error(&pc->cli, "configuration error: policy_store: %s", err);
        return SG_EXIT_CONFIG;
    }
    sg_cli_error(&pc->cli, "%s", err);
    return pol_store_exit(st);
}

int pol_load_policy(policy_cli *pc, sg_policy_store *store, sg_policy **policy)
{
    char err[512] = "";
    sg_store_status st = sg_policy_store_load(store, policy, err, sizeof err);
    if (st == SG_STORE_OK)
        return SG_EXIT_OK;
    sg_cli_error(&pc->cli, "%s", err);
    return pol_store_exit(st);
}

/* Reads the whole policy, read-only (a store that does not exist yet, or
 * policy_store = none, is the default). */
int pol_read_policy(policy_cli *pc, sg_policy **policy)
{
    if (pol_store_none(pc)) {
        *policy = sg_policy_new_default();
        return SG_EXIT_OK;
    }
    sg_policy_store *store;
    int rc = pol_open_store(pc, false, &store);
    if (rc == SG_EXIT_OK) {
        rc = pol_load_policy(pc, store, policy);
        sg_policy_store_close(store);
    }
    return rc;
}

/* SQLite: whether the file exists; a PostgreSQL store is a server (never "to create"). */
bool pol_store_file_exists(const policy_cli *pc)
{
    const char *uri = pol_store_uri(pc);
    if (sg_policy_store_kind(uri) == SG_STORE_KIND_POSTGRESQL)
        return true;
    const char *colon = strchr(uri, ':');
    struct stat sb;
    return colon && stat(colon + 1, &sb) == 0;
}

/* One write: the policy before and after it. */

void pol_change_free(change *ch)
{
    sg_policy_free(ch->before);
    sg_policy_free(ch->after);
    ch->before = ch->after = NULL;
}

/* Tells the memcached cache (docs/policy.md, "When the policy cannot
 * be read") that `generation` is the store's new generation, so that every
 * host sees the change at once. */
/* Every host sees a change at once: readers ask the store for the generation
 * first; publishing also puts the new snapshot and generation in memcached. A
 * cache that cannot be reached is not an error, only worth a warning. */
void pol_notify_cache(const policy_cli *pc, const sg_policy *after)
{
    char err[512] = "";
    if (sg_policy_source_publish(pc->cli.config, after, err, sizeof err) == SG_PUBLISH_FAILED)
        sg_cli_error(&pc->cli, "warning: the memcached cache was not updated: %s", err);
}

/* policy_snapshot_file = yes (the default) and an SQLite store. */
const char *pol_snapshot_file_path(const policy_cli *pc)
{
    const char *on = sg_config_get(pc->cli.config, "policy_snapshot_file");
    return on && strcmp(on, "no") == 0 ? NULL : sg_policy_store_path(pol_store_uri(pc));
}

/* Deliveries read the snapshot file instead of loading SQLite while it is as
 * fresh as the store (store/policy_snapshot_file.h); when it cannot be
 * written they read the store, so this is a warning, not a failure. */
void pol_refresh_snapshot_file(const policy_cli *pc, sg_policy_store *store)
{
    const char *path = pol_snapshot_file_path(pc);
    char err[512] = "";
    if (path && !sg_snapshot_file_write(path, store, NULL, err, sizeof err))
        sg_cli_error(&pc->cli, "warning: the policy snapshot file was not updated (deliveries read the store): %s",
                     err);
}

int pol_write_failed(policy_cli *pc, sg_store_status st, const char *err)
{
    sg_cli_error(&pc->cli, "%s", err);
    /* The store could not be created (its directory is missing or not writable). */
    if (st == SG_STORE_UNAVAILABLE && !pol_store_file_exists(pc))
        return SG_EXIT_CANTCREAT;
    return pol_store_exit(st);
}

int pol_apply(policy_cli *pc, write_op op, const void *arg, change *ch)
{
    ch->before = ch->after = NULL;
    sg_policy_store *store;
    int rc = pol_open_store(pc, true, &store);
    if (rc != SG_EXIT_OK)
        return rc;
    rc = pol_load_policy(pc, store, &ch->before);
    if (rc == SG_EXIT_OK) {
        char err[512] = "";
        sg_store_status st = op(store, arg, err, sizeof err);
        if (st != SG_STORE_OK)
            rc = pol_write_failed(pc, st, err);
        else
            rc = pol_load_policy(pc, store, &ch->after);
        if (rc == SG_EXIT_OK)
            pol_refresh_snapshot_file(pc, store);
    }
    sg_policy_store_close(store);
    if (rc == SG_EXIT_OK)
        pol_notify_cache(pc, ch->after);
    else
        pol_change_free(ch);
    return rc;
}

/* ------------------------------------------------------------- lookups */

const char *pol_stored_form(policy_cli *pc, pol_normalizer norm, const char *in)
{
    const char *out = NULL;
    char err[256];
    return norm(in, pc->arena, &out, err, sizeof err) ? out : in;
}

const sg_outbound_policy *pol_find_policy(const sg_policy *p, const char *name)
{
    for (size_t i = 0; i < p->npolicies; i++)
        if (strcasecmp(p->policies[i].name, name) == 0)
            return &p->policies[i];
    return NULL;
}

const sg_accepted_domain *pol_find_accepted(const sg_policy *p, const char *name)
{
    for (size_t i = 0; name && i < p->naccepted; i++)
        if (strcmp(p->accepted[i].name, name) == 0)
            return &p->accepted[i];
    return NULL;
}

const sg_remote_domain *pol_find_remote(const sg_policy *p, const char *pattern)
{
    for (size_t i = 0; pattern && i < p->nremote; i++)
        if (strcmp(p->remote[i].pattern, pattern) == 0)
            return &p->remote[i];
    return NULL;
}

const sg_group *pol_find_group(const sg_policy *p, const char *name)
{
    for (size_t i = 0; i < p->ngroups; i++)
        if (strcasecmp(p->groups[i].name, name) == 0)
            return &p->groups[i];
    return NULL;
}

const struct option pol_json_only_opts[] = {
    SG_FORMAT_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Loads the configuration once the arguments are known to be right. */
int pol_ready(policy_cli *pc, int rc)
{
    return rc != SG_EXIT_OK ? rc : sg_cli_load_config(&pc->cli);
}

/* ----------------------------------------------------------------- main */

static const pol_subcommand subcommands[] = {
    {"init", pol_cmd_init},
    {"show", pol_cmd_show},
    {"explain", pol_cmd_explain},
    {"set-default", pol_cmd_set_default},
    {"add", pol_cmd_add},
    {"remove", pol_cmd_remove},
    {"accepted-domain", pol_cmd_accepted_domain},
    {"remote-domain", pol_cmd_remote_domain},
    {"group", pol_cmd_group},
    {"org", pol_cmd_org},
    {"report", pol_cmd_report},
    {"migrate", pol_cmd_migrate},
    {"audit-flush", pol_cmd_audit_flush},
    {"snapshot", pol_cmd_snapshot},
};

/* The options before SUBCOMMAND: --config/-c, -o, --format/--json, --help. */
static int parse_common(policy_cli *pc, int argc, char **argv)
{
    static const struct option longopts[] = {
        SG_COMMON_LONGOPTS,
        SG_FORMAT_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    int c, rc = SG_EXIT_OK;
    optind = 0;
    opterr = 0;
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, "+:c:o:h", longopts, NULL)) != -1) {
        if (sg_cli_common_option(&pc->cli, c, optarg))
            continue;
        if (c == SG_OPT_JSON)
            pc->json = true;
        else if (c == SG_OPT_FORMAT)
            rc = sg_cli_format_option(&pc->cli, optarg, &pc->json);
        else if (c == 'h')
            pc->help = true;
        else
            rc = sg_cli_usage_error(&pc->cli, c, argv, pc->usage);
    }
    return rc;
}

static int dispatch(policy_cli *pc, int argc, char **argv, const pol_subcommand *subs, size_t nsubs)
{
    int rc = parse_common(pc, argc, argv);
    if (rc != SG_EXIT_OK || (pc->help && optind >= argc))
        return rc;
    if (optind >= argc)
        return pol_usage_error(pc, "missing SUBCOMMAND", NULL, NULL);
    const char *name = argv[optind];
    for (size_t i = 0; i < nsubs; i++) {
        if (strcmp(name, subs[i].name) == 0) {
            pc->sub = name;
            return subs[i].run(pc, argc - optind, argv + optind);
        }
    }
    return pol_usage_error(pc, "unknown subcommand '%s'", name, NULL);
}

int pol_main(const char *command, int argc, char **argv, const pol_subcommand *subs, size_t nsubs,
             void (*usage)(FILE *out))
{
    policy_cli pc;
    memset(&pc, 0, sizeof pc);
    sg_cli_init(&pc.cli, command, argc);
    pc.arena = sg_arena_new();
    pc.usage = usage;
    int rc = dispatch(&pc, argc, argv, subs, nsubs);
    if (rc == SG_EXIT_OK && pc.help)
        usage(stdout);
    sg_cli_free(&pc.cli);
    sg_arena_free(pc.arena);
    if (fflush(stdout) != 0 && rc == SG_EXIT_OK)
        rc = SG_EXIT_TEMPFAIL;
    return rc;
}

int sg_cmd_policy(int argc, char **argv)
{
    return pol_main("policy", argc, argv, subcommands, sizeof subcommands / sizeof subcommands[0], pol_usage);
}
