/* policy_read.c - `sievegate policy show`, `snapshot`, `explain` and
 * `report`: the subcommands that change nothing. See policy_cli.h. */
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
#include "store/ldap_policy.h"
#include "store/policy_snapshot_file.h"
#include "store/policy_source.h"
#include "store/policy_store.h"

int pol_cmd_show(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_start_plain(pc, argc, argv);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    sg_policy *p;
    if ((rc = pol_read_policy(pc, &p)) != SG_EXIT_OK)
        return rc;
    if (pc->json)
        pol_show_json(stdout, p);
    else
        pol_show_text(stdout, p);
    sg_policy_free(p);
    return SG_EXIT_OK;
}

/* `policy snapshot`: writes the snapshot file again, e.g. after a store
 * was restored from a backup or copied in by hand (every change through
 * `sievegate policy` writes it already). */
int pol_cmd_snapshot(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_start_plain(pc, argc, argv);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    const char *path = pol_snapshot_file_path(pc);
    if (!path) {
        sg_cli_error(&pc->cli, "configuration error: no snapshot file: policy_snapshot_file = no, or the "
                               "policy store is not an sqlite: store");
        return SG_EXIT_CONFIG;
    }
    if (!sg_policy_store_exists(pol_store_uri(pc))) {
        sg_cli_error(&pc->cli, "policy store %s does not exist (create it with a change, e.g. `sievegate policy "
                               "accepted-domain add DOMAIN`)", pol_store_uri(pc));
        return SG_EXIT_NOINPUT;
    }
    sg_policy_store *store;
    if ((rc = pol_open_store(pc, false, &store)) != SG_EXIT_OK)
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

/* The directory group that put the owner in the deciding policy's scope, or NULL. */
static const char *explain_directory_group(const sg_policy *p, const char *owner, const sg_fwd_decision *d)
{
    if (!d->policy || strcmp(decided_by(d), "policy") != 0)
        return NULL;
    return sg_policy_directory_group_matched(p, sg_policy_effective(p, owner));
}

static void explain_text(FILE *out, const char *owner, const char *target, const sg_fwd_decision *d,
                         const char *dir_group)
{
    fprintf(out, "owner %s, target %s\n", owner, target);
    for (size_t i = 0; i < d->nsteps && i < SG_FWD_MAX_STEPS; i++) /* numbered by enforce */
        fprintf(out, "%s\n", d->steps[i] ? d->steps[i] : "");
    if (dir_group)
        fprintf(out, "directory group: %s has %s as a member\n", dir_group, owner);
    fprintf(out, "verdict: %s", sg_fwd_verdict_name(d->verdict));
    if (d->status)
        fprintf(out, " (%s)", d->status);
    fputs(", decided by ", out);
    explain_rule_text(out, d);
    fputc('\n', out);
    if (d->reason)
        fprintf(out, "reason: %s\n", d->reason);
}

static void explain_json(FILE *out, const char *owner, const char *target, const sg_fwd_decision *d,
                         const char *dir_group)
{
    fputs("{\"owner\": ", out);
    sg_json_string(out, owner);
    fputs(", \"target\": ", out);
    sg_json_string(out, target);
    fputs(", \"normalized_target\": ", out);
    pol_json_opt_string(out, d->target);
    fputs(", \"target_domain\": ", out);
    pol_json_opt_string(out, d->target_domain);
    fprintf(out, ", \"external\": %s, \"verdict\": \"%s\", \"status\": ", pol_json_bool(d->external),
            sg_fwd_verdict_name(d->verdict));
    pol_json_opt_string(out, d->status);
    fprintf(out, ", \"decided_by\": \"%s\", \"policy\": ", decided_by(d));
    pol_json_opt_string(out, d->policy);
    fputs(", \"remote_domain\": ", out);
    pol_json_opt_string(out, d->remote_domain);
    if (dir_group) { /* only then: the fields of every other answer stay as they were */
        fputs(", \"directory_group\": ", out);
        sg_json_string(out, dir_group);
    }
    fputs(", \"reason\": ", out);
    pol_json_opt_string(out, d->reason);
    fputs(", \"steps\": [", out);
    for (size_t i = 0; i < d->nsteps && i < SG_FWD_MAX_STEPS; i++) {
        fputs(i ? ", " : "", out);
        sg_json_string(out, d->steps[i] ? d->steps[i] : "");
    }
    fputs("]}\n", out);
}

/* The owner's directory groups, as a delivery sees them (store/ldap_policy.h):
 * a directory that cannot answer is 75, as a delivery would defer. */
static int explain_add_directory_groups(policy_cli *pc, sg_policy *p, const char *owner)
{
    char why[400];
    sg_ldap_options opt;
    if (!sg_ldap_options_from_config(pc->cli.config, &opt, why, sizeof why)) {
        sg_cli_error(&pc->cli, "configuration error: %s", why);
        return SG_EXIT_CONFIG;
    }
    sg_ldap *dir = opt.uri ? sg_ldap_open(&opt) : NULL;
    sg_ldap_status st = sg_policy_add_directory_groups(p, dir, owner, why, sizeof why);
    sg_ldap_close(dir);
    if (st == SG_LDAP_OK)
        return SG_EXIT_OK;
    sg_cli_error(&pc->cli, "%s", why);
    return SG_EXIT_TEMPFAIL;
}

int pol_cmd_explain(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_parse_options(pc, argc, argv, pol_json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = pol_positional(pc, argc, argv, 2, 2, "USER and RECIPIENT");
    if ((rc = pol_ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    const char *owner = argv[optind], *target = argv[optind + 1];
    sg_policy *p;
    if ((rc = pol_read_policy(pc, &p)) != SG_EXIT_OK)
        return rc;
    if ((rc = explain_add_directory_groups(pc, p, owner)) != SG_EXIT_OK) {
        sg_policy_free(p);
        return rc;
    }
    sg_fwd_request req;
    memset(&req, 0, sizeof req);
    req.owner = owner;
    req.target = target;
    req.mechanism = SG_FWD_REDIRECT;
    sg_fwd_decision d;
    memset(&d, 0, sizeof d);
    sg_fwd_decide(p, &req, pc->arena, &d);
    const char *dir_group = explain_directory_group(p, owner, &d);
    if (pc->json)
        explain_json(stdout, owner, target, &d, dir_group);
    else
        explain_text(stdout, owner, target, &d, dir_group);
    sg_policy_free(p);
    return SG_EXIT_OK;
}

/* --------------------------------------------------------------- report */

static void counts_text(FILE *out, const char *what, const sg_audit_count *c, size_t n)
{
    fprintf(out, "%s: %zu\n", what, n);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %s: %lu forwarded (%lu allowed, %lu blocked), %lu forwarder%s\n",
                c[i].name && *c[i].name ? c[i].name : "(unknown)", c[i].forwards, c[i].allowed, c[i].blocked,
                c[i].forwarders, c[i].forwarders == 1 ? "" : "s");
}

static void report_text(FILE *out, const sg_audit_report *r)
{
    char t[SG_AUDIT_TIME_LEN], u[SG_AUDIT_TIME_LEN];
    if (r->since && r->until) {
        sg_audit_format_time(r->since, t);
        sg_audit_format_time(r->until, u);
        fprintf(out, "forwards from %s until %s: %lu (%lu allowed, %lu blocked)\n", t, u, r->total, r->allowed,
                r->blocked);
    } else if (r->until) {
        sg_audit_format_time(r->until, u);
        fprintf(out, "forwards until %s: %lu (%lu allowed, %lu blocked)\n", u, r->total, r->allowed, r->blocked);
    } else if (r->since) {
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
    counts_text(out, "hosts", r->hosts, r->nhosts);
    counts_text(out, "mechanisms", r->mechanisms, r->nmechanisms);
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
        if (rec->host)
            fprintf(out, ", host %s", rec->host);
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
        fprintf(out, ", \"new\": %s}", pol_json_bool(f->is_new));
    }
    fputs("], \"domains\": [", out);
    for (size_t i = 0; i < r->ndomains; i++) {
        const sg_audit_domain_stat *d = &r->domains[i];
        fputs(i ? ", {\"domain\": " : "{\"domain\": ", out);
        sg_json_string(out, d->domain);
        fprintf(out, ", \"forwards\": %lu, \"allowed\": %lu, \"blocked\": %lu, \"forwarders\": %lu, \"first_forward\": ",
                d->forwards, d->allowed, d->blocked, d->forwarders);
        json_time(out, d->first_forward);
        fprintf(out, ", \"new\": %s}", pol_json_bool(d->is_new));
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
        const char *keys[] = {"user",   "recipient",     "domain",     "mechanism", "verdict",
                              "policy", "remote_domain", "message_id", "host"};
        const char *vals[] = {rec->owner,  rec->target,        rec->target_domain, rec->mechanism, rec->verdict,
                              rec->policy, rec->remote_domain, rec->message_id,    rec->host};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            fprintf(out, ", \"%s\": ", keys[k]);
            pol_json_opt_string(out, vals[k]);
        }
        fputc('}', out);
    }
    fputc(']', out);
}

static void counts_json(FILE *out, const char *key, const char *name, const sg_audit_count *c, size_t n)
{
    fprintf(out, ", \"%s\": [", key);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s{\"%s\": ", i ? ", " : "", name);
        pol_json_opt_string(out, c[i].name && *c[i].name ? c[i].name : NULL);
        fprintf(out, ", \"forwards\": %lu, \"allowed\": %lu, \"blocked\": %lu, \"forwarders\": %lu}", c[i].forwards,
                c[i].allowed, c[i].blocked, c[i].forwarders);
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
    fputs(", \"until\": ", out);
    if (r->until)
        json_time(out, r->until);
    else
        fputs("null", out);
    counts_json(out, "hosts", "host", r->hosts, r->nhosts);
    counts_json(out, "mechanisms", "mechanism", r->mechanisms, r->nmechanisms);
    fputs("}\n", out);
}

static int report_option(policy_cli *pc, void *ctx, int opt, char *arg)
{
    sg_audit_query *q = ctx;
    switch (opt) {
    case 's':
    case 'u':
        if (sg_audit_parse_time(arg, opt == 's' ? &q->since : &q->until))
            return SG_EXIT_OK;
        return pol_usage_error(pc,
                               opt == 's' ? "--since: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), not \"%s\""
                                          : "--until: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), not \"%s\"",
                               arg, NULL);
    case 'H': q->host = arg; break;
    case 'U': q->owner = arg; break;
    case 'D': q->domain = arg; break;
    case 'V': q->verdict = arg; break;
    case 'M': q->mechanism = arg; break;
    }
    return SG_EXIT_OK;
}

/* Collects this host's spooled records first, so that the report has them.
 * A record the report could not collect (another user's file when not run
 * as root, a file that does not parse, the database unreachable) would be
 * missing from it: then no report, but an error saying why. */
static bool collect_spool(policy_cli *pc, sg_audit *audit)
{
    size_t sent = 0, left = 0;
    char err[512] = "";
    if (!sg_audit_flush_spool(audit, &sent, &left, err, sizeof err)) {
        sg_cli_error(&pc->cli, "%s", err);
        return false;
    }
    if (left) {
        const char *dir = sg_config_get(pc->cli.config, "audit_spool_dir");
        sg_cli_error(&pc->cli,
                     "%zu audit record(s) in %s cannot be collected by this user: the report would miss them "
                     "(run it as root; `sievegate policy audit-flush` says more)",
                     left, dir ? dir : SG_AUDIT_SPOOL_DIR);
        return false;
    }
    return true;
}

int pol_cmd_report(policy_cli *pc, int argc, char **argv)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'},
        {"host", required_argument, NULL, 'H'},
        {"user", required_argument, NULL, 'U'},
        {"domain", required_argument, NULL, 'D'},
        {"verdict", required_argument, NULL, 'V'},
        {"mechanism", required_argument, NULL, 'M'},
        SG_FORMAT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sg_audit_query q;
    memset(&q, 0, sizeof q);
    int rc = pol_parse_options(pc, argc, argv, opts, report_option, &q);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    rc = pol_positional(pc, argc, argv, 0, 0, "");
    if ((rc = pol_ready(pc, rc)) != SG_EXIT_OK)
        return rc;
    const char *setting = sg_config_get(pc->cli.config, "audit_log");
    char err[512] = "";
    sg_audit *audit;
    if (!sg_audit_open_config(pc->cli.config, &audit, err, sizeof err)) {
        sg_cli_error(&pc->cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    sg_audit_report *r = NULL;
    if (!sg_audit_database(audit)) {
        sg_cli_error(&pc->cli, "configuration error: audit_log names no database (it is \"%s\"); "
                               "add a path, e.g. audit_log = syslog,/var/lib/sievegate/audit.db",
                     setting ? setting : "syslog");
        rc = SG_EXIT_CONFIG;
    } else {
        if (!collect_spool(pc, audit)) {
            rc = SG_EXIT_TEMPFAIL;
        } else if (!sg_audit_report_query(audit, &q, &r, err, sizeof err)) {
            sg_cli_error(&pc->cli, "%s", err);
            rc = SG_EXIT_TEMPFAIL;
        } else if (pc->json) {
            report_json(stdout, r);
        } else {
            report_text(stdout, r);
        }
    }
    sg_audit_report_free(r);
    sg_audit_close(audit);
    return rc;
}
