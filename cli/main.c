/* main.c - `sievegate SUBCOMMAND ...`; installed as sievegate-lda, argv[0]
 * selects `deliver` (docs/cli.md). --version is understood under every name
 * and after every subcommand. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#ifndef SIEVEGATE_VERSION
#define SIEVEGATE_VERSION "0.0.0"
#endif

static void usage(FILE *out)
{
    fputs("usage: sievegate COMMAND [OPTIONS] [ARGS]\n"
          "commands:\n"
          "  check     parse and validate Sieve scripts (lint)\n"
          "  test      run a script on a message and print the plan (dry run)\n"
          "  filter    run a script over stored mail (a Maildir folder or message files)\n"
          "  deliver   local delivery agent, a drop-in for dovecot-lda (also sievegate-lda)\n"
          "  policy    administer the organization's forwarding policy\n"
          "  forward   administer mailbox forwarding (set by an admin, decided by the policy)\n"
          "  config    print the effective configuration (--all: with the defaults)\n"
          "  lmtp      an LMTP server (RFC 2033) for virtual users\n"
          "  managesieve  a ManageSieve server (RFC 5804) for users' scripts\n"
          "Run 'sievegate COMMAND --help' for a command's options.\n",
          out);
}

/* An argument --version before any "--" (first is the first option's index). */
static bool wants_version(int argc, char **argv, int first)
{
    for (int i = first; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--version") == 0)
            return true;
    return false;
}

static int version(void)
{
    printf("sievegate %s\n", SIEVEGATE_VERSION);
    return fflush(stdout) == 0 ? SG_EXIT_OK : SG_EXIT_TEMPFAIL;
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    if (strcmp(base, "sievegate-lda") == 0) /* dovecot-lda's drop-in name */
        return wants_version(argc, argv, 1) ? version() : sg_cmd_deliver(argc, argv);
    if (argc < 2) {
        usage(stderr);
        return SG_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return SG_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || wants_version(argc, argv, 2))
        return version();
    if (strcmp(cmd, "check") == 0)
        return sg_cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "test") == 0)
        return sg_cmd_test(argc - 1, argv + 1);
    if (strcmp(cmd, "policy") == 0)
        return sg_cmd_policy(argc - 1, argv + 1);
    if (strcmp(cmd, "forward") == 0)
        return sg_cmd_forward(argc - 1, argv + 1);
    if (strcmp(cmd, "filter") == 0)
        return sg_cmd_filter(argc - 1, argv + 1);
    if (strcmp(cmd, "config") == 0)
        return sg_cmd_config(argc - 1, argv + 1);
    if (strcmp(cmd, "deliver") == 0)
        return sg_cmd_deliver(argc - 1, argv + 1);
    if (strcmp(cmd, "lmtp") == 0)
        return sg_cmd_lmtp(argc - 1, argv + 1);
    if (strcmp(cmd, "managesieve") == 0)
        return sg_cmd_managesieve(argc - 1, argv + 1);
    fprintf(stderr, "sievegate: unknown command '%s'\n", cmd);
    usage(stderr);
    return SG_EXIT_USAGE;
}
