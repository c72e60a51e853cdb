/* deliver.c - `sievegate deliver` (also installed as sievegate-lda): a drop-in
 * for dovecot-lda (../shared/spec/cli.md). The whole pipeline: the message on
 * stdin (or -p), the user's script (~/.dovecot.sieve), parse -> validate ->
 * execute -> enforce the forwarding policy -> perform the plan, all-or-nothing
 * toward the MTA.
 *
 * Exit codes (sysexits.h, as dovecot-lda): 0 delivered as planned; 67 unknown
 * user; 75 retry later (nothing was lost, nothing will be delivered twice);
 * 77 rejected under -e; 64 usage. Side effects run in a fixed order
 * (architecture.md): outgoing submissions first, each recorded in the user's
 * forward tracker so a retried delivery does not send it twice, then the
 * mailbox writes as one transaction.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "engine/mail/addrlist.h"
#include "engine/core/include.h"
#include "engine/core/interp.h"
#include "engine/core/list_store.h"
#include "engine/deliver/maildir.h"
#include "engine/deliver/mdn.h"
#include "engine/mail/message.h"
#include "engine/deliver/notify_mail.h"
#include "engine/enforce/plan.h"
#include "engine/core/registry.h"
#include "engine/deliver/submit.h"
#include "engine/deliver/vacation.h"
#include "engine/core/validate.h"
#include "base/arena.h"
#include "store/audit.h"
#include "store/user_state.h"
#include "cli/cli.h"
#include "cli/deliver_forward.h"
#include "cli/diag_print.h"
#include "cli/policy_load.h"

#define FORWARD_PERIOD (12 * 3600) /* policy.md step 2: the same copy is not sent twice within 12 h */
#define CLAIM_LEASE 600           /* user_state.h: a claim held while the copy is being sent */
#define MAX_MESSAGE ((size_t)1 << 30)
#define MAX_SCRIPTS 64 /* sieve_before*, the user's, sieve_after*: the scripts one delivery runs */

typedef struct deliver_opts {
    const char *user;        /* -d */
    const char *from;        /* -f */
    const char *orig_rcpt;   /* -a */
    const char *final_rcpt;  /* -r */
    const char *mailbox;     /* -m */
    const char *path;        /* -p */
    bool reject_to_stderr;   /* -e */
} deliver_opts;

/* Everything one delivery needs, in one place (no global state). */
typedef struct delivery {
    sg_cli *cli;
    const deliver_opts *o;
    sg_arena *arena;
    struct passwd pw;
    const char *home;
    const char *user;  /* the login name */
    const char *owner; /* the user's address: whose script runs (policy.md) */
    sg_envelope env;
    char *data;        /* the message (without an mbox From_ line read from stdin) */
    size_t len;
    const char *from_line_sender; /* the sender in that From_ line, or NULL */
    sg_message *msg;
    const char *message_id;
    time_t now;
    /* The per-user state, opened at its first use (user_state()): a delivery
     * that needs no tracking opens no database and never loads SQLite. */
    sg_user_state *state;
    bool state_tried; /* user_state() was called: state is open, or NULL and logged */
    sg_script *scripts[MAX_SCRIPTS]; /* live as long as the delivery: the actions point into them */
    size_t nscripts;
    struct sg_includes *includes; /* RFC 6609: what the scripts include, loaded once; lives as long */
    const sg_action *result_actions; /* the run's actions, for the log */
    sg_mailboxes mailboxes; /* the Maildir of mail_location, for mailboxexists (RFC 5490) */
    sg_list_dir lists;          /* sieve_extlists_dir, for :list and valid_ext_list (RFC 6134) */
    sg_list_store list_store;
    /* RFC 8580: the messages sent with :fcc, filed after the delivery */
    struct fcc_copy {
        const sg_action *action;
        const char *data;
        size_t len;
    } fcc[8];
    size_t nfcc;
} delivery;

static void usage(FILE *out)
{
    fputs("usage: sievegate deliver [-c CONFIG | --config CONFIG] [-o KEY=VALUE] [-d USER] [-f ENVELOPE-SENDER]\n"
          "                         [-a ORIGINAL-RECIPIENT] [-r FINAL-RECIPIENT] [-m MAILBOX] [-p PATH] [-e] [-k]\n"
          "  Delivers the message on standard input (or in PATH) to USER's mailbox, running USER's Sieve\n"
          "  script. exit: 0 delivered, 64 usage, 67 unknown user, 75 retry later, 77 rejected (-e)\n",
          out);
}

/* syslog facility mail, as an LDA does, and stderr for the MTA's bounce text. */
static void log_error(const delivery *d, const char *fmt, ...) SG_PRINTF(2, 3);
static void log_error(const delivery *d, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "sievegate deliver: %s\n", msg);
    syslog(LOG_MAIL | LOG_ERR, "user=%s: %s", d && d->user ? d->user : "?", msg);
}

/* ---- who, and with which rights ---- */

static int find_user(delivery *d)
{
    struct passwd *pw = d->o->user ? getpwnam(d->o->user) : getpwuid(getuid());
    if (!pw) {
        if (d->o->user)
            log_error(d, "unknown user \"%s\"", d->o->user);
        else
            log_error(d, "cannot find the user running this program (uid %u)", (unsigned)getuid());
        return d->o->user ? SG_EXIT_NOUSER : SG_EXIT_TEMPFAIL;
    }
    d->pw = *pw;
    d->user = sg_arena_strdup(d->arena, pw->pw_name);
    const char *home = d->o->user ? pw->pw_dir : getenv("HOME");
    d->home = sg_arena_strdup(d->arena, home && *home ? home : pw->pw_dir);
    return SG_EXIT_OK;
}

/* Delivering as root (the target is uid 0, or root ran us without -d) is
 * refused unless the configuration allows it: Dovecot's first_valid_uid (here
 * default 1, so only root is below it; 0 allows root). A user below the range
 * is a configuration error: 75, the MTA keeps the message. */
static int check_target_uid(delivery *d)
{
    const char *v = sg_config_get(d->cli->config, "first_valid_uid");
    char *end = NULL;
    unsigned long first = 1;
    if (v) {
        errno = 0;
        first = strtoul(v, &end, 10);
        if (!*v || *end || errno) {
            log_error(d, "configuration error: first_valid_uid: not a number: \"%s\"", v);
            return SG_EXIT_TEMPFAIL;
        }
    }
    if ((unsigned long)d->pw.pw_uid < first) {
        log_error(d, "refusing to deliver as %s (uid %u): below first_valid_uid %lu%s", d->user,
                  (unsigned)d->pw.pw_uid, first,
                  d->pw.pw_uid == 0 ? " (run it with -d USER, or set first_valid_uid = 0 to allow root)" : "");
        return SG_EXIT_TEMPFAIL;
    }
    return SG_EXIT_OK;
}

/* Started as root for another user: become that user (gid, supplementary
 * groups from the group database, then uid) before touching any of their
 * files, and make sure root cannot be regained. */
static int drop_privileges(delivery *d)
{
    if (geteuid() != 0 || d->pw.pw_uid == 0)
        return SG_EXIT_OK;
    if (initgroups(d->pw.pw_name, d->pw.pw_gid) != 0 || setgid(d->pw.pw_gid) != 0 || setuid(d->pw.pw_uid) != 0) {
        log_error(d, "cannot switch to user %s: %s", d->user, strerror(errno));
        return SG_EXIT_TEMPFAIL;
    }
    if (getuid() != d->pw.pw_uid || geteuid() != d->pw.pw_uid || getgid() != d->pw.pw_gid ||
        getegid() != d->pw.pw_gid || setuid(0) == 0 || seteuid(0) == 0) {
        log_error(d, "cannot switch to user %s: root privileges are still held", d->user);
        return SG_EXIT_TEMPFAIL;
    }
    return SG_EXIT_OK;
}

static char *expand(delivery *d, const char *key, const char *fallback)
{
    const char *tmpl = sg_config_get(d->cli->config, key);
    char bad = 0;
    char *s = sg_config_expand(tmpl ? tmpl : fallback, d->home, d->user, &bad);
    if (!s) {
        log_error(d, "configuration error: %s: unknown variable %%%c", key, bad);
        return NULL;
    }
    char *copy = sg_arena_strdup(d->arena, s);
    free(s);
    return copy;
}

/* ---- the envelope ---- */

static const char *path_arg(delivery *d, const char *arg)
{
    size_t n = strlen(arg);
    if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>')
        return sg_arena_strndup(d->arena, arg + 1, n - 2);
    return arg;
}

/* The recipient's address without its +detail: the owner that policies name. */
static const char *strip_detail(delivery *d, const char *addr)
{
    const char *sep = sg_config_get(d->cli->config, "recipient_delimiter");
    sep = sep ? sep : "+";
    const char *at = strrchr(addr, '@');
    const char *plus = *sep ? strstr(addr, sep) : NULL;
    if (!at || !plus || plus > at)
        return addr;
    size_t l = (size_t)(plus - addr), r = strlen(at);
    char *s = sg_arena_alloc_bytes(d->arena, l + r + 1);
    memcpy(s, addr, l);
    memcpy(s + l, at, r + 1);
    return s;
}

/* dovecot-lda: the recipient defaults to the user; an LDA without a domain
 * uses this host's name. */
static const char *user_address(delivery *d)
{
    if (strchr(d->user, '@'))
        return d->user;
    const char *configured = sg_config_get(d->cli->config, "hostname");
    char host[256] = "localhost";
    if (configured)
        snprintf(host, sizeof host, "%s", configured);
    else if (gethostname(host, sizeof host - 1) != 0)
        strcpy(host, "localhost");
    size_t u = strlen(d->user), h = strlen(host);
    char *s = sg_arena_alloc_bytes(d->arena, u + h + 2);
    memcpy(s, d->user, u);
    s[u] = '@';
    memcpy(s + u + 1, host, h + 1);
    return s;
}

static void build_envelope(delivery *d)
{
    const char *const *values;
    sg_mailbox mb;
    if (d->o->from) {
        d->env.from = path_arg(d, d->o->from);
    } else if (d->from_line_sender) {
        d->env.from = path_arg(d, d->from_line_sender);
    } else if (sg_message_header_raw_values(d->msg, "return-path", &values) > 0 &&
               sg_envelope_address_parse(values[0], d->arena, &mb) && mb.valid) {
        d->env.from = mb.raw ? mb.raw : "";
    } else {
        d->env.from = "";
    }
    const char *final = d->o->final_rcpt ? d->o->final_rcpt : d->o->orig_rcpt ? d->o->orig_rcpt : user_address(d);
    d->env.to = path_arg(d, final);
    d->env.orig_to = d->o->orig_rcpt ? path_arg(d, d->o->orig_rcpt) : d->env.to;
    d->owner = strip_detail(d, d->env.to);
    d->message_id = sg_message_header_values(d->msg, "message-id", &values) > 0 ? values[0] : "";
}

/* ---- the script ---- */

/* Errors go where the user can read them: a log file beside the script, as
 * Pigeonhole does (~/.dovecot.sieve.log). Rewritten each time. */
static void write_script_log(delivery *d, const char *script_path, const char *src, size_t len,
                             const sg_diags *diags, const sg_diags *runtime)
{
    size_t n = strlen(script_path);
    char *log_path = sg_arena_alloc_bytes(d->arena, n + 5);
    memcpy(log_path, script_path, n);
    memcpy(log_path + n, ".log", 5);
    /* Never through a symlink: the log is written with the user's rights, but
     * also by root when first_valid_uid = 0. */
    int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        log_error(d, "cannot write %s: %s", log_path, strerror(errno));
        return;
    }
    char when[64];
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", localtime_r(&d->now, &tm));
    fprintf(f, "%s: the message %s was kept in INBOX because the script has errors:\n", when,
            *d->message_id ? d->message_id : "(no Message-ID)");
    if (diags && diags->count)
        sg_print_diags_text(f, script_path, src, len, diags);
    for (size_t i = 0; runtime && i < runtime->count; i++)
        fprintf(f, "%s:%u:%u: runtime error: %s\n",
                runtime->items[i].file ? runtime->items[i].file : script_path, runtime->items[i].loc.line,
                runtime->items[i].loc.column, runtime->items[i].message);
    fclose(f);
}

/* The per-user state store (user_state.h), opened the first time something
 * needs it: the duplicate test, the forward/notify/MDN claims, the bounce
 * rate tracker, vacation. NULL when it cannot be opened, logged once: local
 * delivery still works, and whatever must be tracked (forwards, bounces, the
 * reject MDN) is deferred with 75 before anything is sent (deliver()). */
static sg_user_state *user_state(delivery *d)
{
    if (d->state_tried)
        return d->state;
    d->state_tried = true;
    char *path = expand(d, "state_file", "~/" SG_USER_STATE_DEFAULT_FILE);
    char err[512];
    if (!path || sg_user_state_open(path, (int64_t)d->now, NULL, &d->state, err, sizeof err) != SG_STATE_OK) {
        log_error(d, "per-user state unavailable: %s", path ? err : "bad state_file");
        d->state = NULL;
    }
    return d->state;
}

/* RFC 7352: the "duplicate" test's tracking list is the per-user state. A
 * store that cannot answer answers "not seen": never a false duplicate. */
static bool duplicate_seen(void *ctx, const char *handle, const char *id, size_t id_len)
{
    delivery *d = ctx;
    sg_user_state *state = user_state(d);
    if (!state)
        return false;
    char *copy = sg_arena_strndup(d->arena, id, id_len);
    sg_state_key key;
    sg_state_key_duplicate(&key, handle, copy);
    bool seen = false;
    char err[256];
    if (sg_user_state_check(state, &key, (int64_t)d->now, &seen, err, sizeof err) != SG_STATE_OK) {
        log_error(d, "duplicate tracking: %s (the message is taken as new)", err);
        return false;
    }
    return seen;
}

/* RFC 7352 §3: the ids are recorded only once the delivery succeeded, so a
 * delivery that is deferred (75) and retried does not see itself. */
static void record_duplicates(delivery *d, const sg_result *r)
{
    sg_user_state *state = r->nduplicates ? user_state(d) : NULL;
    for (size_t i = 0; state && i < r->nduplicates; i++) {
        const sg_duplicate_mark *m = &r->duplicates[i];
        sg_state_key key;
        sg_state_key_duplicate(&key, m->handle, sg_arena_strndup(d->arena, m->id, m->id_len));
        char err[256];
        if (sg_user_state_record(state, &key, (int64_t)d->now, m->period_seconds, m->last, err, sizeof err) !=
            SG_STATE_OK)
            log_error(d, "duplicate tracking: cannot record an id: %s", err);
    }
}

/* An admin script's errors go to the mail log: the user cannot fix them. */
static void log_admin_errors(delivery *d, const char *path, const sg_diags *diags, const sg_diags *runtime)
{
    for (size_t i = 0; diags && i < diags->count; i++)
        log_error(d, "%s:%u:%u: %s (script skipped)", diags->items[i].file ? diags->items[i].file : path,
                  diags->items[i].loc.line, diags->items[i].loc.column,
                  diags->items[i].message);
    for (size_t i = 0; runtime && i < runtime->count; i++)
        log_error(d, "%s:%u:%u: runtime error: %s (message kept in INBOX)",
                  runtime->items[i].file ? runtime->items[i].file : path, runtime->items[i].loc.line,
                  runtime->items[i].loc.column, runtime->items[i].message);
}

/* Runs one script into `result`. A script that is missing is no script; one
 * that does not parse is skipped, and one that fails at run time leaves the
 * implicit keep alone; either is logged where the script's owner reads it:
 * the user's beside the script, an admin's (personal = false) in the mail log. */
static int run_one_script(delivery *d, const sg_registry *reg, const char *path, bool personal, sg_result *result)
{
    struct stat st;
    if (d->nscripts == MAX_SCRIPTS) {
        log_error(d, "more than %d scripts to run: %s skipped", MAX_SCRIPTS, path);
        return SG_EXIT_OK;
    }
    if (stat(path, &st) != 0) { /* follows a symlink, as managesieve makes */
        if (!personal)
            log_error(d, "cannot open the script %s: %s (skipped)", path, strerror(errno));
        return SG_EXIT_OK;
    }
    char *src = NULL;
    size_t len = 0, size = 0;
    bool too_large = false;
    int err = sg_read_file(path, d->cli->settings.limits.max_script_size, &src, &len, &too_large, &size);
    if (err) {
        log_error(d, "cannot read the script %s: %s (message kept in INBOX)", path, strerror(err));
        return SG_EXIT_OK;
    }
    sg_diags diags;
    sg_diags_init(&diags, 100);
    const sg_diags *failed = NULL, *runtime = NULL;
    if (too_large) {
        sg_error(&diags, (sg_loc){1, 1}, "limit-script-size",
                 "script is too large (%zu bytes > limit max_script_size %zu)", size, d->cli->settings.limits.max_script_size);
        failed = &diags;
    } else {
        sg_script *script = sg_parse_buffer(path, src, len, &d->cli->settings.limits, &diags);
        d->scripts[d->nscripts++] = script;
        if (sg_validate_with(reg, script, &d->cli->settings.limits, &diags, d->includes)) {
            sg_run_options opt;
            sg_settings_run_options(&d->cli->settings, &opt);
            sg_duplicate_tracker tracker = {duplicate_seen, d};
            opt.duplicates = &tracker;
            opt.mailboxes = d->mailboxes.have ? &d->mailboxes.store : NULL;
            opt.lists = &d->list_store;
            result->limits = opt.limits;
            size_t warned = result->warnings.count;
            if (!sg_interp_run(reg, script, d->msg, &d->env, &opt, result))
                runtime = &result->errors;
            /* Non-fatal runtime problems (e.g. an invalid :regex built from variables) go to the mail log. */
            for (size_t i = warned; i < result->warnings.count; i++)
                log_error(d, "%s:%u:%u: runtime warning: %s", path, result->warnings.items[i].loc.line,
                          result->warnings.items[i].loc.column, result->warnings.items[i].message);
        } else {
            sg_diags_sort(&diags);
            failed = &diags;
        }
    }
    if ((failed || runtime) && personal)
        write_script_log(d, path, too_large ? NULL : src, too_large ? 0 : len, failed, runtime);
    else if (failed || runtime)
        log_admin_errors(d, path, failed, runtime);
    sg_diags_clear(&diags);
    free(src);
    return SG_EXIT_OK;
}

/* Whether the message is still kept after a script (Pigeonhole's "keep
 * equivalent"): the implicit keep stands, or a keep or fileinto "INBOX" was
 * done. Only then does the next script of the sequence run. */
static bool still_kept(const sg_result *r)
{
    if (r->failed)
        return false;
    if (r->implicit_keep)
        return true;
    for (size_t i = 0; i < r->count; i++)
        if (r->actions[i].kind == SG_ACT_KEEP ||
            (r->actions[i].kind == SG_ACT_FILEINTO && sg_mailbox_equal(r->actions[i].mailbox, "INBOX")))
            return true;
    return false;
}

static int alphasort_bytes(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* The admin scripts of `key`, then key2, key3... (as Pigeonhole numbers
 * sieve_before2...): each a file, or a directory whose *.sieve files run in
 * byte order of their names. Returns false after a configuration error. */
static bool run_admin_scripts(delivery *d, const sg_registry *reg, const char *key, sg_result *result)
{
    for (int n = 1; n < 100 && still_kept(result); n++) {
        char name[32];
        snprintf(name, sizeof name, n == 1 ? "%s" : "%s%d", key, n);
        if (!sg_config_get(d->cli->config, name))
            break;
        const char *path = expand(d, name, "");
        if (!path)
            return false;
        if (strncmp(path, "file:", 5) == 0) /* Pigeonhole's location syntax */
            path += 5;
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            run_one_script(d, reg, path, false, result);
            continue;
        }
        struct dirent **names = NULL;
        int count = scandir(path, &names, NULL, alphasort_bytes);
        if (count < 0) {
            log_error(d, "%s: cannot read the directory %s: %s (skipped)", name, path, strerror(errno));
            continue;
        }
        for (int i = 0; i < count; i++) {
            size_t len = strlen(names[i]->d_name);
            if (len > 6 && strcmp(names[i]->d_name + len - 6, ".sieve") == 0 && still_kept(result)) {
                char *file = sg_arena_alloc_bytes(d->arena, strlen(path) + len + 2);
                sprintf(file, "%s/%s", path, names[i]->d_name);
                run_one_script(d, reg, file, false, result);
            }
            free(names[i]);
        }
        free(names);
    }
    return true;
}

/* sieve_before, the user's script, sieve_after (cli.md), one result: each
 * runs only while the message is still kept, as in Pigeonhole. */
static int run_scripts(delivery *d, const sg_registry *reg, sg_result *result)
{
    /* RFC 6609 storage, with Pigeonhole's names: sieve_dir (default ~/sieve)
     * for :personal, sieve_global (or its older name sieve_global_dir). */
    const char *personal = expand(d, "sieve_dir", "~/sieve");
    const char *global_key = sg_config_get(d->cli->config, "sieve_global") ? "sieve_global" : "sieve_global_dir";
    const char *global = sg_config_get(d->cli->config, global_key) ? expand(d, global_key, "") : NULL;
    if (!personal || (sg_config_get(d->cli->config, global_key) && !global))
        return SG_EXIT_TEMPFAIL;
    d->includes = sg_settings_includes(&d->cli->settings, personal, global);
    if (!run_admin_scripts(d, reg, "sieve_before", result))
        return SG_EXIT_TEMPFAIL;
    char *path = expand(d, "sieve", "~/.dovecot.sieve");
    if (!path)
        return SG_EXIT_TEMPFAIL;
    if (still_kept(result))
        run_one_script(d, reg, path, true, result);
    if (!run_admin_scripts(d, reg, "sieve_after", result))
        return SG_EXIT_TEMPFAIL;
    return SG_EXIT_OK;
}

/* ---- outgoing mail (first: architecture.md, failure rules) ---- */

static void audit_one(delivery *d, sg_audit *audit, const sg_plan *plan, const sg_fwd_decision *fd,
                      sg_fwd_mechanism mech)
{
    if (!fd->external)
        return;
    char err[256];
    sg_audit_record rec = {(int64_t)d->now,
                           d->owner,
                           fd->target,
                           fd->target_domain,
                           sg_fwd_mechanism_name(mech),
                           plan->policy_unavailable ? "policy_unavailable" : sg_fwd_verdict_name(fd->verdict),
                           fd->policy,
                           fd->remote_domain,
                           d->message_id};
    if (!sg_audit_record_decision(audit, &rec, err, sizeof err))
        log_error(d, "audit: %s", err);
}

/* policy.md: every decision about an external target is audited. */
static void audit_decisions(delivery *d, const sg_result *r, const sg_plan *plan)
{
    const char *setting = sg_config_get(d->cli->config, "audit_log");
    sg_audit *audit = NULL;
    char err[256];
    if (!sg_audit_open(setting ? setting : "syslog", &audit, err, sizeof err)) {
        log_error(d, "audit log unavailable: %s", err);
        return;
    }
    for (size_t i = 0; i < r->count; i++) {
        if (plan->decided[i])
            audit_one(d, audit, plan, &plan->decisions[i],
                      r->actions[i].copy ? SG_FWD_REDIRECT_COPY : SG_FWD_REDIRECT);
        /* policy.md: every recipient of a notification is a forward target. */
        for (size_t k = 0; k < plan->notify[i].n; k++)
            audit_one(d, audit, plan, &plan->notify[i].rcpts[k].decision, SG_FWD_NOTIFY);
    }
    sg_audit_close(audit);
}

/* The forward tracker's key: Message-ID + target. A notification about the
 * message is another mail than the message itself, so its key has the
 * Message-ID prefixed with "notify " (a redirect and a notify to one address
 * are both sent, each once). */
static void forward_key(delivery *d, sg_fwd_mechanism mech, const char *target, sg_state_key *key)
{
    const char *id = *d->message_id ? d->message_id : d->env.from;
    if (mech == SG_FWD_NOTIFY) {
        size_t n = strlen(id);
        char *s = sg_arena_alloc_bytes(d->arena, n + 8);
        memcpy(s, "notify ", 7);
        memcpy(s + 7, id, n + 1);
        id = s;
    }
    sg_state_key_forward(key, id, target);
}

/* The duplicate tracker for step 2 of the decision (plan.h). */
static bool already_forwarded(void *tracker, sg_fwd_mechanism mech, const char *target)
{
    delivery *d = tracker;
    sg_user_state *state = *d->message_id ? user_state(d) : NULL;
    if (!state)
        return false;
    sg_state_key key;
    forward_key(d, mech, target, &key);
    bool seen = false;
    char err[256];
    return sg_user_state_check(state, &key, (int64_t)d->now, &seen, err, sizeof err) == SG_STATE_OK && seen;
}

/* Vacation's response tracking (RFC 5230 §4.2), asked by the plan: the
 * arguments before variable expansion key it. */
static void vacation_key(delivery *d, const sg_action *a, sg_state_key *key)
{
    sg_state_key_vacation(key, d->env.from, a->handle, a->track_subject, a->track_from, a->mime, a->track_reason);
}

static bool vacation_replied(void *tracker, const sg_action *a)
{
    delivery *d = tracker;
    sg_user_state *state = user_state(d);
    if (!state)
        return false; /* the claim at sending decides (and fails: no reply) */
    sg_state_key key;
    vacation_key(d, a, &key);
    bool seen = false;
    char err[256];
    return sg_user_state_check(state, &key, (int64_t)d->now, &seen, err, sizeof err) == SG_STATE_OK && seen;
}

/* What the plan of this delivery is built from (engine/enforce/plan.h). */
static sg_plan_input plan_input(delivery *d, const sg_policy *policy, sg_unavailable_mode mode, const char *why)
{
    sg_plan_input in;
    memset(&in, 0, sizeof in);
    in.owner = d->owner;
    in.envelope_sender = d->env.from;
    in.recipient = d->env.to;
    in.message = d->msg;
    in.policy = policy;
    in.unavailable = mode;
    in.unavailable_reason = why;
    in.default_mailbox = d->o->mailbox;
    in.mailboxes = d->mailboxes.have ? &d->mailboxes.store : NULL;
    const char *autocreate = sg_config_get(d->cli->config, "lda_mailbox_autocreate");
    in.autocreate = autocreate && strcmp(autocreate, "yes") == 0;
    in.already_forwarded = already_forwarded;
    in.vacation_replied = vacation_replied;
    in.tracker = d;
    return in;
}

/* One allowed forward: claimed in the tracker first, so a retried delivery or
 * a concurrent one never sends the same copy twice (user_state.h). */
static int send_forward(delivery *d, const sg_submit_config *sc, const sg_fwd_decision *fd,
                        const sg_header_snapshot *header)
{
    sg_user_state *state = user_state(d);
    sg_state_key key;
    forward_key(d, SG_FWD_REDIRECT, fd->target, &key);
    bool won = true;
    char err[512];
    if (state && sg_user_state_claim(state, &key, (int64_t)d->now, CLAIM_LEASE, &won, err, sizeof err) !=
                        SG_STATE_OK) {
        log_error(d, "forward tracker: %s", err);
        return SG_EXIT_TEMPFAIL;
    }
    if (!won)
        return SG_EXIT_OK; /* sent by an earlier attempt, or being sent right now */
    const char *copy;
    size_t copy_len;
    const char *host = sg_config_get(d->cli->config, "hostname");
    const char *data = d->data;
    size_t len = d->len;
    if (header) {
        /* RFC 5293 §7: the header as edited when redirect was done, the body as received */
        const char *h, *body;
        size_t hlen, blen;
        sg_message_render(d->msg, header, d->arena, &h, &hlen, &body, &blen);
        char *buf = sg_arena_alloc_bytes(d->arena, hlen + blen + 1);
        memcpy(buf, h, hlen);
        memcpy(buf + hlen, body, blen);
        buf[hlen + blen] = '\0';
        data = buf;
        len = hlen + blen;
    }
    if (!sg_redirect_prepare(data, len, d->owner, fd->target, host, d->now, d->arena, &copy, &copy_len, err,
                             sizeof err)) {
        log_error(d, "redirect to %s: %s", fd->target, err);
        if (state)
            sg_user_state_forget(state, &key, err, sizeof err);
        return SG_EXIT_TEMPFAIL;
    }
    const char *from = sg_redirect_envelope_from(sc, d->env.from, d->owner, d->now, d->arena, err, sizeof err);
    const char *rcpts[] = {fd->target};
    sg_submit_status st = from ? sg_submit_message(sc, from, rcpts, 1, copy, copy_len, err, sizeof err)
                               : SG_SUBMIT_TEMPFAIL;
    if (st != SG_SUBMIT_OK) {
        log_error(d, "redirect to %s failed (%s): %s", fd->target, sg_submit_status_name(st), err);
        if (state)
            sg_user_state_forget(state, &key, err, sizeof err);
        return SG_EXIT_TEMPFAIL;
    }
    if (state)
        sg_user_state_record(state, &key, (int64_t)d->now, FORWARD_PERIOD, true, err, sizeof err);
    return SG_EXIT_OK;
}

/* RFC 8580: a message sent by an action with :fcc, to be filed (store_fcc). */
static void remember_fcc(delivery *d, const sg_action *a, const char *data, size_t len)
{
    if (!a->fcc)
        return;
    if (d->nfcc == sizeof d->fcc / sizeof d->fcc[0]) {
        log_error(d, "fcc: more than %zu copies; \"%s\" not filed", d->nfcc, a->fcc);
        return;
    }
    d->fcc[d->nfcc++] = (struct fcc_copy){a, data, len};
}

/* One notification (RFC 5436) to its allowed recipients. Each recipient is
 * claimed in the forward tracker first, as a redirect's target is: one an
 * earlier attempt already notified is left out, so a retried delivery never
 * sends a notification twice (RFC 5436 §2.7: "MUST NOT resubmit"). A failed
 * submission forgets the claims and defers the delivery like a redirect. */
static int send_notify(delivery *d, const sg_submit_config *sc, const sg_action *a, const sg_plan_notify *pn)
{
    sg_user_state *state = user_state(d);
    char err[512];
    sg_plan_notify mine = *pn;
    mine.rcpts = sg_arena_alloc(d->arena, (pn->n ? pn->n : 1) * sizeof *mine.rcpts);
    memcpy(mine.rcpts, pn->rcpts, pn->n * sizeof *mine.rcpts);
    mine.nallowed = 0;
    sg_state_key *keys = sg_arena_alloc(d->arena, (pn->n ? pn->n : 1) * sizeof *keys);
    bool *claimed = sg_arena_calloc(d->arena, (pn->n ? pn->n : 1) * sizeof *claimed);
    int rc = SG_EXIT_OK;
    for (size_t k = 0; k < pn->n && rc == SG_EXIT_OK; k++) {
        sg_fwd_decision *fd = &mine.rcpts[k].decision;
        if (fd->verdict != SG_FWD_ALLOW)
            continue;
        forward_key(d, SG_FWD_NOTIFY, fd->target, &keys[k]);
        bool won = true;
        if (state &&
            sg_user_state_claim(state, &keys[k], (int64_t)d->now, CLAIM_LEASE, &won, err, sizeof err) != SG_STATE_OK) {
            log_error(d, "forward tracker: %s", err);
            rc = SG_EXIT_TEMPFAIL;
        } else if (!won) {
            fd->verdict = SG_FWD_SKIP; /* notified by an earlier attempt, or right now */
        } else {
            claimed[k] = true;
            mine.nallowed++;
        }
    }
    if (rc == SG_EXIT_OK && mine.nallowed) {
        sg_notify_request nr = {d->owner, d->env.from, d->msg, a, &mine};
        sg_notify_options no = {sg_config_get(d->cli->config, "hostname"), d->now, NULL};
        sg_notify_mail nm;
        sg_notify_build(&nr, &no, d->arena, &nm);
        sg_submit_status st =
            sg_submit_message(sc, nm.envelope_from, nm.envelope_to, nm.nenvelope_to, nm.data, nm.len, err, sizeof err);
        if (st != SG_SUBMIT_OK) {
            log_error(d, "notification (%s) failed (%s): %s", a->method, sg_submit_status_name(st), err);
            rc = SG_EXIT_TEMPFAIL;
        } else {
            remember_fcc(d, a, nm.data, nm.len);
        }
    }
    for (size_t k = 0; k < pn->n && state; k++) {
        if (!claimed[k])
            continue;
        if (rc == SG_EXIT_OK)
            sg_user_state_record(state, &keys[k], (int64_t)d->now, FORWARD_PERIOD, true, err, sizeof err);
        else
            sg_user_state_forget(state, &keys[k], err, sizeof err);
    }
    return rc;
}

/* The one 5.7.520 bounce of this message (policy.md, "What a block does"). */
static int send_bounce(delivery *d, const sg_submit_config *sc, const sg_plan *plan, const sg_policy *policy)
{
    sg_user_state *state = user_state(d);
    char err[512];
    sg_state_key key;
    sg_state_key_bounce(&key, d->env.from, d->owner);
    sg_bounce_request br = {d->env.from, d->msg, d->owner, plan->bounce_targets, plan->nbounce_targets, false};
    sg_bounce_options bo = {sg_config_get(d->cli->config, "hostname"), d->now, NULL, NULL};
    sg_bounce b;
    sg_message_use_original(d->msg, true); /* RFC 5293 §7: DSNs quote the header as received */
    sg_bounce_build(&br, &bo, d->arena, &b);
    sg_message_use_original(d->msg, false);
    const char *rcpts[] = {b.envelope_to};
    sg_submit_status st = sg_submit_message(sc, "", rcpts, 1, b.data, b.len, err, sizeof err);
    if (st == SG_SUBMIT_TEMPFAIL) {
        log_error(d, "bounce to %s: %s", b.envelope_to, err);
        return SG_EXIT_TEMPFAIL;
    }
    if (st == SG_SUBMIT_PERMFAIL)
        log_error(d, "bounce to %s refused: %s", b.envelope_to, err); /* nothing more to do: never loop */
    unsigned long period = policy ? policy->org.bounce_rate_period : 86400;
    if (state)
        sg_user_state_record(state, &key, (int64_t)d->now, period, true, err, sizeof err);
    return SG_EXIT_OK;
}

/* RFC 5230: the vacation reply, when the plan says one is due (RFC 5230
 * §4.5-4.6, the remote domain's auto_reply, the period), claimed in the
 * tracker first so that concurrent deliveries send one. An auto-reply that
 * cannot be sent is logged, never a reason to defer the delivery. */
static void send_vacation(delivery *d, const sg_submit_config *sc, const sg_action *a, const char *skipped)
{
    if (skipped) { /* the plan decided (engine/enforce/plan.c) */
        syslog(LOG_MAIL | LOG_INFO, "user=%s: no vacation reply: %s", d->user, skipped);
        return;
    }
    sg_vacation_request vr = {d->env.from, d->env.to, d->msg, a, a->addresses, a->naddresses};
    char err[512];
    sg_state_key key;
    vacation_key(d, a, &key);
    sg_user_state *state = user_state(d);
    bool won = true;
    if (state && sg_user_state_claim(state, &key, (int64_t)d->now, a->period_seconds, &won, err, sizeof err) !=
                        SG_STATE_OK) {
        log_error(d, "no vacation reply: %s", err);
        return;
    }
    if (!won)
        return; /* this sender had its reply within the period: answered by a concurrent delivery */
    sg_vacation_options vo = {sg_config_get(d->cli->config, "hostname"), d->now, NULL};
    sg_vacation_reply reply;
    sg_vacation_build(&vr, &vo, d->arena, &reply);
    const char *rcpts[] = {reply.envelope_to};
    sg_submit_status st = sg_submit_message(sc, "", rcpts, 1, reply.data, reply.len, err, sizeof err);
    if (st != SG_SUBMIT_OK) {
        log_error(d, "vacation reply to %s not sent (%s): %s", reply.envelope_to, sg_submit_status_name(st), err);
        if (state)
            sg_user_state_forget(state, &key, err, sizeof err);
    } else {
        remember_fcc(d, a, reply.data, reply.len);
    }
}

/* The reject MDN (RFC 5429 §2.2.1). Tracked as the forwards are (claim, then
 * record or forget), under the Message-ID and the sender, so a retried
 * delivery never sends a second one. When none may be sent (null sender,
 * a report, an automatic message) the message is kept in INBOX: RFC 5429
 * §2.2 leaves the message's fate open then, Pigeonhole discards it ("not
 * sending reject message to <>"), and we prefer never to lose mail silently
 * (architecture.md, failure rules); the reason is logged (§2.2 SHOULD). */
static int send_mdn(delivery *d, const sg_submit_config *sc, const sg_action *reject, const sg_plan *plan)
{
    if (plan->mdn != SG_MDN_DUE) { /* the plan keeps the message (engine/enforce/plan.c) */
        log_error(d, "reject: no MDN sent (%s): the message is kept in INBOX", sg_mdn_check_name(plan->mdn));
        return SG_EXIT_OK;
    }
    sg_mdn_request req = {d->env.from, d->env.to,
                          d->o->orig_rcpt && d->o->final_rcpt ? d->env.orig_to : NULL, d->msg, reject->reason};
    char err[512];
    sg_state_key key;
    /* The forward tracker's kind, with a target no address can be: " reject-mdn". */
    sg_state_key_forward(&key, *d->message_id ? d->message_id : d->env.from, " reject-mdn");
    sg_user_state *state = user_state(d);
    bool won = true;
    if (state &&
        sg_user_state_claim(state, &key, (int64_t)d->now, CLAIM_LEASE, &won, err, sizeof err) != SG_STATE_OK) {
        log_error(d, "reject tracker: %s", err);
        return SG_EXIT_TEMPFAIL;
    }
    if (!won) {
        return SG_EXIT_OK;
    }
    sg_mdn_options mo = {sg_config_get(d->cli->config, "hostname"), d->now, NULL, NULL};
    sg_mdn mdn;
    sg_message_use_original(d->msg, true); /* RFC 5293 §7: MDNs quote the header as received */
    sg_mdn_build(&req, &mo, d->arena, &mdn);
    sg_message_use_original(d->msg, false);
    const char *rcpts[] = {mdn.envelope_to};
    sg_submit_status st = sg_submit_message(sc, "", rcpts, 1, mdn.data, mdn.len, err, sizeof err);
    if (st != SG_SUBMIT_OK) {
        /* Nothing is stored and the MTA retries: the sender learns of the
         * rejection, or the message is delivered, never neither. */
        log_error(d, "reject MDN to %s failed (%s): %s", mdn.envelope_to, sg_submit_status_name(st), err);
        if (state)
            sg_user_state_forget(state, &key, err, sizeof err);
        return SG_EXIT_TEMPFAIL;
    }
    if (state)
        sg_user_state_record(state, &key, (int64_t)d->now, FORWARD_PERIOD, true, err, sizeof err);
    syslog(LOG_MAIL | LOG_INFO, "user=%s: rejected message %s from <%s>: MDN sent", d->user, d->message_id,
           mdn.envelope_to);
    return SG_EXIT_OK;
}

static int send_outgoing(delivery *d, const sg_result *r, const sg_plan *plan, const sg_policy *policy)
{
    sg_submit_config sc;
    char err[512];
    if (!sg_submit_config_load(d->cli->config, &sc, err, sizeof err)) {
        log_error(d, "configuration error: %s", err);
        return SG_EXIT_TEMPFAIL;
    }
    for (size_t i = 0; i < r->count; i++) {
        if (!plan->decided[i] || plan->decisions[i].verdict != SG_FWD_ALLOW)
            continue;
        int rc = send_forward(d, &sc, &plan->decisions[i], r->actions[i].header);
        if (rc != SG_EXIT_OK)
            return rc;
    }
    for (size_t i = 0; i < r->count; i++) {
        if (r->actions[i].kind != SG_ACT_NOTIFY || !plan->notify[i].nallowed)
            continue;
        int rc = send_notify(d, &sc, &r->actions[i], &plan->notify[i]);
        if (rc != SG_EXIT_OK)
            return rc;
    }
    if (plan->bounce == SG_BOUNCE_DUE) {
        int rc = send_bounce(d, &sc, plan, policy);
        if (rc != SG_EXIT_OK)
            return rc;
    }
    const sg_action *reject = sg_result_find(r, SG_ACT_REJECT);
    if (reject) {
        int rc = send_mdn(d, &sc, reject, plan);
        if (rc != SG_EXIT_OK)
            return rc;
    }
    for (size_t i = 0; i < r->count; i++)
        if (r->actions[i].kind == SG_ACT_VACATION)
            send_vacation(d, &sc, &r->actions[i], plan->skipped[i]);
    return SG_EXIT_OK;
}

/* ---- the mailbox (last: one transaction) ---- */

/* One copy, as the plan lists it. A folder that the plan found usable but
 * that is refused now (it became a symbolic link, or vanished, between the
 * plan and this write) gets INBOX instead, as dovecot-lda does: logged, never
 * a lost message. */
static sg_maildir_status add_copy(delivery *d, sg_maildir_txn *txn, const sg_plan_store *ps, bool *inbox_added,
                                  sg_maildir_error *err)
{
    const char *mailbox = ps->mailbox ? ps->mailbox : d->o->mailbox ? d->o->mailbox : "INBOX";
    /* The header as edited when the action was taken (RFC 5293 §7). */
    const char *h, *body;
    size_t hlen, blen;
    sg_message_render(d->msg, ps->header, d->arena, &h, &hlen, &body, &blen);
    sg_maildir_set_message(txn, h, hlen, body, blen);
    const char *const *flags = ps->flags ? ps->flags->items : NULL;
    size_t nflags = ps->flags ? ps->flags->count : 0;
    sg_maildir_status st = sg_maildir_add(txn, mailbox, flags, nflags, ps->create, err);
    if ((st == SG_MAILDIR_REFUSED || st == SG_MAILDIR_NOTFOUND) && !sg_mailbox_equal(mailbox, "INBOX")) {
        log_error(d, "cannot store into \"%s\" (%s): kept in INBOX", mailbox, err->message);
        if (*inbox_added)
            return SG_MAILDIR_OK;
        mailbox = "INBOX";
        st = sg_maildir_add(txn, mailbox, flags, nflags, false, err);
    }
    *inbox_added |= st == SG_MAILDIR_OK && sg_mailbox_equal(mailbox, "INBOX");
    return st;
}

static int store_locally(delivery *d, const sg_plan *plan)
{
    char *location = expand(d, "mail_location", "maildir:~/Maildir");
    const char *root;
    char err[512];
    if (!location || !sg_maildir_location_root(location, d->arena, &root, err, sizeof err)) {
        log_error(d, "configuration error: mail_location: %s", location ? err : "bad template");
        return SG_EXIT_TEMPFAIL;
    }
    const char *autocreate = sg_config_get(d->cli->config, "lda_mailbox_autocreate");
    const char *fsync_mode = sg_config_get(d->cli->config, "mail_fsync");
    sg_maildir_options opt = {autocreate && strcmp(autocreate, "yes") == 0,
                              fsync_mode && strcmp(fsync_mode, "never") == 0,
                              sg_config_get(d->cli->config, "hostname")};
    for (size_t i = 0; i < plan->nstores; i++) { /* the plan's own fallbacks, logged as dovecot-lda does */
        const sg_plan_store *ps = &plan->stores[i];
        if (ps->fallback)
            log_error(d, "cannot store into \"%s\" (%s): kept in INBOX",
                      ps->action == SG_PLAN_IMPLICIT ? d->o->mailbox : d->result_actions[ps->action].mailbox,
                      ps->action == SG_PLAN_IMPLICIT ? plan->keep_skipped : plan->skipped[ps->action]);
    }
    sg_maildir_error merr;
    memset(&merr, 0, sizeof merr);
    sg_maildir_txn *txn = NULL;
    sg_maildir_status st = sg_maildir_begin(root, &opt, NULL, 0, d->data, d->len, &txn, &merr);
    bool inbox_added = false;
    for (size_t i = 0; st == SG_MAILDIR_OK && i < plan->nstores; i++)
        st = add_copy(d, txn, &plan->stores[i], &inbox_added, &merr);
    if (st == SG_MAILDIR_OK)
        st = sg_maildir_commit(txn, &merr);
    sg_maildir_free(txn); /* rolls back whatever was not committed */
    if (st != SG_MAILDIR_OK) {
        log_error(d, "delivery failed, nothing stored (%s): %s", sg_maildir_status_name(st), merr.message);
        return SG_EXIT_TEMPFAIL;
    }
    return SG_EXIT_OK;
}

/* RFC 8580: files each message sent with :fcc, after the delivery itself.
 * The message has gone out, so a copy that cannot be filed (no such
 * mailbox without :create, a refused name, an I/O error) is logged and never
 * defers the delivery: a retry would send the reply again. */
static void store_fcc(delivery *d)
{
    if (!d->nfcc)
        return;
    char *location = expand(d, "mail_location", "maildir:~/Maildir");
    const char *root;
    char err[512];
    if (!location || !sg_maildir_location_root(location, d->arena, &root, err, sizeof err))
        return; /* store_locally has said why */
    const char *autocreate = sg_config_get(d->cli->config, "lda_mailbox_autocreate");
    const char *fsync_mode = sg_config_get(d->cli->config, "mail_fsync");
    sg_maildir_options opt = {autocreate && strcmp(autocreate, "yes") == 0,
                              fsync_mode && strcmp(fsync_mode, "never") == 0,
                              sg_config_get(d->cli->config, "hostname")};
    for (size_t i = 0; i < d->nfcc; i++) {
        const sg_action *a = d->fcc[i].action;
        sg_maildir_error merr;
        memset(&merr, 0, sizeof merr);
        sg_maildir_txn *txn = NULL;
        sg_maildir_status st = sg_maildir_begin(root, &opt, NULL, 0, d->fcc[i].data, d->fcc[i].len, &txn, &merr);
        if (st == SG_MAILDIR_OK)
            st = sg_maildir_add(txn, a->fcc, a->fcc_flags.items, a->fcc_flags.count, a->fcc_create, &merr);
        if (st == SG_MAILDIR_OK)
            st = sg_maildir_commit(txn, &merr);
        sg_maildir_free(txn);
        if (st != SG_MAILDIR_OK)
            log_error(d, "fcc: the sent message was not filed into \"%s\" (%s): %s", a->fcc,
                      sg_maildir_status_name(st), merr.message);
    }
}

/* ---- the pipeline ---- */

/* An mbox "From sender date" line before the header, as Postfix's local(8)
 * writes to a mailbox_command and procmail-style MTAs do, is not part of the
 * message: dropped, as dovecot-lda drops it from standard input (lda's
 * create_raw_stream; a file given with -p is taken as it is), and its sender
 * is the envelope sender when -f is not given. */
static void drop_from_line(delivery *d)
{
    if (d->len < 5 || memcmp(d->data, "From ", 5) != 0)
        return;
    const char *nl = memchr(d->data, '\n', d->len);
    size_t skip = nl ? (size_t)(nl - d->data) + 1 : d->len;
    const char *s = d->data + 5, *end = d->data + skip;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    const char *e = s;
    while (e < end && *e != ' ' && *e != '\t' && *e != '\r' && *e != '\n')
        e++;
    if (e > s)
        d->from_line_sender = sg_arena_strndup(d->arena, s, (size_t)(e - s));
    memmove(d->data, d->data + skip, d->len - skip);
    d->len -= skip;
}

static int read_message(delivery *d)
{
    size_t size = 0;
    bool too_large = false;
    int err = sg_read_file(d->o->path ? d->o->path : "-", MAX_MESSAGE, &d->data, &d->len, &too_large, &size);
    if (err || too_large) {
        log_error(d, "cannot read the message%s%s: %s", d->o->path ? " from " : "", d->o->path ? d->o->path : "",
                  err ? strerror(err) : "larger than 1 GiB");
        return SG_EXIT_TEMPFAIL;
    }
    if (!d->o->path)
        drop_from_line(d);
    d->msg = sg_message_parse(d->data, d->len, d->arena);
    return SG_EXIT_OK;
}

static int deliver(delivery *d)
{
    int rc = find_user(d);
    if (rc == SG_EXIT_OK)
        rc = check_target_uid(d);
    if (rc == SG_EXIT_OK)
        rc = drop_privileges(d);
    if (rc == SG_EXIT_OK)
        rc = read_message(d);
    if (rc != SG_EXIT_OK)
        return rc;
    build_envelope(d);

    /* The per-user state is opened at its first use (user_state()). */
    char err[512];
    /* The mailbox store the scripts ask (mailboxexists, :specialuse): the Maildir stored into below. */
    char *location = expand(d, "mail_location", "maildir:~/Maildir");
    const char *root = NULL;
    if (location && !sg_maildir_location_root(location, d->arena, &root, err, sizeof err))
        root = NULL; /* store_locally says why */
    if (!sg_settings_mailbox_store(&d->cli->settings, NULL, root, d->arena, &d->mailboxes, err, sizeof err))
        /* no store: only INBOX exists, :specialuse takes its fallback; nothing is lost */
        log_error(d, "configuration error: mailbox_special_use is malformed (ignored)");
    /* RFC 6134 lists: one file per list in sieve_extlists_dir (~ and %u expanded); unset: no list exists */
    const char *lists_dir = sg_config_get(d->cli->config, "sieve_extlists_dir");
    sg_list_dir_init(&d->lists, lists_dir ? expand(d, "sieve_extlists_dir", lists_dir) : NULL, d->arena);
    d->list_store = sg_list_dir_store(&d->lists);
    sg_registry *reg = sg_settings_registry(&d->cli->settings);
    sg_result result;
    sg_result_init(&result, d->arena, NULL);
    rc = run_scripts(d, reg, &result);

    sg_policy *policy = NULL;
    sg_unavailable_mode mode = SG_UNAVAILABLE_TEMPFAIL;
    char why[512] = "";
    /* Only a redirect or a notification can be a forward, and so be blocked and bounced. */
    bool may_forward = sg_result_find(&result, SG_ACT_REDIRECT) || sg_result_find(&result, SG_ACT_NOTIFY);
    if (rc == SG_EXIT_OK && sg_plan_needs_policy(&result))
        rc = sg_cli_policy(d->cli, d->owner, &policy, &mode, why, sizeof why) == SG_EXIT_OK ? SG_EXIT_OK
                                                                                          : SG_EXIT_TEMPFAIL;
    sg_plan plan;
    if (rc == SG_EXIT_OK) {
        bool recently_bounced = false;
        sg_user_state *state = may_forward && *d->env.from ? user_state(d) : NULL;
        if (state) {
            sg_state_key key;
            sg_state_key_bounce(&key, d->env.from, d->owner);
            sg_user_state_check(state, &key, (int64_t)d->now, &recently_bounced, err, sizeof err);
        }
        sg_plan_input in = plan_input(d, policy, mode, why);
        in.recently_bounced = recently_bounced;
        sg_plan_build(&result, &in, d->arena, &plan);
        audit_decisions(d, &result, &plan);
        if (plan.tempfail) {
            /* architecture.md: decide nothing on a guess; nothing has been done yet. */
            log_error(d, "delivery deferred: %s", plan.unavailable_reason);
            rc = SG_EXIT_TEMPFAIL;
        }
    }
    const sg_action *reject = rc == SG_EXIT_OK ? sg_result_find(&result, SG_ACT_REJECT) : NULL;
    if (reject && d->o->reject_to_stderr) {
        /* dovecot-lda -e: the MTA bounces with our reason. */
        fprintf(stderr, "%s\n", reject->reason ? reject->reason : "rejected");
        rc = SG_EXIT_NOPERM;
    }
    if (rc == SG_EXIT_OK) {
        bool forwards = false;
        for (size_t i = 0; i < result.count; i++)
            forwards |= (plan.decided[i] && plan.decisions[i].verdict == SG_FWD_ALLOW) || plan.notify[i].nallowed;
        bool mdn = reject && !d->o->reject_to_stderr && plan.mdn == SG_MDN_DUE;
        /* Before anything is sent: these are tracked, so a retry never sends twice. */
        if ((forwards || plan.bounce == SG_BOUNCE_DUE || mdn) && !user_state(d)) {
            log_error(d, "forwarding deferred: the per-user state (duplicate tracker) is unavailable");
            rc = SG_EXIT_TEMPFAIL;
        }
    }
    if (rc == SG_EXIT_OK && !(reject && d->o->reject_to_stderr))
        rc = send_outgoing(d, &result, &plan, policy);
    d->result_actions = result.actions;
    if (rc == SG_EXIT_OK)
        rc = store_locally(d, &plan);
    if (rc == SG_EXIT_OK)
        record_duplicates(d, &result);
    store_fcc(d); /* whatever happened after: those messages have gone out */

    sg_policy_free(policy);
    sg_result_free(&result);
    for (size_t i = 0; i < d->nscripts; i++)
        sg_script_free(d->scripts[i]);
    sg_includes_free(d->includes);
    sg_registry_free(reg);
    sg_user_state_close(d->state);
    return rc;
}

int sg_cmd_deliver(int argc, char **argv)
{
    sg_cli cli;
    sg_cli_init(&cli, "deliver", argc);
    static const struct option longopts[] = {SG_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    deliver_opts o;
    memset(&o, 0, sizeof o);
    int c, rc = SG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, ":c:o:d:f:a:r:m:p:ekh", longopts, NULL)) != -1) {
        if (sg_cli_common_option(&cli, c == 'c' ? SG_OPT_CONFIG : c, optarg))
            continue;
        switch (c) {
        case 'd': o.user = optarg; break;
        case 'f': o.from = optarg; break;
        case 'a': o.orig_rcpt = optarg; break;
        case 'r': o.final_rcpt = optarg; break;
        case 'm': o.mailbox = optarg; break;
        case 'p': o.path = optarg; break;
        case 'e': o.reject_to_stderr = true; break;
        case 'k': break; /* dovecot-lda: keep the environment; nothing here clears it */
        case 'h':
            usage(stdout);
            sg_cli_free(&cli);
            return SG_EXIT_OK;
        default:
            rc = sg_cli_usage_error(&cli, c, argv, usage);
        }
    }
    if (rc == SG_EXIT_OK && optind < argc) {
        sg_cli_error(&cli, "unexpected argument %s", argv[optind]);
        rc = SG_EXIT_USAGE;
    }
    if (rc == SG_EXIT_OK && sg_cli_load_config(&cli) != SG_EXIT_OK)
        rc = SG_EXIT_TEMPFAIL; /* a broken configuration must not lose mail: the MTA retries */
    if (rc == SG_EXIT_OK) {
        openlog("sievegate", LOG_PID, LOG_MAIL);
        delivery d;
        memset(&d, 0, sizeof d);
        d.cli = &cli;
        d.o = &o;
        d.arena = sg_arena_new();
        d.now = time(NULL);
        rc = deliver(&d);
        free(d.data);
        sg_arena_free(d.arena);
        closelog();
    }
    sg_cli_free(&cli);
    return rc;
}

/* ---- for filter: the forwards of a stored message (deliver_forward.h) ---- */

int sg_deliver_forwards(sg_cli *cli, const sg_forward_job *job, const sg_result *r, sg_plan *plan,
                        sg_policy **policy)
{
    deliver_opts o;
    memset(&o, 0, sizeof o);
    delivery d;
    memset(&d, 0, sizeof d);
    d.cli = cli;
    d.o = &o;
    d.arena = job->arena;
    d.user = job->user;
    d.owner = job->owner;
    d.env = *job->env;
    d.data = (char *)job->data; /* only read */
    d.len = job->len;
    d.msg = job->msg;
    d.now = job->now;
    d.state = job->state; /* the caller's: opened (or not) by filter */
    d.state_tried = true;
    const char *const *values;
    d.message_id = sg_message_header_values(d.msg, "message-id", &values) > 0 ? values[0] : "";

    *policy = NULL;
    sg_unavailable_mode mode = SG_UNAVAILABLE_TEMPFAIL;
    char why[512] = "";
    int rc = SG_EXIT_OK;
    if (sg_result_find(r, SG_ACT_REDIRECT) || sg_result_find(r, SG_ACT_NOTIFY))
        rc = sg_cli_policy(cli, d.owner, policy, &mode, why, sizeof why) == SG_EXIT_OK ? SG_EXIT_OK
                                                                                       : SG_EXIT_TEMPFAIL;
    sg_plan_input in = plan_input(&d, *policy, mode, why);
    in.stored_mail = true;
    in.default_mailbox = job->default_mailbox;
    in.mailboxes = job->mailboxes;
    in.autocreate = job->autocreate;
    sg_plan_build(r, &in, d.arena, plan);
    if (rc != SG_EXIT_OK)
        return rc;
    audit_decisions(&d, r, plan);
    if (plan->tempfail) {
        log_error(&d, "forwarding deferred: %s", plan->unavailable_reason);
        return SG_EXIT_TEMPFAIL;
    }
    bool forwards = false;
    for (size_t i = 0; i < r->count; i++)
        forwards |= (plan->decided[i] && plan->decisions[i].verdict == SG_FWD_ALLOW) || plan->notify[i].nallowed;
    if (!forwards)
        return SG_EXIT_OK;
    if (!d.state) {
        log_error(&d, "forwarding deferred: the per-user state (duplicate tracker) is unavailable");
        return SG_EXIT_TEMPFAIL;
    }
    sg_submit_config sc;
    char err[512];
    if (!sg_submit_config_load(cli->config, &sc, err, sizeof err)) {
        log_error(&d, "configuration error: %s", err);
        return SG_EXIT_TEMPFAIL;
    }
    for (size_t i = 0; i < r->count && rc == SG_EXIT_OK; i++)
        if (plan->decided[i] && plan->decisions[i].verdict == SG_FWD_ALLOW)
            rc = send_forward(&d, &sc, &plan->decisions[i], r->actions[i].header);
    for (size_t i = 0; i < r->count && rc == SG_EXIT_OK; i++)
        if (r->actions[i].kind == SG_ACT_NOTIFY && plan->notify[i].nallowed)
            rc = send_notify(&d, &sc, &r->actions[i], &plan->notify[i]);
    return rc;
}
