/* cli.h - the `sievegate` program: shared option handling and the subcommands.
 * Thin layers over libsievegate; exit codes follow sysexits.h. */
#ifndef SG_CLI_H
#define SG_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/config.h"
#include "base/read_fd.h"
#include "engine/core/interp.h"
#include "engine/core/settings.h"
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
    sg_settings settings; /* what the engine reads from config: limits, run options... */
} sg_cli;

/* getopt_long codes of the options every subcommand shares. */
#define SG_OPT_CONFIG 'C'
#define SG_OPT_FORMAT 'F'
#define SG_OPT_JSON 'J'
/* --config (and -c in the short options of every subcommand) and --help. */
#define SG_COMMON_LONGOPTS {"config", required_argument, NULL, SG_OPT_CONFIG}, {"help", no_argument, NULL, 'h'}
/* --format text|json, and --json, its alias. */
#define SG_FORMAT_LONGOPTS {"format", required_argument, NULL, SG_OPT_FORMAT}, {"json", no_argument, NULL, SG_OPT_JSON}

void sg_cli_init(sg_cli *cli, const char *command, int argc);
void sg_cli_free(sg_cli *cli);
/* Takes --config, -c and -o; returns false for any other option. */
bool sg_cli_common_option(sg_cli *cli, int opt, char *arg);
/* --format text|json: sets *json; returns SG_EXIT_USAGE (after saying why) for anything else. */
int sg_cli_format_option(const sg_cli *cli, const char *arg, bool *json);
/* Reports a getopt error (':' missing value, '?' unknown) with the usage; returns SG_EXIT_USAGE. */
int sg_cli_usage_error(const sg_cli *cli, int opt, char **argv, void (*usage)(FILE *));
/* Loads the configuration file, then applies the -o overrides in order, then
 * reads the limits. Returns an exit code (0 when all is well) after printing
 * the reason. */
int sg_cli_load_config(sg_cli *cli);

struct sg_server_args;
/* A server's command line (`lmtp`, `managesieve`): -c, -o, --listen ADDRESS
 * (repeatable), --stdio, -h; then serve(args). Returns the exit code. */
int sg_cli_server(int argc, char **argv, const char *command, void (*usage)(FILE *),
                  int (*serve)(const struct sg_server_args *args));
/* A server's configuration from its arguments (-c, -o), as sg_cli_load_config. */
int sg_cli_load_server_config(sg_cli *cli, const char *command, const struct sg_server_args *args);

void sg_cli_error(const sg_cli *cli, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

int sg_cmd_check(int argc, char **argv);
int sg_cmd_test(int argc, char **argv);
int sg_cmd_policy(int argc, char **argv);
int sg_cmd_forward(int argc, char **argv);
int sg_cmd_deliver(int argc, char **argv);
int sg_cmd_filter(int argc, char **argv);
int sg_cmd_config(int argc, char **argv);
int sg_cmd_lmtp(int argc, char **argv);
int sg_cmd_managesieve(int argc, char **argv);

#endif
