/* managesieve.c - `sievegate managesieve`: the ManageSieve server's command
 * line (docs/cli.md); the server is server/managesieve/ms_server.h.
 *
 * Exit codes (sysexits.h): 0 stopped by SIGTERM, 64 usage, 71 a listener
 * cannot be opened, 77 privileges, 78 configuration.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/managesieve/ms_server.h"

static void usage(FILE *out)
{
    fputs("usage: sievegate managesieve [-c CONFIG | --config CONFIG] [-o KEY=VALUE]... [--listen ADDRESS]... [--stdio]\n"
          "  A ManageSieve server (RFC 5804) for the users of `userdb`: scripts stored as Dovecot stores them,\n"
          "  checked as `check -u` checks them. ADDRESS: HOST:PORT, [IPv6]:PORT, *:PORT, HOST (port 4190) or\n"
          "  unix:/PATH (default: managesieve_listen, else *:4190). --stdio serves one session on stdin/stdout.\n"
          "  Runs in the foreground; SIGTERM ends the sessions and exits, SIGHUP reloads.\n"
          "  exit: 0 stopped, 64 usage, 71 cannot listen, 77 privileges, 78 configuration\n",
          out);
}

int sg_cmd_managesieve(int argc, char **argv)
{
    sg_cli cli;
    sg_cli_init(&cli, "managesieve", argc);
    enum { OPT_LISTEN = 1000, OPT_STDIO };
    static const struct option longopts[] = {SG_COMMON_LONGOPTS,
                                             {"listen", required_argument, NULL, OPT_LISTEN},
                                             {"stdio", no_argument, NULL, OPT_STDIO},
                                             {NULL, 0, NULL, 0}};
    sg_ms_server_args a;
    memset(&a, 0, sizeof a);
    const char **listen = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *listen);
    int c, rc = SG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, ":c:o:h", longopts, NULL)) != -1) {
        if (sg_cli_common_option(&cli, c == 'c' ? SG_OPT_CONFIG : c, optarg))
            continue;
        switch (c) {
        case OPT_LISTEN: listen[a.nlisten++] = optarg; break;
        case OPT_STDIO: a.stdio = true; break;
        case 'h':
            usage(stdout);
            free(listen);
            sg_cli_free(&cli);
            return SG_EXIT_OK;
        default: rc = sg_cli_usage_error(&cli, c, argv, usage);
        }
    }
    if (rc == SG_EXIT_OK && optind < argc) {
        sg_cli_error(&cli, "unexpected argument %s", argv[optind]);
        rc = SG_EXIT_USAGE;
    }
    if (rc == SG_EXIT_OK && a.stdio && a.nlisten) {
        sg_cli_error(&cli, "--stdio and --listen exclude each other");
        rc = SG_EXIT_USAGE;
    }
    if (rc == SG_EXIT_OK) {
        a.config_path = cli.config_path;
        a.config_explicit = cli.config_explicit;
        a.overrides = cli.overrides;
        a.noverrides = cli.noverrides;
        a.listen = listen;
        rc = sg_ms_serve(&a);
    }
    free(listen);
    sg_cli_free(&cli);
    return rc;
}
