/* test.c - `sievegate test`: run a script on a message file with a given
 * envelope and print the plan, doing nothing (docs/cli.md). The
 * pipeline stops before delivery: parse -> validate -> execute -> result. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/mail/addrlist.h"
#include "engine/core/include.h"
#include "engine/core/interp.h"
#include "engine/core/list_store.h"
#include "engine/deliver/maildir.h"
#include "engine/mail/message.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "base/arena.h"
#include "base/msgsrc.h"
#include "cli/cli.h"
#include "engine/deliver/delivery.h"
#include "engine/enforce/policy_get.h"
#include "grammar/diag_print.h"
#include "cli/plan_print.h"
#include "policy/decide.h"
#include "store/ldap_policy.h"
#include "cli/policy_load.h"

#define MAX_MESSAGE_SIZE ((size_t)1 << 30)

static void usage(FILE *out)
{
    fputs("usage: sievegate test [--config FILE] [-o KEY=VALUE] [-f ENVFROM] [-a ENVTO] [-u USER]\n"
          "                      [--format text|json] [--now ISO8601] [--show-messages] [--trace]\n"
          "                      [--message-id ID] [--boundary B] [--mailboxes NAME,...] SCRIPT MESSAGE\n"
          "  Runs SCRIPT on the RFC 5322 MESSAGE and prints what would happen; nothing is done.\n"
          "  -f defaults to the message's Return-Path or From (\"\" or \"<>\": null sender),\n"
          "  -a to its first To address. Scripts named by include come from -o sieve_dir=DIR (default:\n"
          "  SCRIPT's directory) and -o sieve_global=DIR; spamtest/virustest read the headers the\n"
          "  sieve_spamtest_* / sieve_virustest_* settings name (README.md).\n"
          "  --now also fixes what currentdate sees (RFC 5260).\n"
          "  --trace shows what the run did before the plan: each command, each test and its result, each\n"
          "  value a test compared with each key, each variable set (JSON: a \"trace\" array).\n"
          "  Environment items (RFC 5183) come from -o/config keys hostname, environment_domain,\n"
          "  environment_location, environment_phase, environment_remote_host, environment_remote_ip.\n"
          "  --mailboxes: the mailboxes that exist (mailboxexists, :specialuse; INBOX always does),\n"
          "  else those of mail_location's Maildir, else INBOX alone.\n"
          "  Externally stored lists (RFC 6134 :list, valid_ext_list, redirect :list) are the files of\n"
          "  -o sieve_extlists_dir=DIR, one value a line (README.md says how list names map to files).\n"
          "  exit: 0 ran, 1 invalid script, 64 usage, 66 unreadable input, 78 configuration error\n",
          out);
}

/* "<>" and "" are the null sender; angle brackets around a path are dropped. */
static const char *envelope_path(const char *arg, sg_arena *arena)
{
    size_t len = strlen(arg);
    if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>')
        return sg_arena_strndup(arena, arg + 1, len - 2);
    return arg;
}

/* --now: "2026-11-23T10:00:00Z", "...+01:00" or a date; returns (time_t)-1 when malformed. */
static time_t parse_iso8601(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end)
        end = strptime(s, "%Y-%m-%d", &tm);
    if (!end)
        return (time_t)-1;
    long offset = 0;
    if (*end == '+' || *end == '-') {
        int hh, mm;
        if (sscanf(end + 1, "%2d:%2d", &hh, &mm) != 2 && sscanf(end + 1, "%2d%2d", &hh, &mm) != 2)
            return (time_t)-1;
        offset = (hh * 3600L + mm * 60L) * (*end == '-' ? -1 : 1);
    } else if (*end != 'Z' && *end != '\0') {
        return (time_t)-1;
    }
    return timegm(&tm) - offset;
}

typedef struct test_options {
    const char *from, *to, *user;
    time_t now;             /* 0: the current time */
    const char *message_id; /* of the bounce, for reproducible output */
    const char *boundary;
    bool json;
    bool show_messages; /* print the messages that would be sent (the bounce, the reject MDN) */
    bool trace;         /* --trace: what the run did (commands, tests, comparisons, variables) */
    const char *mailboxes; /* --mailboxes: the mailboxes that exist (RFC 5490), else mail_location's */
} test_options;

/* The owner: -u (with the domain of -a when it has none), else -a without
 * its +detail, as delivery takes it (engine/deliver/delivery.h). */
static const char *owner_of(const sg_cli *cli, const test_options *o, const sg_envelope *env, sg_arena *arena)
{
    if (!o->user)
        return sg_delivery_owner_of(cli->config, env->to, arena);
    if (strchr(o->user, '@'))
        return o->user;
    const char *at = strrchr(env->to, '@');
    if (!at)
        return o->user;
    size_t u = strlen(o->user), d = strlen(at);
    char *s = sg_arena_alloc_bytes(arena, u + d + 1);
    memcpy(s, o->user, u);
    memcpy(s + u, at, d + 1);
    return s;
}

/* --trace: the run's events, copied into the arena (their strings are the
 * interpreter's for the call only), values cut at 1 KiB; in text they are
 * printed as they come, before the plan. */
typedef struct trace_log {
    sg_arena *arena;
    bool json;
    sg_trace_event *events;
    size_t n, cap;
} trace_log;

static const char *copy_cut(sg_arena *arena, const char *s, size_t *len)
{
    if (!s)
        return NULL;
    if (*len > 1024)
        *len = 1024;
    return sg_arena_strndup(arena, s, *len);
}

static void trace_event(void *ctx, const sg_trace_event *ev)
{
    trace_log *t = ctx;
    if (!t->json) {
        sg_plan_print_trace_event(stdout, ev);
        return;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        sg_trace_event *grown = sg_arena_alloc(t->arena, cap * sizeof *grown);
        if (t->n)
            memcpy(grown, t->events, t->n * sizeof *grown);
        t->events = grown;
        t->cap = cap;
    }
    sg_trace_event *e = &t->events[t->n++];
    *e = *ev;
    e->name = ev->name ? sg_arena_strdup(t->arena, ev->name) : NULL;
    e->value = copy_cut(t->arena, ev->value, &e->value_len);
    e->key = copy_cut(t->arena, ev->key, &e->key_len);
}

static int run(sg_cli *cli, const test_options *o, const char *script_path, const char *message_path)
{
    char *src = NULL;
    size_t src_len, size;
    bool too_large;
    int err = sg_read_file(script_path, cli->settings.limits.max_script_size, &src, &src_len, &too_large, &size);
    if (err) {
        sg_cli_error(cli, "cannot open %s: %s", script_path, strerror(err));
        return SG_EXIT_NOINPUT;
    }
    /* mapped, not read: a large message costs the pages the script reads (base/msgsrc.h) */
    sg_msgsrc msrc;
    err = strcmp(message_path, "-") == 0 ? sg_msgsrc_open_fd(&msrc, STDIN_FILENO, MAX_MESSAGE_SIZE, NULL)
                                         : sg_msgsrc_open_path(&msrc, message_path, MAX_MESSAGE_SIZE);
    if (err) {
        sg_cli_error(cli, "cannot read %s: %s", message_path, err == EFBIG ? "message too large" : strerror(err));
        free(src);
        return SG_EXIT_NOINPUT;
    }
    const char *mail = msrc.data;
    size_t mail_len = msrc.len;

    int rc = SG_EXIT_OK;
    sg_diags diags;
    sg_diags_init(&diags, 100);
    sg_registry *reg = sg_settings_registry(&cli->settings);
    sg_script *script = sg_parse_buffer(script_path, src, src_len, &cli->settings.limits, &diags);
    if (too_large) {
        sg_loc start = {1, 1};
        sg_error(&diags, start, "limit-script-size", "script is too large (more than limit max_script_size %zu)",
                 cli->settings.limits.max_script_size);
    }
    sg_includes *inc = sg_settings_script_includes(&cli->settings, script_path);
    sg_validate_with(reg, script, &cli->settings.limits, &diags, inc);
    if (diags.errors) {
        sg_diags_sort(&diags);
        sg_print_diags_text(stderr, script_path, src, src_len, &diags);
        if (o->json) {
            /* Delivery would keep the message in INBOX (architecture.md, failure rules). */
            fputs("{\"implicit_keep\": true,\n \"actions\": [\n   {\"action\": \"keep\", \"mailbox\": \"INBOX\", "
                  "\"flags\": [], \"implicit\": true}\n ],\n \"errors\": ",
                  stdout);
            sg_plan_print_json_errors(stdout, &diags);
            fputs("}\n", stdout);
        }
        rc = SG_EXIT_INVALID;
    } else {
        sg_arena *arena = sg_arena_new();
        sg_message *msg = sg_message_parse(mail, mail_len, arena);
        sg_envelope env;
        memset(&env, 0, sizeof env);
        env.to = o->to ? envelope_path(o->to, arena) : sg_message_first_address(msg, "to", arena);
        if (o->from) {
            env.from = envelope_path(o->from, arena);
        } else {
            const char *const *rp;
            if (sg_message_header_raw_values(msg, "return-path", &rp) > 0) {
                sg_mailbox mb;
                env.from = sg_envelope_address_parse(rp[0], arena, &mb) && mb.valid
                               ? (*mb.local ? sg_message_first_address(msg, "return-path", arena) : "")
                               : NULL;
            }
            if (!env.from)
                env.from = sg_message_first_address(msg, "from", arena);
        }
        if (!env.from)
            env.from = "";
        if (!env.to)
            env.to = "";

        sg_run_options opt;
        sg_settings_run_options(&cli->settings, &opt);
        opt.now = (long long)o->now; /* RFC 5260 currentdate */
        /* mailboxexists, :specialuse: --mailboxes, else the Maildir of mail_location, else INBOX alone */
        const char *root = NULL;
        const char *location = sg_config_get(cli->config, "mail_location");
        if (!o->mailboxes && location) {
            char bad = 0, why[256];
            const char *home = getenv("HOME");
            char *expanded = sg_config_expand(location, home ? home : "/", o->user ? o->user : "", &bad);
            if (!expanded || !sg_maildir_location_root(expanded, arena, &root, why, sizeof why))
                root = NULL; /* not a Maildir sievegate reads: no store */
            free(expanded);
        }
        sg_mailboxes mb;
        char mberr[512];
        if (!sg_settings_mailbox_store(&cli->settings, o->mailboxes, root, arena, &mb, mberr, sizeof mberr)) {
            sg_cli_error(cli, "configuration error: %s", mberr);
            rc = SG_EXIT_CONFIG;
        }
        opt.mailboxes = mb.have ? &mb.store : NULL;
        /* RFC 6134 :list, valid_ext_list, redirect :list: the files of sieve_extlists_dir (as deliver) */
        sg_list_dir lists;
        sg_list_dir_init(&lists, sg_config_get(cli->config, "sieve_extlists_dir"), arena);
        sg_list_store list_store = sg_list_dir_store(&lists);
        opt.lists = &list_store;

        trace_log trace = {arena, o->json, NULL, 0, 0};
        if (o->trace) {
            opt.trace = trace_event;
            opt.trace_ctx = &trace;
        }
        sg_result result;
        sg_result_init(&result, arena, &opt.limits);
        if (rc == SG_EXIT_OK)
            sg_interp_run(reg, script, msg, &env, &opt, &result);

        /* Enforcement: exactly what delivery does (engine/enforce/plan.h), nothing sent. */
        sg_policy *policy = NULL;
        sg_unavailable_mode mode = SG_UNAVAILABLE_TEMPFAIL;
        char why[512] = "";
        const char *owner = owner_of(cli, o, &env, arena);
        /* As delivery: for the script's forwards, and for the owner's admin mailbox forward when a store is configured. */
        bool admin = sg_policy_store_configured(cli->config);
        if (rc == SG_EXIT_OK && (sg_plan_needs_policy(&result) || admin))
            rc = sg_cli_policy(cli, owner, &policy, &mode, why, sizeof why);
        admin = admin && sg_policy_admin_forward_asked(cli->config, policy != NULL);
        if (rc == SG_EXIT_OK) {
            /* The plan as delivery builds it, without the per-user state (nothing recorded yet). */
            sg_plan_input in;
            memset(&in, 0, sizeof in);
            in.owner = owner;
            in.envelope_sender = env.from;
            in.recipient = env.to;
            in.message = msg;
            in.policy = policy;
            in.unavailable = mode;
            in.unavailable_reason = why;
            in.admin_forward = admin;
            in.mailboxes = opt.mailboxes;
            const char *autocreate = sg_config_get(cli->config, "lda_mailbox_autocreate");
            in.autocreate = autocreate && strcmp(autocreate, "yes") == 0;
            sg_plan plan;
            sg_plan_build(&result, &in, arena, &plan);
            sg_bounce bounce;
            sg_plan_context pc = {&env, &plan, NULL, NULL, SG_MDN_DUE, NULL, o->trace, trace.events, trace.n,
                                  sg_policy_directory_group_matched(policy, sg_policy_effective(policy, owner))};
            if (o->show_messages) {
                /* The notifications that would be sent: to their allowed recipients only. */
                sg_notify_mail *nm = sg_arena_calloc(arena, (result.count + 1) * sizeof *nm);
                for (size_t i = 0; i < result.count; i++) {
                    if (result.actions[i].kind != SG_ACT_NOTIFY || !plan.notify[i].nallowed)
                        continue;
                    sg_notify_request nr = {in.owner, env.from, msg, &result.actions[i], &plan.notify[i]};
                    sg_notify_options no = {sg_config_get(cli->config, "hostname"), o->now, o->message_id};
                    sg_notify_build(&nr, &no, arena, &nm[i]);
                }
                pc.notifications = nm;
            }
            const sg_action *reject = sg_result_find(&result, SG_ACT_REJECT);
            sg_mdn mdn;
            if (reject) {
                sg_mdn_request mr = {env.from, env.to, NULL, msg, reject->reason};
                pc.mdn_check = plan.mdn;
                if (o->show_messages && pc.mdn_check == SG_MDN_DUE) {
                    sg_mdn_options mo = {sg_config_get(cli->config, "hostname"), o->now, o->message_id, o->boundary,
                                         sg_config_get(cli->config, "postmaster_address")};
                    sg_message_use_original(msg, true); /* RFC 5293 §7 */
                    sg_mdn_build(&mr, &mo, arena, &mdn);
                    sg_message_use_original(msg, false);
                    pc.mdn = &mdn;
                }
            }
            if (o->show_messages && plan.bounce == SG_BOUNCE_DUE) {
                sg_bounce_request br = {env.from, msg, in.owner, plan.bounce_targets, plan.nbounce_targets, false};
                sg_bounce_options bo = {sg_config_get(cli->config, "hostname"), o->now, o->message_id, o->boundary,
                                        sg_config_get(cli->config, "postmaster_address")};
                sg_message_use_original(msg, true); /* RFC 5293 §7 */
                sg_bounce_build(&br, &bo, arena, &bounce);
                sg_message_use_original(msg, false);
                pc.bounce = &bounce;
            }
            if (o->json)
                sg_plan_print_json(stdout, &result, &pc);
            else
                sg_plan_print_text(stdout, &result, &pc);
        }
        sg_policy_free(policy);
        sg_result_free(&result);
        sg_arena_free(arena);
    }
    sg_script_free(script);
    sg_includes_free(inc);
    sg_registry_free(reg);
    sg_diags_clear(&diags);
    free(src);
    sg_msgsrc_close(&msrc);
    return rc;
}

int sg_cmd_test(int argc, char **argv)
{
    sg_cli cli;
    sg_cli_init(&cli, "test", argc);
    static const struct option longopts[] = {
        SG_COMMON_LONGOPTS,
        SG_FORMAT_LONGOPTS,
        {"now", required_argument, NULL, 'N'},
        {"show-messages", no_argument, NULL, 'S'},
        {"trace", no_argument, NULL, 'T'},
        {"message-id", required_argument, NULL, 'M'},
        {"boundary", required_argument, NULL, 'B'},
        {"mailboxes", required_argument, NULL, 'X'},
        {NULL, 0, NULL, 0},
    };
    test_options o;
    memset(&o, 0, sizeof o);
    int c, rc = SG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, ":c:o:f:a:u:h", longopts, NULL)) != -1) {
        if (sg_cli_common_option(&cli, c, optarg))
            continue;
        switch (c) {
        case 'f': o.from = optarg; break;
        case 'a': o.to = optarg; break;
        case 'u': o.user = optarg; break;
        case 'S': o.show_messages = true; break;
        case 'T': o.trace = true; break;
        case 'M': o.message_id = optarg; break;
        case 'B': o.boundary = optarg; break;
        case 'X': o.mailboxes = optarg; break;
        case 'N':
            o.now = parse_iso8601(optarg);
            if (o.now == (time_t)-1) {
                sg_cli_error(&cli, "--now \"%s\" is not an ISO 8601 date (e.g. 2026-11-23T10:00:00Z)", optarg);
                rc = SG_EXIT_USAGE;
            }
            break;
        case SG_OPT_FORMAT:
            rc = sg_cli_format_option(&cli, optarg, &o.json);
            break;
        case SG_OPT_JSON:
            o.json = true;
            break;
        case 'h':
            usage(stdout);
            sg_cli_free(&cli);
            return SG_EXIT_OK;
        default:
            rc = sg_cli_usage_error(&cli, c, argv, usage);
        }
    }
    if (rc == SG_EXIT_OK && argc - optind != 2) {
        sg_cli_error(&cli, "expected SCRIPT and MESSAGE");
        usage(stderr);
        rc = SG_EXIT_USAGE;
    }
    if (rc == SG_EXIT_OK)
        rc = sg_cli_load_config(&cli);
    if (rc == SG_EXIT_OK)
        rc = run(&cli, &o, argv[optind], argv[optind + 1]);
    sg_cli_free(&cli);
    if (fflush(stdout) != 0 && rc == SG_EXIT_OK)
        rc = SG_EXIT_TEMPFAIL;
    return rc;
}
