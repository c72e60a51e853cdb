/* lmtp.c - `sievegate lmtp`: the LMTP server's command line (docs/cli.md);
 * the server is server/lmtp/lmtp_server.h.
 *
 * Exit codes (sysexits.h): 0 stopped by SIGTERM, 64 usage, 71 a listener
 * cannot be opened, 77 privileges, 78 configuration.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "server/lmtp/lmtp_server.h"

static void usage(FILE *out)
{
    fputs("usage: sievegate lmtp [-c CONFIG | --config CONFIG] [-o KEY=VALUE]... [--listen ADDRESS]... [--stdio]\n"
          "  An LMTP server (RFC 2033) delivering to the users of `userdb`. ADDRESS: unix:/PATH, HOST:PORT or\n"
          "  [IPv6]:PORT (default: lmtp_listen). --stdio serves one session on stdin/stdout. Runs in the\n"
          "  foreground; SIGTERM finishes the transactions in progress and exits, SIGHUP reloads.\n"
          "  exit: 0 stopped, 64 usage, 71 cannot listen, 77 privileges, 78 configuration\n",
          out);
}

int sg_cmd_lmtp(int argc, char **argv)
{
    return sg_cli_server(argc, argv, "lmtp", usage, sg_lmtp_serve);
}
