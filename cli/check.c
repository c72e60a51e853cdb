/* check.c - `sievegate check`: parse and validate scripts, report every
 * diagnostic (docs/cli.md). Stops the pipeline after validation. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/include.h"
#include "engine/core/lint.h"
#include "engine/core/registry.h"
#include "cli/cli.h"
#include "grammar/diag_print.h"
#include "cli/policy_load.h"
#include "store/policy_source.h"

#define MAX_ERRORS_SHOWN 100

static void usage(FILE *out)
{
    fputs("usage: sievegate check [--config FILE] [-o KEY=VALUE] [--format text|json] [-u USER] SCRIPT...\n"
          "  Parses and validates each Sieve script (\"-\" reads standard input). With -u USER (an\n"
          "  address), warns about every literal redirect and notify recipient USER's forwarding\n"
          "  policy will block.\n"
          "  exit: 0 valid (warnings allowed), 1 errors, 64 usage, 66 unreadable file\n",
          out);
}

/* Checks one file; returns 0, SG_EXIT_INVALID or SG_EXIT_NOINPUT. */
static int check_one(const sg_cli *cli, const sg_registry *reg, const sg_policy *policy, const char *owner,
                     const char *path, bool json, bool first)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    char *data = NULL;
    size_t len = 0, size = 0;
    bool too_large = false;
    sg_diags diags;
    sg_diags_init(&diags, MAX_ERRORS_SHOWN);
    int rc = SG_EXIT_OK;

    int err = sg_read_file(path, cli->settings.limits.max_script_size, &data, &len, &too_large, &size);
    if (err) {
        sg_cli_error(cli, "cannot open %s: %s", name, strerror(err));
        sg_loc nowhere = {0, 0};
        sg_error(&diags, nowhere, "cannot-open", "cannot open %s: %s", name, strerror(err));
        rc = SG_EXIT_NOINPUT;
    } else if (too_large) {
        sg_loc start = {1, 1};
        sg_error(&diags, start, "limit-script-size", "script is too large (%zu bytes > limit max_script_size %zu)",
                 size, cli->settings.limits.max_script_size);
        rc = SG_EXIT_INVALID;
    } else {
        sg_lint lint = {reg, &cli->settings.limits, sg_settings_script_includes(&cli->settings, path), policy, owner};
        if (!sg_lint_script(&lint, name, data, len, &diags))
            rc = SG_EXIT_INVALID;
        sg_includes_free(lint.includes);
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
        SG_FORMAT_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    const char *user = NULL;
    int c, rc = SG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, ":c:o:u:h", longopts, NULL)) != -1) {
        if (sg_cli_common_option(&cli, c, optarg))
            continue;
        switch (c) {
        case SG_OPT_FORMAT:
            rc = sg_cli_format_option(&cli, optarg, &json);
            break;
        case SG_OPT_JSON:
            json = true;
            break;
        case 'u':
            user = optarg;
            break;
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

    sg_policy *policy = NULL;
    if (user) {
        sg_unavailable_mode mode;
        char why[512] = "";
        rc = sg_cli_policy(&cli, user, &policy, &mode, why, sizeof why);
        char text[600]; /* which policy -u's warnings come from */
        if (rc == SG_EXIT_OK && sg_policy_case_of(cli.config, text, sizeof text) != SG_POLICY_CASE_STORE)
            sg_cli_error(&cli, "forwarding policy: %s", text);
        if (rc == SG_EXIT_OK && !policy) {
            sg_cli_error(&cli, "cannot read the forwarding policy: %s", why);
            rc = SG_EXIT_TEMPFAIL;
        }
        if (rc != SG_EXIT_OK) {
            sg_cli_free(&cli);
            return rc;
        }
    }
    sg_registry *reg = sg_settings_registry(&cli.settings);
    int nfiles = argc - optind;
    bool any_invalid = false, any_unreadable = false;
    if (json && nfiles > 1)
        fputs("[\n", stdout);
    for (int i = optind; i < argc; i++) {
        int r = check_one(&cli, reg, policy, user, argv[i], json, i == optind);
        any_invalid |= r == SG_EXIT_INVALID;
        any_unreadable |= r == SG_EXIT_NOINPUT;
    }
    if (json)
        fputs(nfiles > 1 ? "\n]\n" : "\n", stdout);
    sg_registry_free(reg);
    sg_policy_free(policy);
    sg_cli_free(&cli);
    if (fflush(stdout) != 0)
        return SG_EXIT_TEMPFAIL;
    return any_unreadable ? SG_EXIT_NOINPUT : any_invalid ? SG_EXIT_INVALID : SG_EXIT_OK;
}
