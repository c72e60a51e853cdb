/* filter.c - `sievegate filter`: applies a script to mail already stored, a
 * Maildir folder or a list of message files, as Pigeonhole's sieve-filter(1)
 * does (README, "Filtering stored mail").
 *
 * Takes: SCRIPT (parsed and validated once) and the messages. Returns: one
 * plan per message, printed (text, or one JSON object a line: `sievegate test`'s
 * JSON with "message" added). Dry run by default: nothing is moved, flagged,
 * sent or recorded. With --execute, the plan is applied in the Maildir:
 *   keep          stays in the source folder (or -m MAILBOX), with the flags
 *                 addflag/setflag gave it added to the name (cur/:2,FLAGS)
 *   fileinto      the file moves into that folder (engine/deliver/maildir.h
 *                 sg_maildir_move: a link then an unlink, flags and keywords
 *                 kept); a second target gets a copy
 *   discard       the --discard action: "keep" (default, as sieve-filter:
 *                 nothing is lost), "delete" (flagged \Deleted, not expunged)
 *                 or "move:MAILBOX"; reject counts as a discard (no MDN)
 *   redirect, notify  off (not sent; the message stays) unless
 *                 --allow-redirect: then decided by the forwarding policy, the
 *                 duplicate tracker and the audit exactly as deliver
 *                 (deliver_forward.h); bounces, vacation and MDNs are never sent.
 * A message whose plan cannot be applied stays where it is (a copy already
 * made into another folder stays too: two copies, never none).
 *
 * Exit codes (cli.md style): 0 done, 1 the script is invalid, 64 usage,
 * 66 a message or the folder cannot be read, 75 some message could not be
 * filtered now (left in place; run again).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/msgsrc.h"
#include "base/json.h"
#include "cli/cli.h"
#include "cli/plan_print.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "engine/deliver/refile.h"
#include "engine/mail/message.h"
#include "grammar/diag_print.h"

#define MAX_MESSAGE_SIZE ((size_t)1 << 30)

static void usage(FILE *out)
{
    fputs("usage: sievegate filter [--config FILE] [-o KEY=VALUE] [-u USER] [--format text|json]\n"
          "                        [-e | --execute] [--allow-redirect] [-m | --default-mailbox MAILBOX]\n"
          "                        [--discard keep|delete|move:MAILBOX] SCRIPT (MAILDIR-FOLDER | MESSAGE...)\n"
          "  Runs SCRIPT on every message of a Maildir folder (new/ then cur/) or on the given message\n"
          "  files and prints each plan; nothing is changed unless --execute. --execute moves messages\n"
          "  into their fileinto folders and applies their flags; keep leaves a message where it is (or\n"
          "  moves it to -m MAILBOX); a discarded one is left (--discard keep), flagged \\Deleted\n"
          "  (delete) or moved (move:MAILBOX). Redirects and notifications are only sent with\n"
          "  --allow-redirect, through the forwarding policy as deliver does.\n"
          "  exit: 0 done, 1 invalid script, 64 usage, 66 unreadable input, 75 some message left to retry\n",
          out);
}


typedef struct filter_options {
    const char *user;
    bool json, execute, allow_redirect;
    const char *default_mailbox; /* -m; NULL: the source folder */
    sg_discard_mode discard;
    const char *discard_mailbox;
} filter_options;

/* One run over the messages: what every message shares. */
typedef struct filter_run {
    sg_cli *cli;
    const filter_options *o;
    const sg_registry *reg;
    const sg_script *script;
    sg_run_options run;
    const char *login; /* for the logs */
    const char *home;
    sg_user_state *state; /* --execute --allow-redirect: the forward tracker */
    time_t now;
    sg_arena *msg_arena; /* one message's data, reset after each (no mapping per message) */
    sg_refile_cache *cache; /* the folder's paths and mailboxes, from one message to the next */
    int rc; /* the worst per-message outcome */
} filter_run;

/* ---- the messages ---- */

typedef struct name_list {
    char **items;
    size_t n, cap;
} name_list;

static void list_add(name_list *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->items = sg_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n++] = s;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of FOLDER/new then FOLDER/cur, each in byte order of their names
 * (dot files are Maildir's own). 0 or errno. */
static int list_folder(const char *folder, name_list *out)
{
    static const char *const subs[] = {"new", "cur"};
    for (size_t s = 0; s < 2; s++) {
        size_t first = out->n;
        char *dir = sg_xmalloc(strlen(folder) + 5);
        sprintf(dir, "%s/%s", folder, subs[s]);
        DIR *d = opendir(dir);
        if (!d) {
            int e = errno;
            free(dir);
            return e;
        }
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char *p = sg_xmalloc(strlen(dir) + strlen(de->d_name) + 2);
            sprintf(p, "%s/%s", dir, de->d_name);
            list_add(out, p);
        }
        closedir(d);
        free(dir);
        qsort(out->items + first, out->n - first, sizeof *out->items, cmp_names);
    }
    return 0;
}

/* ---- one message ---- */

/* The JSON of the plan on one line, with "message" (and what --execute did) first. */
static void print_json_line(const char *path, const sg_result *r, const sg_plan_context *pc, const char *done,
                            const char *error, bool outgoing_off)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return;
    sg_plan_print_json(mem, r, pc);
    fclose(mem);
    fputs("{\"message\": ", stdout);
    sg_json_string(stdout, path);
    if (done) {
        fputs(", \"done\": ", stdout);
        sg_json_string(stdout, done);
    }
    if (error) {
        fputs(", \"error\": ", stdout);
        sg_json_string(stdout, error);
    }
    if (outgoing_off) /* the plan's redirects and notifications are not performed */
        fputs(", \"outgoing\": \"off\"", stdout);
    /* the plan's own JSON without its braces and its line breaks (strings
     * never hold a raw line break: json.c escapes them) */
    size_t start = len && buf[0] == '{' ? 1 : 0;
    fputs(", ", stdout);
    char last = ' ';
    for (size_t i = start; i < len; i++) {
        if (buf[i] == '\n') { /* a line break and its indentation: one space after a comma */
            while (i + 1 < len && buf[i + 1] == ' ')
                i++;
            if (last == ',')
                putchar(last = ' ');
            continue;
        }
        putchar(last = buf[i]);
    }
    putchar('\n');
    free(buf);
}

/* The library's log lines (engine/deliver/refile.h): problems on stderr. */
static void host_log(void *ctx, int priority, const char *user, const char *line)
{
    (void)ctx;
    (void)user;
    if (priority <= SG_LOG_ERR)
        fprintf(stderr, "sievegate filter: %s\n", line);
}

static void filter_one(filter_run *fr, const char *path)
{
    sg_msgsrc msrc; /* mapped: a large message costs the pages the script reads */
    int err = sg_msgsrc_open_path(&msrc, path, MAX_MESSAGE_SIZE);
    if (err) {
        sg_cli_error(fr->cli, "cannot read %s: %s (skipped)", path, err == EFBIG ? "message too large" : strerror(err));
        if (fr->rc == SG_EXIT_OK)
            fr->rc = SG_EXIT_NOINPUT;
        return;
    }
    const char *data = msrc.data;
    size_t len = msrc.len;
    const filter_options *o = fr->o;
    sg_arena *arena = fr->msg_arena;
    sg_message *msg = sg_message_parse(data, len, arena);
    sg_envelope env;
    const char *owner;
    sg_refile_envelope(fr->cli->config, msg, o->user, arena, &env, &owner);
    sg_result result;
    sg_result_init(&result, arena, &fr->run.limits);
    sg_interp_run(fr->reg, fr->script, msg, &env, &fr->run, &result);

    sg_delivery_host host = {&fr->cli->settings, fr->reg, NULL, host_log, NULL, NULL, NULL, NULL, NULL};
    sg_refile_request req = {path, data, len, msg, &env, owner, fr->login, fr->home, fr->state,
                             o->default_mailbox, o->discard, o->discard_mailbox, o->execute,
                             o->execute && o->allow_redirect, fr->now, fr->cache};
    sg_refile_outcome out;
    sg_refile_status st = sg_refile_message(&host, &req, &result, arena, &out);
    int rc = st == SG_REFILE_DONE         ? SG_EXIT_OK
             : st == SG_REFILE_NOT_MAILDIR ? SG_EXIT_NOINPUT
                                           : SG_EXIT_TEMPFAIL;
    if (rc != SG_EXIT_OK && fr->rc != SG_EXIT_TEMPFAIL)
        fr->rc = rc;
    if (out.error)
        sg_cli_error(fr->cli, "%s: %s", path, out.error);

    bool outgoing = sg_result_find(&result, SG_ACT_REDIRECT) || sg_result_find(&result, SG_ACT_NOTIFY);
    sg_plan_context pc = {&env, &out.plan, NULL, NULL, out.plan.mdn, NULL, false, NULL, 0, NULL};
    if (o->json) {
        print_json_line(path, &result, &pc, out.done, out.error, outgoing && !o->allow_redirect);
    } else {
        printf("== %s\n", path);
        sg_plan_print_text(stdout, &result, &pc);
        if (outgoing && !o->allow_redirect)
            puts("(redirects and notifications are off in filter mode: --allow-redirect)");
        if (out.done && strcmp(out.done, path) != 0)
            printf("-> %s\n", out.done);
        else if (out.done)
            printf("-> unchanged\n");
    }
    sg_policy_free(out.policy);
    sg_result_free(&result);
    sg_arena_reset(arena);
    sg_msgsrc_close(&msrc);
}

/* ---- the command ---- */

static int open_state(filter_run *fr, sg_arena *arena)
{
    struct passwd *pw = fr->o->user && !strchr(fr->o->user, '@') ? getpwnam(fr->o->user) : getpwuid(getuid());
    const char *home = getenv("HOME");
    if (!home || !*home || (fr->o->user && pw && !strchr(fr->o->user, '@')))
        home = pw ? pw->pw_dir : "/";
    fr->login = sg_arena_strdup(arena, pw ? pw->pw_name : fr->o->user ? fr->o->user : "?");
    fr->home = sg_arena_strdup(arena, home);
    const char *tmpl = sg_config_get(fr->cli->config, "state_file");
    char bad = 0;
    char *path = sg_config_expand(tmpl ? tmpl : "~/" SG_USER_STATE_DEFAULT_FILE, home, fr->login, &bad);
    char err[512] = "bad state_file";
    if (!path || sg_user_state_open(path, (int64_t)fr->now, NULL, &fr->state, err, sizeof err) != SG_STATE_OK) {
        /* as deliver: forwards wait for the tracker (75), the rest goes on */
        sg_cli_error(fr->cli, "per-user state unavailable: %s (redirects will be deferred)", err);
        fr->state = NULL;
    }
    free(path);
    return SG_EXIT_OK;
}

static int run(sg_cli *cli, const filter_options *o, const char *script_path, char **inputs, int ninputs)
{
    char *src = NULL;
    size_t src_len, size;
    bool too_large;
    int err = sg_read_file(script_path, cli->settings.limits.max_script_size, &src, &src_len, &too_large, &size);
    if (err) {
        sg_cli_error(cli, "cannot open %s: %s", script_path, strerror(err));
        return SG_EXIT_NOINPUT;
    }
    name_list files = {NULL, 0, 0};
    int rc = SG_EXIT_OK;
    struct stat st;
    if (ninputs == 1 && stat(inputs[0], &st) == 0 && S_ISDIR(st.st_mode)) {
        err = list_folder(inputs[0], &files);
        if (err) {
            sg_cli_error(cli, "%s is not a Maildir folder: %s", inputs[0], strerror(err));
            rc = SG_EXIT_NOINPUT;
        }
    } else {
        for (int i = 0; i < ninputs; i++)
            list_add(&files, sg_xstrdup(inputs[i]));
    }

    sg_diags diags;
    sg_diags_init(&diags, 100);
    sg_registry *reg = sg_registry_new();
    sg_script *script = sg_parse_buffer(script_path, src, src_len, &cli->settings.limits, &diags);
    if (too_large)
        sg_error(&diags, (sg_loc){1, 1}, "limit-script-size", "script is too large (more than limit max_script_size %zu)",
                 cli->settings.limits.max_script_size);
    sg_validate(reg, script, &cli->settings.limits, &diags);
    if (diags.errors) {
        sg_diags_sort(&diags);
        sg_print_diags_text(stderr, script_path, src, src_len, &diags);
        rc = SG_EXIT_INVALID; /* nothing is filtered with a broken script */
    }
    if (rc == SG_EXIT_OK) {
        sg_arena *arena = sg_arena_new();
        filter_run fr;
        memset(&fr, 0, sizeof fr);
        fr.cli = cli;
        fr.o = o;
        fr.reg = reg;
        fr.script = script;
        fr.now = time(NULL);
        fr.login = "?";
        fr.home = "/";
        sg_settings_run_options(&cli->settings, &fr.run);
        if (o->execute && o->allow_redirect)
            open_state(&fr, arena);
        fr.msg_arena = sg_arena_new();
        fr.cache = sg_refile_cache_new();
        for (size_t i = 0; i < files.n; i++)
            filter_one(&fr, files.items[i]);
        sg_arena_free(fr.msg_arena);
        sg_refile_cache_free(fr.cache);
        rc = fr.rc;
        sg_user_state_close(fr.state);
        sg_arena_free(arena);
    }
    for (size_t i = 0; i < files.n; i++)
        free(files.items[i]);
    free(files.items);
    sg_script_free(script);
    sg_registry_free(reg);
    sg_diags_clear(&diags);
    free(src);
    return rc;
}

int sg_cmd_filter(int argc, char **argv)
{
    sg_cli cli;
    sg_cli_init(&cli, "filter", argc);
    static const struct option longopts[] = {
        SG_COMMON_LONGOPTS,
        SG_FORMAT_LONGOPTS,
        {"execute", no_argument, NULL, 'e'},
        {"allow-redirect", no_argument, NULL, 'R'},
        {"default-mailbox", required_argument, NULL, 'm'},
        {"discard", required_argument, NULL, 'D'},
        {NULL, 0, NULL, 0},
    };
    filter_options o;
    memset(&o, 0, sizeof o);
    int c, rc = SG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, ":c:o:u:em:h", longopts, NULL)) != -1) {
        if (sg_cli_common_option(&cli, c, optarg))
            continue;
        switch (c) {
        case 'u': o.user = optarg; break;
        case 'e': o.execute = true; break;
        case 'R': o.allow_redirect = true; break;
        case 'm': o.default_mailbox = optarg; break;
        case SG_OPT_FORMAT: rc = sg_cli_format_option(&cli, optarg, &o.json); break;
        case SG_OPT_JSON: o.json = true; break;
        case 'D':
            if (strcmp(optarg, "keep") == 0) {
                o.discard = SG_DISCARD_KEEP;
            } else if (strcmp(optarg, "delete") == 0) {
                o.discard = SG_DISCARD_DELETE;
            } else if (strncmp(optarg, "move:", 5) == 0 && optarg[5]) {
                o.discard = SG_DISCARD_MOVE;
                o.discard_mailbox = optarg + 5;
            } else {
                sg_cli_error(&cli, "--discard \"%s\": expected keep, delete or move:MAILBOX", optarg);
                rc = SG_EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            sg_cli_free(&cli);
            return SG_EXIT_OK;
        default:
            rc = sg_cli_usage_error(&cli, c, argv, usage);
        }
    }
    if (rc == SG_EXIT_OK && argc - optind < 2) {
        sg_cli_error(&cli, "expected SCRIPT and a Maildir folder or message files");
        usage(stderr);
        rc = SG_EXIT_USAGE;
    }
    if (rc == SG_EXIT_OK)
        rc = sg_cli_load_config(&cli);
    if (rc == SG_EXIT_OK)
        rc = run(&cli, &o, argv[optind], argv + optind + 1, argc - optind - 1);
    sg_cli_free(&cli);
    if (fflush(stdout) != 0 && rc == SG_EXIT_OK)
        rc = SG_EXIT_TEMPFAIL;
    return rc;
}
