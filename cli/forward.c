/* forward.c - `sievegate forward`: forwarding an administrator sets on a
 * mailbox (docs/cli.md, "sievegate forward"; docs/policy.md, "Admin mailbox
 * forwarding"), kept in the policy store beside the policy that decides it.
 *
 * Takes: `sievegate forward [--config FILE] [-o KEY=VALUE] [--json]
 * set USER ADDRESS [--keep-copy] | remove USER | list`, the configuration
 * key policy_store. Returns: what changed (text) or the forward (JSON) on
 * stdout, reasons on stderr, and the exit codes of `sievegate policy`
 * (cli/policy.c): 0 ok, 64 usage, 65 refused input, 66 no forward set,
 * 73 the store cannot be created, 75 store unavailable or locked,
 * 78 configuration error. Every write bumps the store's generation, so
 * caches and snapshot files see it at once (pol_apply).
 */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "base/json.h"
#include "cli/policy_cli.h"

enum { OPT_KEEP_COPY = 1000 };

static void forward_usage(FILE *out)
{
    fputs("usage: sievegate forward [--config FILE] [-o KEY=VALUE] [--format text|json] SUBCOMMAND [ARGS]\n"
          "  set USER ADDRESS [--keep-copy]       forward USER's mailbox to ADDRESS (--keep-copy: a copy\n"
          "                                       stays in the mailbox); replaces USER's forward\n"
          "  remove USER                          stop forwarding USER's mail\n"
          "  list                                 the forwards set\n"
          "  Every subcommand takes --format text|json (--json, the same as --format json).\n"
          "  exit: 0 ok, 64 usage, 65 refused input, 66 not found, 73 cannot create the store,\n"
          "  75 store unavailable or locked, 78 configuration error\n",
          out);
}

static void forward_text(FILE *out, const sg_admin_forward *f)
{
    fprintf(out, "%s: to %s, keep copy %s", f->user, f->address, pol_yesno(f->keep_copy));
}

static void forward_json(FILE *out, const sg_admin_forward *f)
{
    fputs("{\"user\": ", out);
    sg_json_string(out, f->user);
    fputs(", \"address\": ", out);
    sg_json_string(out, f->address);
    fprintf(out, ", \"keep_copy\": %s}", pol_json_bool(f->keep_copy));
}

static void print_change(policy_cli *pc, const change *ch, const char *action, const sg_admin_forward *f)
{
    if (pc->json) {
        pol_json_change_head(stdout, ch->after, action, "forward");
        forward_json(stdout, f);
        fputs("}\n", stdout);
    } else if (strcmp(action, "removed") == 0) {
        printf("removed forward %s", f->user);
        pol_print_generation(stdout, ch->after);
    } else {
        printf("%s forward ", action);
        forward_text(stdout, f);
        pol_print_generation(stdout, ch->after);
    }
}

static sg_store_status op_put(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    return sg_policy_store_put_forward(s, arg, err, errlen);
}

static sg_store_status op_remove(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    return sg_policy_store_remove_forward(s, arg, err, errlen);
}

static int set_option(policy_cli *pc, void *ctx, int opt, char *arg)
{
    (void)pc;
    (void)arg;
    if (opt == OPT_KEEP_COPY)
        *(bool *)ctx = true;
    return SG_EXIT_OK;
}

int pol_cmd_forward_set(policy_cli *pc, int argc, char **argv)
{
    static const struct option opts[] = {
        SG_FORMAT_LONGOPTS,
        {"keep-copy", no_argument, NULL, OPT_KEEP_COPY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sg_admin_forward f = {NULL, NULL, false};
    int rc = pol_parse_options(pc, argc, argv, opts, set_option, &f.keep_copy);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    if ((rc = pol_ready(pc, pol_positional(pc, argc, argv, 2, 2, "USER and ADDRESS"))) != SG_EXIT_OK)
        return rc;
    f.user = argv[optind];
    f.address = argv[optind + 1];
    change ch;
    if ((rc = pol_apply(pc, op_put, &f, &ch)) != SG_EXIT_OK)
        return rc;
    const char *user = pol_stored_form(pc, sg_policy_normalize_address, f.user);
    const sg_admin_forward *now = sg_policy_admin_forward(ch.after, user);
    if (now) /* always: the write succeeded (unless another admin removed it since) */
        print_change(pc, &ch, sg_policy_admin_forward(ch.before, user) ? "replaced" : "added", now);
    pol_change_free(&ch);
    return SG_EXIT_OK;
}

int pol_cmd_forward_remove(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_parse_options(pc, argc, argv, pol_json_only_opts, NULL, NULL);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    if ((rc = pol_ready(pc, pol_positional(pc, argc, argv, 1, 1, "USER"))) != SG_EXIT_OK)
        return rc;
    change ch;
    if ((rc = pol_apply(pc, op_remove, argv[optind], &ch)) != SG_EXIT_OK)
        return rc;
    const char *user = pol_stored_form(pc, sg_policy_normalize_address, argv[optind]);
    const sg_admin_forward *was = sg_policy_admin_forward(ch.before, user);
    sg_admin_forward gone = {user, "", false};
    print_change(pc, &ch, "removed", was ? was : &gone);
    pol_change_free(&ch);
    return SG_EXIT_OK;
}

int pol_cmd_forward_list(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_start_plain(pc, argc, argv);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    sg_policy *p;
    if ((rc = pol_read_policy(pc, &p)) != SG_EXIT_OK)
        return rc;
    if (pc->json) {
        printf("{\"generation\": %" PRIu64 ", \"forwards\": [", p->generation);
        for (size_t i = 0; i < p->nforwards; i++) {
            fputs(i ? ", " : "", stdout);
            forward_json(stdout, &p->forwards[i]);
        }
        fputs("]}\n", stdout);
    } else {
        for (size_t i = 0; i < p->nforwards; i++) {
            forward_text(stdout, &p->forwards[i]);
            fputc('\n', stdout);
        }
    }
    sg_policy_free(p);
    return SG_EXIT_OK;
}

int sg_cmd_forward(int argc, char **argv)
{
    static const pol_subcommand subcommands[] = {
        {"set", pol_cmd_forward_set},
        {"remove", pol_cmd_forward_remove},
        {"list", pol_cmd_forward_list},
    };
    return pol_main("forward", argc, argv, subcommands, sizeof subcommands / sizeof subcommands[0], forward_usage);
}
