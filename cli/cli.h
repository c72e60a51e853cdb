/* cli.h - the `sievegate` program: shared option handling and the subcommands.
 * Thin layers over libsievegate; exit codes follow sysexits.h. */
#ifndef SG_CLI_H
#define SG_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/config.h"
#include "engine/core/interp.h"
#include "engine/core/mailbox_store.h"
#include "grammar/parse.h"

enum {
    SG_EXIT_OK = 0,
    SG_EXIT_INVALID = 1,   /* check/test: the script has errors */
    SG_EXIT_USAGE = 64,    /* EX_USAGE */
    SG_EXIT_DATAERR = 65,  /* EX_DATAERR */
    SG_EXIT_NOINPUT = 66,  /* EX_NOINPUT */
    SG_EXIT_NOUSER = 67,   /* EX_NOUSER */
    SG_EXIT_SOFTWARE = 70, /* EX_SOFTWARE */
    SG_EXIT_TEMPFAIL = 75, /* EX_TEMPFAIL */
    SG_EXIT_NOPERM = 77,   /* EX_NOPERM */
    SG_EXIT_CONFIG = 78,   /* EX_CONFIG */
};

/* What every subcommand shares: the configuration and the limits read from it. */
typedef struct sg_cli {
    const char *command; /* "check", ... for messages */
    const char *config_path;
    bool config_explicit;
    char **overrides; /* -o KEY=VALUE, in order */
    size_t noverrides;
    sg_config *config;
    sg_limits limits;
    sg_editheader_config editheader; /* sieve_editheader_* (RFC 5293 §6) */
} sg_cli;

/* getopt_long codes of the options every subcommand shares. */
#define SG_OPT_CONFIG 'C'
#define SG_COMMON_LONGOPTS {"config", required_argument, NULL, SG_OPT_CONFIG}, {"help", no_argument, NULL, 'h'}

void sg_cli_init(sg_cli *cli, const char *command, int argc);
void sg_cli_free(sg_cli *cli);
/* Takes --config and -o; returns false for any other option. */
bool sg_cli_common_option(sg_cli *cli, int opt, char *arg);
/* --format text|json: sets *json; returns SG_EXIT_USAGE (after saying why) for anything else. */
int sg_cli_format_option(const sg_cli *cli, const char *arg, bool *json);
/* Reports a getopt error (':' missing value, '?' unknown) with the usage; returns SG_EXIT_USAGE. */
int sg_cli_usage_error(const sg_cli *cli, int opt, char **argv, void (*usage)(FILE *));
/* Loads the configuration file, then applies the -o overrides in order, then
 * reads the limits. Returns an exit code (0 when all is well) after printing
 * the reason. */
int sg_cli_load_config(sg_cli *cli);

/* Reads a whole file (or stdin for "-") up to max bytes, followed by two NUL
 * bytes (for sg_parse_buffer); *too_large is set and *size holds the real size
 * (when known) if it is bigger. Returns 0 or errno. */
int sg_read_file(const char *path, size_t max, char **data, size_t *len, bool *too_large, size_t *size);

void sg_cli_error(const sg_cli *cli, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

struct sg_run_options;
/* The run's limits from the configuration: max_actions (32), max_redirects
 * (4), recipient_delimiter ("+"), max_cpu_time (seconds, 0 = none),
 * sieve_duplicate_default_period (12h), sieve_duplicate_max_period (2d),
 * mime_max_depth (100) and mime_max_parts (10000). One
 * reader, so that `test` plans exactly what `deliver` does. */
void sg_cli_run_options(const sg_cli *cli, struct sg_run_options *opt);

struct sg_includes;
/* RFC 6609 script storage: personal and global locations (a directory, or
 * Pigeonhole's "file:DIR;..." syntax; NULL: none) and the limits
 * sieve_include_max_nesting_depth and sieve_include_max_includes. */
struct sg_includes *sg_cli_includes(const sg_cli *cli, const char *personal, const char *global);
/* sieve_global, else sieve_global_dir (its older name), or NULL. */
const char *sg_cli_global_location(const sg_cli *cli);
/* For `test` and `check`: personal scripts from sieve_dir, else the
 * directory of SCRIPT_PATH. */
struct sg_includes *sg_cli_script_includes(const sg_cli *cli, const char *script_path);
/* The mailbox store of a run (engine/core/mailbox_store.h). */
typedef struct sg_cli_mailboxes {
    sg_mailbox_list list;
    sg_maildir_store maildir;
    sg_mailbox_store store;
    bool have; /* false: no store (only INBOX exists) */
} sg_cli_mailboxes;

/* From `list` (test --mailboxes "A,B"; NULL: none), else the Maildir at
 * maildir_root (NULL: none); special-use attributes from mailbox_special_use.
 * Returns an exit code after printing why (a malformed mailbox_special_use). */
int sg_cli_mailbox_store(const sg_cli *cli, const char *list, const char *maildir_root, sg_arena *arena,
                         sg_cli_mailboxes *out);

struct sg_registry;
/* The extension registry with sieve_extensions applied (Pigeonhole's
 * syntax: "+NAME" enables, "-NAME" disables, a list of plain names is the
 * whole set; every extension is on by default). The caller frees it. */
struct sg_registry *sg_cli_registry(const sg_cli *cli);
struct sg_message;
struct sg_arena;
/* The first valid address of a header field, as local@domain (arena), or NULL. */
const char *sg_cli_first_address(struct sg_message *msg, const char *field, struct sg_arena *arena);

int sg_cmd_check(int argc, char **argv);
int sg_cmd_test(int argc, char **argv);
int sg_cmd_policy(int argc, char **argv);
int sg_cmd_deliver(int argc, char **argv);
int sg_cmd_filter(int argc, char **argv);

#endif
