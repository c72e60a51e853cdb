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

#include "engine/mail/addrlist.h"
#include "engine/core/interp.h"
#include "engine/deliver/maildir.h"
#include "engine/mail/message.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "base/arena.h"
#include "cli/cli.h"
#include "cli/deliver_forward.h"
#include "cli/diag_print.h"
#include "cli/json.h"
#include "cli/plan_print.h"
#include "cli/policy_load.h"

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

typedef enum { DISCARD_KEEP, DISCARD_DELETE, DISCARD_MOVE } discard_mode;

typedef struct filter_options {
    const char *user;
    bool json, execute, allow_redirect;
    const char *default_mailbox; /* -m; NULL: the source folder */
    discard_mode discard;
    const char *discard_mailbox;
} filter_options;

/* One run over the messages: what every message shares. */
typedef struct filter_run {
    sg_cli *cli;
    const filter_options *o;
    const sg_registry *reg;
    const sg_script *script;
    sg_run_options run;
    sg_maildir_options mopt;
    const char *login; /* for the logs */
    sg_user_state *state; /* --execute --allow-redirect: the forward tracker */
    time_t now;
    sg_arena *msg_arena; /* one message's data, reset after each (no mapping per message) */
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

/* The Maildir folder a message file is in (FOLDER/new/x or FOLDER/cur/x), or
 * NULL when it is not in one. */
static char *folder_of(const char *path, sg_arena *arena)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash - path < 3)
        return NULL;
    const char *sub = slash - 3;
    if ((memcmp(sub, "new", 3) != 0 && memcmp(sub, "cur", 3) != 0) || (sub > path && sub[-1] != '/'))
        return NULL;
    if (sub == path)
        return sg_arena_strdup(arena, ".");
    return sg_arena_strndup(arena, path, (size_t)(sub - 1 - path) ? (size_t)(sub - 1 - path) : 1);
}

/* Maildir++: a subfolder holds a "maildirfolder" file and lives in the root. */
static char *root_of(const char *folder, sg_arena *arena)
{
    char *marker = sg_arena_alloc_bytes(arena, strlen(folder) + 16);
    sprintf(marker, "%s/maildirfolder", folder);
    char *real = realpath(folder, NULL);
    if (!real)
        return NULL;
    char *root = sg_arena_strdup(arena, real);
    free(real);
    if (access(marker, F_OK) == 0) {
        char *slash = strrchr(root, '/');
        if (slash && slash != root)
            *slash = '\0';
    }
    return root;
}

/* ---- one message ---- */

static const char *path_arg(const char *arg, sg_arena *arena)
{
    size_t len = strlen(arg);
    if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>')
        return sg_arena_strndup(arena, arg + 1, len - 2);
    return arg;
}

/* The envelope of a stored message: Return-Path (as the LDA wrote it) and
 * Delivered-To, else From and To, as `test` guesses them. */
static void stored_envelope(const filter_options *o, sg_message *msg, sg_arena *arena, sg_envelope *env,
                            const char **owner)
{
    memset(env, 0, sizeof *env);
    const char *const *rp;
    if (sg_message_header_raw_values(msg, "return-path", &rp) > 0) {
        sg_mailbox mb;
        if (sg_envelope_address_parse(rp[0], arena, &mb) && mb.valid)
            env->from = mb.raw ? mb.raw : "";
    }
    if (!env->from)
        env->from = sg_message_first_address(msg, "from", arena);
    env->to = sg_message_first_address(msg, "delivered-to", arena);
    if (!env->to && o->user && strchr(o->user, '@'))
        env->to = o->user;
    if (!env->to)
        env->to = sg_message_first_address(msg, "to", arena);
    env->from = env->from ? path_arg(env->from, arena) : "";
    env->to = env->to ? env->to : "";
    /* -u (with the domain of the recipient when it has none), else the recipient */
    *owner = env->to;
    if (o->user && strchr(o->user, '@')) {
        *owner = o->user;
    } else if (o->user) {
        const char *at = strrchr(env->to, '@');
        char *s = sg_arena_alloc_bytes(arena, strlen(o->user) + (at ? strlen(at) : 0) + 1);
        sprintf(s, "%s%s", o->user, at ? at : "");
        *owner = s;
    }
}

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

/* A local target of the plan. */
typedef struct target {
    const char *mailbox; /* NULL: the source folder itself */
    const char **flags;
    size_t nflags;
    bool create;
} target;

static void add_target(target *t, size_t *n, const char *mailbox, const sg_flags *f, bool create, sg_arena *arena)
{
    for (size_t i = 0; i < *n; i++) {
        bool same = (!t[i].mailbox && !mailbox) || (t[i].mailbox && mailbox && sg_mailbox_equal(t[i].mailbox, mailbox));
        if (!same)
            continue;
        /* one copy per folder: the flags add up, as in deliver */
        size_t add = f ? f->count : 0;
        const char **all = sg_arena_alloc(arena, (t[i].nflags + add + 1) * sizeof *all);
        memcpy(all, t[i].flags, t[i].nflags * sizeof *all);
        for (size_t k = 0; k < add; k++)
            all[t[i].nflags + k] = f->items[k];
        t[i].flags = all;
        t[i].nflags += add;
        t[i].create |= create;
        return;
    }
    t[*n].mailbox = mailbox;
    t[*n].flags = f ? f->items : NULL;
    t[*n].nflags = f ? f->count : 0;
    t[*n].create = create;
    (*n)++;
}

/* Is `mailbox` of the Maildir at root the folder `folder`? */
static bool is_folder(const char *root, const char *mailbox, const struct stat *folder)
{
    char dir[512];
    sg_maildir_error err;
    if (sg_maildir_folder_dir(mailbox, dir, sizeof dir, &err) != SG_MAILDIR_OK)
        return false;
    char *p = sg_xmalloc(strlen(root) + strlen(dir) + 2);
    sprintf(p, "%s/%s", root, dir);
    struct stat st;
    bool same = stat(p, &st) == 0 && st.st_dev == folder->st_dev && st.st_ino == folder->st_ino;
    free(p);
    return same;
}

/* Applies the plan to the file `path`: copies into every target but one,
 * then the move into that one (the source folder itself when it is a target).
 * Returns 0 or SG_EXIT_TEMPFAIL with *error; *done says what happened. */
static int apply(filter_run *fr, const char *path, const char *data, size_t len, target *t, size_t nt,
                 sg_arena *arena, const char **done, const char **error)
{
    char *folder = folder_of(path, arena);
    struct stat fst;
    const char *root = folder ? root_of(folder, arena) : NULL;
    char *real = folder ? realpath(folder, NULL) : NULL;
    if (real) {
        folder = sg_arena_strdup(arena, real);
        free(real);
    }
    if (!folder || !root || stat(folder, &fst) != 0) {
        *error = "not in the new/ or cur/ of a Maildir folder: left as it is";
        return SG_EXIT_NOINPUT;
    }
    /* the primary target: the source folder when it is one, else the first */
    size_t primary = 0;
    bool in_source = false;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].mailbox && is_folder(root, t[i].mailbox, &fst))
            t[i].mailbox = NULL;
        if (t[i].mailbox)
            continue;
        if (!in_source) {
            primary = i;
            in_source = true;
            continue;
        }
        /* keep and fileinto "INBOX" in INBOX: one message, the flags add up */
        const char **all = sg_arena_alloc(arena, (t[primary].nflags + t[i].nflags + 1) * sizeof *all);
        memcpy(all, t[primary].flags, t[primary].nflags * sizeof *all);
        memcpy(all + t[primary].nflags, t[i].flags, t[i].nflags * sizeof *all);
        t[primary].flags = all;
        t[primary].nflags += t[i].nflags;
        t[i].nflags = 0;
    }
    sg_maildir_error merr;
    memset(&merr, 0, sizeof merr);
    sg_maildir_status st = SG_MAILDIR_OK;
    if (nt > 1) {
        const char **own;
        size_t nown = sg_maildir_name_flags(path, arena, &own);
        sg_maildir_txn *txn = NULL;
        st = sg_maildir_begin(root, &fr->mopt, NULL, 0, data, len, &txn, &merr);
        for (size_t i = 0; i < nt && st == SG_MAILDIR_OK; i++) {
            if (i == primary || !t[i].mailbox) /* the source folder: the message itself */
                continue;
            const char **fl = sg_arena_alloc(arena, (nown + t[i].nflags + 1) * sizeof *fl);
            memcpy(fl, own, nown * sizeof *fl);
            memcpy(fl + nown, t[i].flags, t[i].nflags * sizeof *fl);
            st = sg_maildir_add(txn, t[i].mailbox, fl, nown + t[i].nflags, t[i].create, &merr);
            if (st == SG_MAILDIR_REFUSED || st == SG_MAILDIR_NOTFOUND) {
                fprintf(stderr, "sievegate filter: %s: %s: not copied\n", path, merr.message);
                st = SG_MAILDIR_OK; /* the message itself stays: nothing lost */
            }
        }
        if (st == SG_MAILDIR_OK)
            st = sg_maildir_commit(txn, &merr);
        sg_maildir_free(txn);
    }
    char *moved = NULL;
    if (st == SG_MAILDIR_OK) {
        const target *p = &t[primary];
        st = sg_maildir_move(p->mailbox ? root : folder, &fr->mopt, path, p->mailbox ? p->mailbox : "INBOX",
                             p->flags, p->nflags, p->create, &moved, &merr);
    }
    if (st != SG_MAILDIR_OK) {
        *error = sg_arena_strdup(arena, merr.message);
        free(moved);
        return st == SG_MAILDIR_TEMPFAIL ? SG_EXIT_TEMPFAIL : SG_EXIT_OK;
    }
    *done = sg_arena_strdup(arena, moved ? moved : path);
    free(moved);
    return SG_EXIT_OK;
}

static void filter_one(filter_run *fr, const char *path)
{
    char *data = NULL;
    size_t len, size;
    bool too_large;
    int err = sg_read_file(path, MAX_MESSAGE_SIZE, &data, &len, &too_large, &size);
    if (err || too_large) {
        sg_cli_error(fr->cli, "cannot read %s: %s (skipped)", path, err ? strerror(err) : "message too large");
        free(data);
        if (fr->rc == SG_EXIT_OK)
            fr->rc = SG_EXIT_NOINPUT;
        return;
    }
    const filter_options *o = fr->o;
    sg_arena *arena = fr->msg_arena;
    sg_message *msg = sg_message_parse(data, len, arena);
    sg_envelope env;
    const char *owner;
    stored_envelope(o, msg, arena, &env, &owner);
    sg_result result;
    sg_result_init(&result, arena, &fr->run.limits);
    sg_interp_run(fr->reg, fr->script, msg, &env, &fr->run, &result);

    bool outgoing = sg_result_find(&result, SG_ACT_REDIRECT) || sg_result_find(&result, SG_ACT_NOTIFY);
    sg_policy *policy = NULL;
    sg_plan plan;
    int rc = SG_EXIT_OK;
    const char *done = NULL, *error = NULL;
    bool sent = false;
    if (o->execute && o->allow_redirect) {
        sg_forward_job job = {fr->login, owner, &env, data, len, msg, arena, fr->now, fr->state,
                              o->default_mailbox, NULL, fr->mopt.autocreate};
        rc = sg_deliver_forwards(fr->cli, &job, &result, &plan, &policy);
        if (rc != SG_EXIT_OK)
            error = "forwarding deferred (see the log): the message is left as it is";
        for (size_t i = 0; rc == SG_EXIT_OK && i < result.count; i++)
            sent |= plan.decided[i] && plan.decisions[i].verdict == SG_FWD_ALLOW && !result.actions[i].copy;
    } else {
        /* the plan as `test` shows it: the policy's verdicts, nothing sent */
        sg_unavailable_mode mode = SG_UNAVAILABLE_TEMPFAIL;
        char why[512] = "";
        if (sg_plan_needs_policy(&result) && sg_cli_policy(fr->cli, owner, &policy, &mode, why, sizeof why) != SG_EXIT_OK)
            rc = SG_EXIT_CONFIG;
        sg_plan_input in;
        memset(&in, 0, sizeof in);
        in.owner = owner;
        in.envelope_sender = env.from;
        in.recipient = env.to;
        in.message = msg;
        in.policy = policy;
        in.unavailable = mode;
        in.unavailable_reason = why;
        in.default_mailbox = o->default_mailbox;
        in.autocreate = fr->mopt.autocreate;
        in.stored_mail = true;
        sg_plan_build(&result, &in, arena, &plan);
    }

    if (o->execute && rc == SG_EXIT_OK) {
        target *t = sg_arena_alloc(arena, (result.count + 2) * sizeof *t);
        size_t nt = 0;
        bool discarded = false;
        for (size_t i = 0; i < result.count; i++) {
            const sg_action *a = &result.actions[i];
            if (a->kind == SG_ACT_KEEP)
                add_target(t, &nt, o->default_mailbox, &a->flags, false, arena);
            else if (a->kind == SG_ACT_FILEINTO)
                add_target(t, &nt, a->mailbox, &a->flags, a->create, arena);
            else if (a->kind == SG_ACT_DISCARD || a->kind == SG_ACT_REJECT)
                discarded = true;
        }
        if (plan.implicit_keep || (!nt && !discarded && !sent))
            add_target(t, &nt, o->default_mailbox, plan.implicit_keep ? &result.keep_flags : NULL, false, arena);
        if (!nt && o->discard == DISCARD_DELETE) {
            static const char *deleted_flag[] = {"\\Deleted"};
            const sg_flags deleted = {deleted_flag, 1};
            add_target(t, &nt, NULL, &deleted, false, arena);
        } else if (!nt && o->discard == DISCARD_MOVE) {
            add_target(t, &nt, o->discard_mailbox, NULL, false, arena);
        }
        if (nt)
            rc = apply(fr, path, data, len, t, nt, arena, &done, &error);
        else
            done = path; /* discarded or forwarded: left as it is (--discard keep) */
    }
    if (rc != SG_EXIT_OK && fr->rc != SG_EXIT_TEMPFAIL)
        fr->rc = rc == SG_EXIT_CONFIG ? SG_EXIT_TEMPFAIL : rc;
    if (error)
        sg_cli_error(fr->cli, "%s: %s", path, error);

    sg_plan_context pc = {&env, &plan, NULL, NULL, plan.mdn, NULL};
    if (o->json) {
        print_json_line(path, &result, &pc, done, error, outgoing && !o->allow_redirect);
    } else {
        printf("== %s\n", path);
        sg_plan_print_text(stdout, &result, &pc);
        if (outgoing && !o->allow_redirect)
            puts("(redirects and notifications are off in filter mode: --allow-redirect)");
        if (done && strcmp(done, path) != 0)
            printf("-> %s\n", done);
        else if (done)
            printf("-> unchanged\n");
    }
    sg_policy_free(policy);
    sg_result_free(&result);
    sg_arena_reset(arena);
    free(data);
}

/* ---- the command ---- */

static int open_state(filter_run *fr, sg_arena *arena)
{
    struct passwd *pw = fr->o->user && !strchr(fr->o->user, '@') ? getpwnam(fr->o->user) : getpwuid(getuid());
    const char *home = getenv("HOME");
    if (!home || !*home || (fr->o->user && pw && !strchr(fr->o->user, '@')))
        home = pw ? pw->pw_dir : "/";
    fr->login = sg_arena_strdup(arena, pw ? pw->pw_name : fr->o->user ? fr->o->user : "?");
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
        sg_settings_run_options(&cli->settings, &fr.run);
        const char *autocreate = sg_config_get(cli->config, "lda_mailbox_autocreate");
        const char *fsync_mode = sg_config_get(cli->config, "mail_fsync");
        fr.mopt.autocreate = autocreate && strcmp(autocreate, "yes") == 0;
        fr.mopt.no_fsync = fsync_mode && strcmp(fsync_mode, "never") == 0;
        fr.mopt.hostname = sg_config_get(cli->config, "hostname");
        if (o->execute && o->allow_redirect)
            open_state(&fr, arena);
        fr.msg_arena = sg_arena_new();
        for (size_t i = 0; i < files.n; i++)
            filter_one(&fr, files.items[i]);
        sg_arena_free(fr.msg_arena);
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
        {"format", required_argument, NULL, 'F'},
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
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, ":o:u:em:h", longopts, NULL)) != -1) {
        if (sg_cli_common_option(&cli, c, optarg))
            continue;
        switch (c) {
        case 'u': o.user = optarg; break;
        case 'e': o.execute = true; break;
        case 'R': o.allow_redirect = true; break;
        case 'm': o.default_mailbox = optarg; break;
        case 'F': rc = sg_cli_format_option(&cli, optarg, &o.json); break;
        case 'D':
            if (strcmp(optarg, "keep") == 0) {
                o.discard = DISCARD_KEEP;
            } else if (strcmp(optarg, "delete") == 0) {
                o.discard = DISCARD_DELETE;
            } else if (strncmp(optarg, "move:", 5) == 0 && optarg[5]) {
                o.discard = DISCARD_MOVE;
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
