/* lmtp_server.c - see lmtp_server.h: a worker's session loop, and the
 * server's start over server/daemon.h (listeners, the master, signals,
 * privileges and the log, shared with the ManageSieve server). */
#include "server/lmtp/lmtp_server.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/write_fd.h"
#include "engine/deliver/delivery.h"
#include "engine/deliver/script_cache.h"
#include "server/daemon.h"
#include "server/lmtp/lmtp_deliver.h"
#include "server/lmtp/lmtp_world.h"
#include "store/audit.h"
#include "store/policy_source.h"

static void host_log(void *ctx, int priority, const char *user, const char *line)
{
    sg_daemon_log_line(ctx, priority, user, line);
}

/* ---- one session ---- */

typedef struct conn {
    int in, out;
} conn;

static bool conn_write(void *ctx, const char *data, size_t len)
{
    const conn *c = ctx;
    return sg_write_fd(c->out, data, len) == 0;
}

/* Serves one session on in/out until it ends; SIGTERM (sg_daemon_stopping)
 * stops it after the transaction in progress. */
static void serve_session(sg_lmtp_world *w, const sg_daemon_log *lg, int in, int out)
{
    sg_policy_source *policy = NULL;
    char err[512];
    if (!sg_policy_source_open(w->cli.config, &policy, err, sizeof err)) {
        sg_daemon_logf(lg, SG_LOG_ERR, "configuration error: %s", err); /* each delivery then says why it defers */
        policy = NULL;
    }
    /* the audit log too, open for the whole session (one PostgreSQL connection) */
    sg_audit *audit = NULL;
    if (!sg_audit_open_config(w->cli.config, &audit, err, sizeof err)) {
        sg_daemon_logf(lg, SG_LOG_ERR, "configuration error: %s", err); /* each delivery then opens it and says why */
        audit = NULL;
    }
    /* the compiled scripts, kept for the session's messages (a worker serves one session) */
    sg_script_cache *scripts = w->script_cache_size ? sg_script_cache_new(w->script_cache_size) : NULL;
    sg_delivery_host host = {&w->cli.settings, w->registry, policy, host_log, (void *)lg, audit, NULL, NULL, scripts};
    sg_lmtp_backend b;
    sg_lmtp_backend_init(&b);
    b.host = &host;
    b.userdb = w->userdb;
    b.hostname = w->hostname;
    b.reject_refuses = w->reject_refuses;
    b.uid = geteuid();
    conn c = {in, out};
    sg_lmtp_hooks hooks = {sg_lmtp_backend_rcpt, sg_lmtp_backend_deliver, sg_lmtp_backend_txn_end, &b,
                           conn_write, &c};
    sg_lmtp_session *s = sg_lmtp_session_new(&w->limits, &hooks);
    sg_lmtp_session_greet(s);
    sg_lmtp_session_flush(s);
    char *buf = sg_xmalloc(65536);
    bool stop_sent = false;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    time_t deadline = now.tv_sec + (time_t)w->idle_timeout;
    while (!sg_lmtp_session_closed(s)) {
        if (sg_daemon_stopping() && !stop_sent) {
            sg_lmtp_session_stop(s);
            stop_sent = true;
            sg_lmtp_session_flush(s);
            if (sg_lmtp_session_closed(s))
                break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec >= deadline) {
            sg_lmtp_session_timeout(s);
            sg_lmtp_session_flush(s);
            break;
        }
        /* a tick of at most 1 s: a SIGTERM that came just before poll is seen */
        struct pollfd pfd = {in, POLLIN, 0};
        int pr = poll(&pfd, 1, deadline - now.tv_sec > 1 ? 1000 : (int)(deadline - now.tv_sec) * 1000);
        if (pr <= 0)
            continue;
        ssize_t n = read(in, buf, 65536);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* the client went away: an open transaction is dropped, nothing was answered 250 */
        sg_lmtp_session_input(s, buf, (size_t)n);
        sg_lmtp_session_flush(s);
        clock_gettime(CLOCK_MONOTONIC, &now);
        deadline = now.tv_sec + (time_t)w->idle_timeout;
    }
    free(buf);
    sg_lmtp_session_free(s);
    sg_lmtp_backend_free(&b);
    sg_script_cache_free(scripts);
    sg_policy_source_close(policy);
    sg_audit_close(audit);
}

/* ---- the master ---- */

typedef struct master {
    const sg_server_args *args;
    sg_lmtp_world world;
    sg_daemon_log lg;
} master;

static unsigned hook_max_connections(void *ctx)
{
    return ((master *)ctx)->world.max_connections;
}

static void hook_serve(void *ctx, int fd, const sg_listener *l)
{
    (void)l;
    master *m = ctx;
    serve_session(&m->world, &m->lg, fd, fd);
    sg_lmtp_world_free(&m->world);
}

static void hook_reload(void *ctx)
{
    master *m = ctx;
    sg_lmtp_world fresh;
    int rc = sg_lmtp_world_load(m->args, &fresh);
    if (rc != SG_EXIT_OK) {
        sg_daemon_logf(&m->lg, SG_LOG_ERR, "SIGHUP: the configuration has errors (above); the old one stays in use");
        sg_lmtp_world_free(&fresh);
        return;
    }
    sg_lmtp_world_free(&m->world);
    m->world = fresh;
    m->world.limits.hostname = m->world.hostname; /* it pointed into `fresh` */
    sg_daemon_logf(&m->lg, SG_LOG_INFO, "SIGHUP: configuration and user database (%s) read again",
                   sg_userdb_name(m->world.userdb));
}

/* The listeners of --listen, else of lmtp_listen. False with the exit code. */
static bool open_listeners(master *m, sg_listener **l, size_t *n, int *rc)
{
    char err[512];
    bool usage = false, ok;
    sg_unix_socket_options uo;
    const char *conf = sg_config_get(m->world.cli.config, "lmtp_listen");
    if (!sg_lmtp_socket_options(&m->world, &uo, err, sizeof err)) {
        ok = false;
    } else if (m->args->nlisten) {
        ok = sg_daemon_listen(m->args->listen, m->args->nlisten, 0, &uo, l, n, &usage, err, sizeof err);
    } else if (!conf || !*conf) {
        snprintf(err, sizeof err, "nothing to listen on: give --listen ADDRESS or set lmtp_listen");
        usage = true;
        ok = false;
    } else {
        ok = sg_daemon_listen_list(conf, 0, &uo, l, n, &usage, err, sizeof err);
    }
    if (!ok) {
        fprintf(stderr, "sievegate lmtp: %s\n", err);
        *rc = usage ? SG_EXIT_USAGE : 71; /* EX_OSERR */
    }
    return ok;
}

int sg_lmtp_serve(const sg_server_args *args)
{
    master m;
    memset(&m, 0, sizeof m);
    m.args = args;
    sg_daemon_log_open(&m.lg, "lmtp", args->stdio);
    int rc = sg_lmtp_world_load(args, &m.world);
    if (rc != SG_EXIT_OK) {
        sg_lmtp_world_free(&m.world);
        return rc == SG_EXIT_USAGE ? rc : SG_EXIT_CONFIG;
    }
    sg_daemon_signals();
    sg_listener *listeners = NULL;
    size_t n = 0;
    if (!args->stdio && !open_listeners(&m, &listeners, &n, &rc)) {
        sg_lmtp_world_free(&m.world);
        return rc;
    }
    uid_t uid;
    gid_t gid;
    bool have_uid = sg_userdb_mail_uid(m.world.userdb, &uid), have_gid = sg_userdb_mail_gid(m.world.userdb, &gid);
    char err[512];
    if (!sg_daemon_drop_privileges(have_uid, uid, have_gid, gid, err, sizeof err)) {
        fprintf(stderr, "sievegate lmtp: %s\n", err);
        sg_daemon_listeners_close(listeners, n, true);
        sg_lmtp_world_free(&m.world);
        return geteuid() == 0 ? SG_EXIT_CONFIG : SG_EXIT_NOPERM;
    }
    if (args->stdio) {
        serve_session(&m.world, &m.lg, 0, 1);
    } else {
        sg_daemon_hooks hooks = {&m, hook_max_connections, hook_serve, NULL, hook_reload, &m.lg, 0};
        rc = sg_daemon_run(listeners, n, &hooks);
    }
    sg_daemon_listeners_close(listeners, n, true);
    sg_lmtp_world_free(&m.world);
    closelog();
    return rc;
}
