/* cli_common.c - configuration loading, file reading and messages shared by
 * every subcommand. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/core/include.h"
#include "engine/mail/addrlist.h"
#include "engine/core/interp.h"
#include "engine/mail/message.h"
#include "base/read_fd.h"
#include "base/arena.h"
#include "cli/cli.h"

#include "engine/core/registry.h"

void sg_cli_init(sg_cli *cli, const char *command, int argc)
{
    memset(cli, 0, sizeof *cli);
    cli->command = command;
    cli->config_path = SG_DEFAULT_CONFIG_PATH;
    cli->overrides = sg_xmalloc((size_t)(argc > 0 ? argc : 1) * sizeof *cli->overrides);
    sg_limits_default(&cli->settings.limits);
}

void sg_cli_free(sg_cli *cli)
{
    sg_config_free(cli->config);
    free(cli->overrides);
    cli->config = NULL;
    cli->overrides = NULL;
}

bool sg_cli_common_option(sg_cli *cli, int opt, char *arg)
{
    if (opt == SG_OPT_CONFIG || opt == 'c') {
        cli->config_path = arg;
        cli->config_explicit = true;
        return true;
    }
    if (opt == 'o') {
        cli->overrides[cli->noverrides++] = arg;
        return true;
    }
    return false;
}

int sg_cli_format_option(const sg_cli *cli, const char *arg, bool *json)
{
    *json = strcmp(arg, "json") == 0;
    if (*json || strcmp(arg, "text") == 0)
        return SG_EXIT_OK;
    sg_cli_error(cli, "unknown format \"%s\" (expected text or json)", arg);
    return SG_EXIT_USAGE;
}

int sg_cli_usage_error(const sg_cli *cli, int opt, char **argv, void (*usage)(FILE *))
{
    if (opt == ':')
        sg_cli_error(cli, "option %s needs a value", argv[optind - 1]);
    else
        sg_cli_error(cli, "unknown option %s", argv[optind - 1]);
    usage(stderr);
    return SG_EXIT_USAGE;
}

void sg_cli_error(const sg_cli *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sievegate %s: ", cli->command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int sg_cli_load_config(sg_cli *cli)
{
    char err[512];
    cli->config = sg_config_new();
    sg_config_status st = sg_config_load(cli->config, cli->config_path, err, sizeof err);
    /* The default file is optional: built-in defaults apply without it. */
    if (st != SG_CONFIG_OK && !(st == SG_CONFIG_MISSING && !cli->config_explicit)) {
        sg_cli_error(cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    for (size_t i = 0; i < cli->noverrides; i++) {
        if (!sg_config_override(cli->config, cli->overrides[i], err, sizeof err)) {
            sg_cli_error(cli, "%s", err);
            return SG_EXIT_USAGE;
        }
    }
    if (!sg_settings_load(&cli->settings, cli->config, err, sizeof err)) {
        sg_cli_error(cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    return SG_EXIT_OK;
}


