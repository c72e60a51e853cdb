/* managesieve.c - `sievegate managesieve`: the ManageSieve server's command
 * line (docs/cli.md); the server is server/managesieve/ms_server.h.
 *
 * Exit codes (sysexits.h): 0 stopped by SIGTERM, 64 usage, 71 a listener
 * cannot be opened, 77 privileges, 78 configuration.
 */
#include <stdio.h>

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
    return sg_cli_server(argc, argv, "managesieve", usage, sg_ms_serve);
}
