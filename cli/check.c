/* check.c - `sievegate check`: parse and validate scripts, report every
 * diagnostic (../shared/spec/cli.md). Stops the pipeline after validation. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/registry.h"
#include "../engine/validate.h"
#include "../grammar/arena.h"
#include "cli.h"
#include "diag_print.h"

#define MAX_ERRORS_SHOWN 100

static void usage(FILE *out)
{
    fputs("usage: sievegate check [--config FILE] [-o KEY=VALUE] [--format text|json] [-u USER] SCRIPT...\n"
          "  Parses and validates each Sieve script (\"-\" reads standard input).\n"
          "  exit: 0 valid (warnings allowed), 1 errors, 64 usage, 66 unreadable file\n",
          out);
}

/* Checks one file; returns 0, SG_EXIT_INVALID or SG_EXIT_NOINPUT. */
static int check_one(const sg_cli *cli, const sg_registry *reg, const char *path, bool json, bool first)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    char *data = NULL;
    size_t len = 0, size = 0;
    bool too_large = false;
    sg_diags diags;
    sg_diags_init(&diags, MAX_ERRORS_SHOWN);
    int rc = SG_EXIT_OK;

    int err = sg_read_file(path, cli->limits.max_script_size, &data, &len, &too_large, &size);
    if (err) {
        sg_cli_error(cli, "cannot open %s: %s", name, strerror(err));
        sg_loc nowhere = {0, 0};
        sg_error(&diags, nowhere, "cannot-open", "cannot open %s: %s", name, strerror(err));
        rc = SG_EXIT_NOINPUT;
    } else if (too_large) {
        sg_loc start = {1, 1};
        sg_error(&diags, start, "limit-script-size", "script is too large (%zu bytes > limit max_script_size %zu)",
                 size, cli->limits.max_script_size);
        rc = SG_EXIT_INVALID;
    } else {
        sg_script *script = sg_parse_buffer(name, data, len, &cli->limits, &diags);
        sg_validate(reg, script, &cli->limits, &diags);
        sg_script_free(script);
        if (diags.errors)
            rc = SG_EXIT_INVALID;
    }
    sg_diags_sort(&diags);

    if (json) {
        if (!first)
            fputs(",\n", stdout);
        sg_print_diags_json(stdout, name, &diags);
    } else if (rc != SG_EXIT_NOINPUT) {
        sg_print_diags_text(stdout, name, data, len, &diags);
        if (diags.errors || diags.warnings)
            fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", name, diags.errors, diags.errors == 1 ? "" : "s",
                    diags.warnings, diags.warnings == 1 ? "" : "s");
        else
            fprintf(stderr, "%s: valid\n", name);
    }
    free(data);
    sg_diags_clear(&diags);
    return rc;
}

int sg_cmd_check(int argc, char **argv)
{
    sg_cli cli;
    sg_cli_init(&cli, "check", argc);
    static const struct option longopts[] = {
        SG_COMMON_LONGOPTS,
        {"format", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int c, rc = SG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, ":o:u:h", longopts, NULL)) != -1) {
        if (sg_cli_common_option(&cli, c, optarg))
            continue;
        switch (c) {
        case 'F':
            rc = sg_cli_format_option(&cli, optarg, &json);
            break;
        case 'u':
            break; /* the policy check lands with the forwarding policy (issue 5) */
        case 'h':
            usage(stdout);
            sg_cli_free(&cli);
            return SG_EXIT_OK;
        default:
            rc = sg_cli_usage_error(&cli, c, argv, usage);
        }
    }
    if (rc == SG_EXIT_OK && optind >= argc) {
        sg_cli_error(&cli, "no script given");
        usage(stderr);
        rc = SG_EXIT_USAGE;
    }
    if (rc == SG_EXIT_OK)
        rc = sg_cli_load_config(&cli);
    if (rc != SG_EXIT_OK) {
        sg_cli_free(&cli);
        return rc;
    }

    sg_registry *reg = sg_registry_new();
    int nfiles = argc - optind;
    bool any_invalid = false, any_unreadable = false;
    if (json && nfiles > 1)
        fputs("[\n", stdout);
    for (int i = optind; i < argc; i++) {
        int r = check_one(&cli, reg, argv[i], json, i == optind);
        any_invalid |= r == SG_EXIT_INVALID;
        any_unreadable |= r == SG_EXIT_NOINPUT;
    }
    if (json)
        fputs(nfiles > 1 ? "\n]\n" : "\n", stdout);
    sg_registry_free(reg);
    sg_cli_free(&cli);
    if (fflush(stdout) != 0)
        return SG_EXIT_TEMPFAIL;
    return any_unreadable ? SG_EXIT_NOINPUT : any_invalid ? SG_EXIT_INVALID : SG_EXIT_OK;
}
