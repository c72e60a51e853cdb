/* policy_cli.h - what the files of `sievegate policy` share (cli/policy.c:
 * options, the store, dispatch; policy_read.c, policy_edit.c, policy_domains.c, policy_print.c).
 *
 * Takes: the subcommand's argv and the parsed common options (policy_cli).
 * Returns: sysexits.h codes (cli.h, and SG_EXIT_CANTCREAT).
 */
#ifndef SG_POLICY_CLI_H
#define SG_POLICY_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/arena.h"
#include "cli/cli.h"
#include "policy/policy.h"
#include "store/policy_store.h"

enum { SG_EXIT_CANTCREAT = 73 }; /* EX_CANTCREAT: the store cannot be created */


typedef struct policy_cli {
    sg_cli cli;
    bool json;
    bool help;
    const char *sub; /* the subcommand, for messages */
    sg_arena *arena; /* the command's own strings */
    void (*usage)(FILE *out); /* the command's usage (pol_usage, forward_usage) */
} policy_cli;

typedef struct pol_subcommand {
    const char *name;
    int (*run)(policy_cli *pc, int argc, char **argv);
} pol_subcommand;

/* A subcommand option's handler (after --json, --format and --help). */
typedef int (*opt_handler)(policy_cli *pc, void *ctx, int opt, char *arg);

/* One write to the store. */
typedef sg_store_status (*write_op)(sg_policy_store *store, const void *arg, char *err, size_t errlen);

typedef struct change {
    sg_policy *before, *after;
} change;

/* --json, --format and --help: the options of subcommands that take no other. */
extern const struct option pol_json_only_opts[];

/* ---- policy.c ---- */
/* A command made of subcommands over the policy store (`sievegate policy`,
 * `sievegate forward`): the common options, then the subcommand. An exit code. */
int pol_main(const char *command, int argc, char **argv, const pol_subcommand *subs, size_t nsubs,
             void (*usage)(FILE *out));
int pol_parse_options(policy_cli *pc, int argc, char **argv, const struct option *longopts, opt_handler handle,
                         void *ctx);
/* The start of a subcommand that takes no argument (only --format, --json,
 * --help): its options, then the configuration. An exit code; with --help,
 * 0 and pc->help set. */
int pol_start_plain(policy_cli *pc, int argc, char **argv);
int pol_usage_error(policy_cli *pc, const char *fmt, const char *a, const char *b);
int pol_positional(policy_cli *pc, int argc, char **argv, int min, int max, const char *what);
int pol_parse_mode(policy_cli *pc, const char *text, sg_fwd_mode *mode);
int pol_parse_yesno(policy_cli *pc, const char *option, const char *text, bool *value);
int pol_parse_number(policy_cli *pc, const char *option, const char *text, long long min, long long max,
                        long long *value);
void pol_add_items(policy_cli *pc, sg_strlist *list, const char *text);
const char *pol_store_uri(const policy_cli *pc);
int pol_store_exit(sg_store_status st);
/* policy_store = none: no store, the built-in default policy. */
bool pol_store_none(const policy_cli *pc);
int pol_open_store(policy_cli *pc, bool writable, sg_policy_store **store);
int pol_load_policy(policy_cli *pc, sg_policy_store *store, sg_policy **policy);
int pol_read_policy(policy_cli *pc, sg_policy **policy);
bool pol_store_file_exists(const policy_cli *pc);
void pol_change_free(change *ch);
void pol_notify_cache(const policy_cli *pc, const sg_policy *after);
const char *pol_snapshot_file_path(const policy_cli *pc);
void pol_refresh_snapshot_file(const policy_cli *pc, sg_policy_store *store);
int pol_write_failed(policy_cli *pc, sg_store_status st, const char *err);
int pol_apply(policy_cli *pc, write_op op, const void *arg, change *ch);
/* The stored (normalised) form of a name the store accepted (`in` itself
 * when it does not normalise: the store refused it already). */
typedef bool (*pol_normalizer)(const char *in, sg_arena *arena, const char **out, char *err, size_t errlen);
const char *pol_stored_form(policy_cli *pc, pol_normalizer norm, const char *in);
const sg_outbound_policy *pol_find_policy(const sg_policy *p, const char *name);
const sg_accepted_domain *pol_find_accepted(const sg_policy *p, const char *name);
const sg_remote_domain *pol_find_remote(const sg_policy *p, const char *pattern);
const sg_group *pol_find_group(const sg_policy *p, const char *name);
int pol_ready(policy_cli *pc, int rc);
void pol_usage(FILE *out);

/* ---- policy_print.c ---- */
/* The names of the org settings, in sg_org_settings order (`policy org set KEY`). */
#define POL_ORG_KEYS 4
extern const char *const pol_org_keys[POL_ORG_KEYS];
const char *pol_yesno(bool b);
const char *pol_json_bool(bool b);
sg_fwd_mode pol_effective_mode(sg_fwd_mode mode, const sg_org_settings *org);
void pol_text_list(FILE *out, const char *label, const sg_strlist *l);
void pol_policy_text_fields(FILE *out, const sg_outbound_policy *op, const sg_org_settings *org);
void pol_remote_text_fields(FILE *out, const sg_remote_domain *rd);
void pol_accepted_text(FILE *out, const sg_accepted_domain *a);
void pol_group_text_fields(FILE *out, const sg_group *g);
void pol_json_list(FILE *out, const char *key, const sg_strlist *l);
void pol_json_opt_string(FILE *out, const char *s);
void pol_policy_json(FILE *out, const sg_outbound_policy *op, const sg_org_settings *org);
void pol_accepted_json(FILE *out, const sg_accepted_domain *a);
void pol_remote_json(FILE *out, const sg_remote_domain *rd);
void pol_group_json(FILE *out, const sg_group *g);
void pol_org_json(FILE *out, const sg_org_settings *org);
void pol_org_value_text(FILE *out, const sg_org_settings *org, size_t key);
void pol_show_text(FILE *out, const sg_policy *p);
void pol_show_json(FILE *out, const sg_policy *p);
void pol_print_generation(FILE *out, const sg_policy *after);
void pol_json_change_head(FILE *out, const sg_policy *after, const char *action, const char *kind);

/* ---- policy_read.c ---- */
int pol_cmd_show(policy_cli *pc, int argc, char **argv);
int pol_cmd_snapshot(policy_cli *pc, int argc, char **argv);
int pol_cmd_explain(policy_cli *pc, int argc, char **argv);
int pol_cmd_report(policy_cli *pc, int argc, char **argv);

/* ---- policy_migrate.c ---- */
int pol_cmd_migrate(policy_cli *pc, int argc, char **argv);
int pol_cmd_audit_flush(policy_cli *pc, int argc, char **argv);
/* Creates or upgrades the store's schema; *from: the version found (0: none). */
int pol_migrate_store(policy_cli *pc, int *from);

/* ---- forward.c ---- */
int pol_cmd_forward_set(policy_cli *pc, int argc, char **argv);
int pol_cmd_forward_remove(policy_cli *pc, int argc, char **argv);
int pol_cmd_forward_list(policy_cli *pc, int argc, char **argv);

/* ---- policy_edit.c ---- */
int pol_cmd_init(policy_cli *pc, int argc, char **argv);
int pol_cmd_set_default(policy_cli *pc, int argc, char **argv);
int pol_cmd_add(policy_cli *pc, int argc, char **argv);
int pol_cmd_remove(policy_cli *pc, int argc, char **argv);
int pol_cmd_group(policy_cli *pc, int argc, char **argv);
int pol_cmd_org(policy_cli *pc, int argc, char **argv);

/* ---- policy_domains.c ---- */
int pol_cmd_accepted_domain(policy_cli *pc, int argc, char **argv);
int pol_cmd_remote_domain(policy_cli *pc, int argc, char **argv);
#endif
