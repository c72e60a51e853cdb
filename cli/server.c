/* server.c - the command line the servers share (`sievegate lmtp`,
 * `sievegate managesieve`: docs/cli.md): -c/--config, -o KEY=VALUE,
 * --listen ADDRESS (repeatable), --stdio, -h; and their configuration
 * loaded from it. Each server's own file gives its usage text and its
 * serve function. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/daemon.h"

int sg_cli_server(int argc, char **argv, const char *command, void (*usage)(FILE *),
                  int (*serve)(const sg_server_args *args))
{
    sg_cli cli;
    sg_cli_init(&cli, command, argc);
    enum { OPT_LISTEN = 1000, OPT_STDIO };
    static const struct option longopts[] = {SG_COMMON_LONGOPTS,
                                             {"listen", required_argument, NULL, OPT_LISTEN},
                                             {"stdio", no_argument, NULL, OPT_STDIO},
                                             {NULL, 0, NULL, 0}};
    sg_server_args a;
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
        rc = serve(&a);
    }
    free(listen);
    sg_cli_free(&cli);
    return rc;
}

int sg_cli_load_server_config(sg_cli *cli, const char *command, const sg_server_args *args)
{
    sg_cli_init(cli, command, (int)args->noverrides + 1);
    cli->config_path = args->config_path ? args->config_path : SG_DEFAULT_CONFIG_PATH;
    cli->config_explicit = args->config_explicit;
    for (size_t i = 0; i < args->noverrides; i++)
        cli->overrides[cli->noverrides++] = args->overrides[i];
    return sg_cli_load_config(cli);
}
