/* deliver.c - `sievegate deliver` (also installed as sievegate-lda): a drop-in
 * for dovecot-lda (docs/cli.md). The command line: the options, the user and
 * their rights, the message on stdin (or -p); the delivery itself is the
 * library's (engine/deliver/delivery.h), shared with the LMTP server.
 *
 * Exit codes (sysexits.h, as dovecot-lda): 0 delivered as planned; 67 unknown
 * user; 75 retry later (nothing was lost, nothing will be delivered twice);
 * 77 rejected under -e; 64 usage.
 */
#define _GNU_SOURCE /* sigabbrev_np */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/msgsrc.h"
#include "base/supervise.h"
#include "engine/core/registry.h"
#include "engine/deliver/delivery.h"
#include "cli/cli.h"

#define MAX_MESSAGE ((size_t)1 << 30)

typedef struct deliver_opts {
    const char *user;        /* -d */
    const char *from;        /* -f */
    const char *orig_rcpt;   /* -a */
    const char *final_rcpt;  /* -r */
    const char *mailbox;     /* -m */
    const char *path;        /* -p */
    bool reject_to_stderr;   /* -e */
} deliver_opts;

/* Who receives, with which rights. */
typedef struct delivery {
    sg_cli *cli;
    const deliver_opts *o;
    sg_arena *arena;
    struct passwd pw;
    const char *home;
    const char *user; /* the login name */
} delivery;

static void usage(FILE *out)
{
    fputs("usage: sievegate deliver [-c CONFIG | --config CONFIG] [-o KEY=VALUE] [-d USER] [-f ENVELOPE-SENDER]\n"
          "                         [-a ORIGINAL-RECIPIENT] [-r FINAL-RECIPIENT] [-m MAILBOX] [-p PATH] [-e] [-k]\n"
          "  Delivers the message on standard input (or in PATH) to USER's mailbox, running USER's Sieve\n"
          "  script. exit: 0 delivered, 64 usage, 67 unknown user, 75 retry later, 77 rejected (-e)\n",
          out);
}

/* The library's log lines: syslog facility mail, as an LDA does, and errors
 * also on stderr for the MTA's bounce or defer text. */
static void host_log(void *ctx, int priority, const char *user, const char *line)
{
    (void)ctx;
    if (priority <= SG_LOG_WARNING) /* the MTA shows it when it defers or bounces */
        fprintf(stderr, "sievegate deliver: %s\n", line);
    syslog(LOG_MAIL | (priority <= SG_LOG_ERR ? LOG_ERR : priority), "user=%s: %s", user, line);
}

static void log_error(const delivery *d, const char *fmt, ...) SG_PRINTF(2, 3);
static void log_error(const delivery *d, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    host_log(NULL, SG_LOG_ERR, d && d->user ? d->user : "?", msg);
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

static int deliver(delivery *d)
{
    int rc = find_user(d);
    if (rc == SG_EXIT_OK)
        rc = check_target_uid(d);
    if (rc == SG_EXIT_OK)
        rc = drop_privileges(d);
    if (rc != SG_EXIT_OK)
        return rc;
    /* Mapped (a file) or spooled first (a pipe, into TMPDIR): a large
     * message is never read into memory (base/msgsrc.h). */
    sg_msgsrc src;
    const char *tmpdir = getenv("TMPDIR");
    int err = d->o->path ? sg_msgsrc_open_path(&src, d->o->path, MAX_MESSAGE)
                         : sg_msgsrc_open_fd(&src, STDIN_FILENO, MAX_MESSAGE, tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (err) {
        log_error(d, "cannot read the message%s%s: %s", d->o->path ? " from " : "", d->o->path ? d->o->path : "",
                  err == EFBIG ? "larger than 1 GiB" : strerror(err));
        return SG_EXIT_TEMPFAIL;
    }
    const char *data = src.data;
    size_t len = src.len;
    /* An mbox From_ line on stdin (Postfix's local(8)) is not part of the
     * message, as dovecot-lda drops it; a file given with -p is taken as it is. */
    const char *from_line_sender = NULL;
    size_t skip = d->o->path ? 0 : sg_delivery_skip_from_line(data, len, d->arena, &from_line_sender);

    sg_delivery_host host = {&d->cli->settings, NULL, NULL, host_log, NULL, NULL, NULL, NULL, NULL};
    sg_registry *reg = sg_settings_registry(&d->cli->settings);
    host.registry = reg;
    sg_delivery_request req;
    memset(&req, 0, sizeof req);
    req.user = d->user;
    req.home = d->home;
    req.envelope_from = d->o->from ? d->o->from : from_line_sender; /* NULL: the Return-Path */
    req.recipient = d->o->final_rcpt ? d->o->final_rcpt : d->o->orig_rcpt ? d->o->orig_rcpt : user_address(d);
    req.orig_recipient = d->o->orig_rcpt && d->o->final_rcpt ? d->o->orig_rcpt : NULL;
    req.default_mailbox = d->o->mailbox;
    req.reject_refuses = d->o->reject_to_stderr;
    req.data = data + skip;
    req.len = len - skip;
    req.source = &src;
    req.now = time(NULL);
    sg_delivery_outcome out;
    sg_delivery_run(&host, &req, d->arena, &out);
    switch (out.status) {
    case SG_DELIVERY_DONE: rc = SG_EXIT_OK; break;
    case SG_DELIVERY_TEMPFAIL: rc = SG_EXIT_TEMPFAIL; break;
    case SG_DELIVERY_REJECTED:
        fprintf(stderr, "%s\n", out.reason); /* dovecot-lda -e: the MTA bounces with our reason */
        rc = SG_EXIT_NOPERM;
        break;
    }
    sg_registry_free(reg);
    sg_msgsrc_close(&src);
    return rc;
}

static int deliver_job(void *ctx)
{
    return deliver(ctx);
}

/* After the delivery process died (base/supervise.h): system calls only. */
static void report_death(void *ctx, int sig)
{
    const delivery *d = ctx;
    char line[160] = "the delivery process was killed by signal ";
    sg_supervise_append_int(line, sizeof line, sig);
    const char *name = sigabbrev_np(sig); /* a constant string, unlike strsignal's */
    strncat(line, " (SIG", sizeof line - strlen(line) - 1);
    strncat(line, name ? name : "?", sizeof line - strlen(line) - 1);
    strncat(line, "): deferred, the MTA retries", sizeof line - strlen(line) - 1);
    sg_supervise_say("sievegate deliver: ", "sievegate", d->o->user ? d->o->user : "?", line);
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
        if (sg_cli_common_option(&cli, c, optarg))
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
    /* A broken configuration (an unknown key, a bad value) is found before the
     * message is read, and deferred, not EX_CONFIG as in the other commands:
     * Postfix's local(8) bounces a mailbox_command's 78 (dsn 5.3.5; proved by
     * tests/e2e/postfix.sh (g)), and mail is never lost. */
    if (rc == SG_EXIT_OK && sg_cli_load_config(&cli) != SG_EXIT_OK)
        rc = SG_EXIT_TEMPFAIL;
    if (rc == SG_EXIT_OK) {
        openlog("sievegate", LOG_PID, LOG_MAIL);
        delivery d;
        memset(&d, 0, sizeof d);
        d.cli = &cli;
        d.o = &o;
        d.arena = sg_arena_new();
        /* A delivery killed by a signal (kill -9, the OOM killer, a crash) is
         * retried, never bounced: the parent turns that death into 75. */
        rc = sg_supervise(deliver_job, &d, SG_EXIT_TEMPFAIL, report_death);
        sg_arena_free(d.arena);
        closelog();
    }
    sg_cli_free(&cli);
    return rc;
}

