/* ms_server.c - see ms_server.h: the configuration, a worker's connection
 * (plain, then TLS after STARTTLS) and the master's hooks. */
#include "server/managesieve/ms_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/password.h"
#include "base/tls.h"
#include "base/write_fd.h"
#include "cli/cli.h"
#include "engine/core/config_keys.h"
#include "engine/core/registry.h"
#include "server/daemon.h"
#include "server/managesieve/ms_backend.h"
#include "server/managesieve/ms_session.h"
#include "store/policy_source.h"
#include "store/userdb.h"

#define DEFAULT_PORT 4190 /* RFC 5804 §1.8 */
#define TLS_HANDSHAKE_MS 30000
#define WRITE_TIMEOUT_MS 60000
#define READ_CHUNK 65536

/* What the server reads from its configuration, and what a SIGHUP reads again. */
typedef struct world {
    sg_cli cli;
    sg_registry *registry;
    sg_userdb *userdb;
    sg_tls_server *tls;
    char implementation[64];
    char *sieve_caps;
    bool notify;
    sg_ms_settings settings;
    unsigned max_connections, process_min_avail;
    unsigned long long login_timeout, idle_timeout; /* seconds */
    unsigned auth_failure_delay_ms;
    bool disable_plaintext_auth;
    size_t max_script_size, max_scripts;
    unsigned long long max_storage;
} world;

/* The SIEVE capability: every extension a script may require now. */
static char *sieve_capability(const sg_registry *reg)
{
    size_t n = sg_registry_extension_count(reg), len = 0;
    for (size_t i = 0; i < n; i++)
        len += sg_registry_name_at(reg, i) ? strlen(sg_registry_name_at(reg, i)) + 1 : 0;
    char *s = sg_xmalloc(len + 1), *p = s;
    for (size_t i = 0; i < n; i++) {
        const sg_extension *e = sg_registry_extension_at(reg, i);
        /* the implicit ones (comparator-i;octet, i;ascii-casemap) are not news to a client */
        if (!e->name || e->implicit || sg_registry_disabled_at(reg, i))
            continue;
        p += sprintf(p, "%s%s", p == s ? "" : " ", e->name);
    }
    *p = '\0';
    return s;
}

static void world_free(world *w)
{
    sg_registry_free(w->registry);
    sg_userdb_close(w->userdb);
    sg_tls_server_close(w->tls);
    free(w->sieve_caps);
    sg_cli_free(&w->cli);
    memset(w, 0, sizeof *w);
}

/* Loads everything; on failure the reason is printed and the exit code returned. */
static int world_load(const sg_server_args *args, world *w, bool with_tls)
{
    memset(w, 0, sizeof *w);
    int rc = sg_cli_load_server_config(&w->cli, "managesieve", args);
    if (rc != SG_EXIT_OK)
        return rc;
    const sg_config *cfg = w->cli.config;
    char err[512];
    if (!sg_userdb_open(cfg, &w->userdb, err, sizeof err)) {
        sg_cli_error(&w->cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    const char *cert = sg_config_get(cfg, "ssl_cert"), *key = sg_config_get(cfg, "ssl_key");
    if (with_tls && ((cert && *cert) || (key && *key))) {
        if (!cert || !*cert || !key || !*key) {
            sg_cli_error(&w->cli, "configuration error: ssl_cert and ssl_key go together");
            return SG_EXIT_CONFIG;
        }
        if (!sg_tls_server_open(cert, key, &w->tls, err, sizeof err)) {
            sg_cli_error(&w->cli, "configuration error: %s", err);
            return SG_EXIT_CONFIG;
        }
    }
    w->registry = sg_settings_registry(&w->cli.settings);
    w->sieve_caps = sieve_capability(w->registry);
    w->notify = sg_registry_extension_index(w->registry, "enotify") >= 0;
    snprintf(w->implementation, sizeof w->implementation, "sievegate %s", SIEVEGATE_VERSION);
    sg_run_options opt;
    sg_settings_run_options(&w->cli.settings, &opt);
    w->max_connections = (unsigned)sg_config_value_size(cfg, "managesieve_max_connections");
    w->process_min_avail = (unsigned)sg_config_value_size(cfg, "managesieve_process_min_avail");
    w->login_timeout = sg_config_value_seconds(cfg, "managesieve_login_timeout");
    w->idle_timeout = sg_config_value_seconds(cfg, "managesieve_idle_timeout");
    w->auth_failure_delay_ms = (unsigned)(strtod(sg_config_value(cfg, "auth_failure_delay"), NULL) * 1000.0 + 0.5);
    w->disable_plaintext_auth = strcmp(sg_config_value(cfg, "disable_plaintext_auth"), "yes") == 0;
    /* what delivery would refuse to read is refused at upload (max_script_size) */
    w->max_script_size = sg_config_value_size(cfg, "sieve_max_script_size");
    if (w->max_script_size > w->cli.settings.limits.max_script_size)
        w->max_script_size = w->cli.settings.limits.max_script_size;
    w->max_scripts = sg_config_value_size(cfg, "sieve_quota_max_scripts");
    w->max_storage = sg_config_value_size(cfg, "sieve_quota_max_storage");
    sg_ms_settings *s = &w->settings;
    s->implementation = w->implementation;
    s->sieve = w->sieve_caps;
    s->notify = w->notify ? "mailto" : NULL;
    s->max_redirects = (unsigned)opt.limits.max_redirects;
    s->max_auth_failures = (unsigned)sg_config_value_size(cfg, "managesieve_max_auth_failures");
    s->max_bad_commands = 20;
    s->limits.max_line = sg_config_value_size(cfg, "managesieve_max_line_length");
    s->limits.max_script = w->max_script_size;
    return SG_EXIT_OK;
}

/* ---- a worker's connection ---- */

typedef struct conn {
    int in, out;
    sg_tls *tls;
    const sg_daemon_log *lg;
    char ip[INET6_ADDRSTRLEN + 8];
} conn;

static bool conn_write(void *ctx, const char *data, size_t len)
{
    conn *c = ctx;
    if (c->tls)
        return sg_tls_write(c->tls, data, len, WRITE_TIMEOUT_MS);
    return sg_write_fd(c->out, data, len) == 0;
}

/* > 0 bytes, 0 closed, -1 error, -2 nothing yet (TLS: a partial record). */
static ssize_t conn_read(conn *c, char *buf, size_t len)
{
    ssize_t n;
    do
        n = c->tls ? sg_tls_read(c->tls, buf, len) : read(c->in, buf, len);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return -2;
    return n;
}

/* The log hooks: every line names the client's address, and the user once known. */
static void account_log(void *ctx, int priority, const char *user, const char *line)
{
    const conn *c = ctx;
    char full[1200];
    if (user)
        snprintf(full, sizeof full, "ip=%s, user=%s: %s", c->ip, user, line);
    else
        snprintf(full, sizeof full, "ip=%s: %s", c->ip, line);
    sg_daemon_log_line(c->lg, priority, NULL, full);
}

static void conn_log(void *ctx, const char *user, const char *line)
{
    account_log(ctx, LOG_INFO, user, line);
}

/* The peer's address for the log, and whether it is this host (loopback or
 * a unix socket; not a socket at all: --stdio from a pipe). */
static bool peer_of(int fd, char *ip, size_t iplen)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0) {
        snprintf(ip, iplen, "local");
        return true;
    }
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)iplen);
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)iplen);
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
            return a->sin6_addr.s6_addr[12] == 127;
        return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    }
    snprintf(ip, iplen, "local");
    return ss.ss_family == AF_UNIX;
}

static long long now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec;
}

/* Serves one session on in/out until it ends. */
static void serve_session(world *w, const sg_daemon_log *lg, int in, int out, bool stdio)
{
    conn c = {in, out, NULL, lg, ""};
    bool local = peer_of(in, c.ip, sizeof c.ip);
    char line[INET6_ADDRSTRLEN + 8 + 256]; // room for the ip and a bounded message, so no truncation
    snprintf(line, sizeof line, "ip=%s: connect%s", c.ip, local ? " (local)" : "");
    sg_daemon_log_line(lg, LOG_INFO, NULL, line);
    sg_policy_source *policy = NULL;
    char err[512];
    if (!sg_policy_source_open(w->cli.config, &policy, err, sizeof err)) {
        sg_daemon_logf(lg, LOG_ERR, "configuration error: %s", err); /* each check then says so */
        policy = NULL;
    }
    uid_t uid = geteuid();
    sg_ms_account_config ac = {w->cli.config,    &w->cli.settings, w->registry,    w->userdb,
                               policy,           w->auth_failure_delay_ms,        uid,
                               w->max_script_size, w->max_scripts, w->max_storage, account_log,
                               &c};
    sg_ms_account *account = sg_ms_account_new(&ac);
    sg_ms_backend b;
    sg_ms_account_backend(account, &b);
    b.log = conn_log;
    b.log_ctx = &c;
    b.write = conn_write;
    b.write_ctx = &c;
    sg_ms_conn_facts facts = {w->tls != NULL && !stdio, false, local || !w->disable_plaintext_auth};
    sg_ms_session *s = sg_ms_session_new(&w->settings, &b, &facts);
    sg_ms_session_greet(s);
    sg_ms_session_flush(s);
    char *buf = sg_xmalloc(READ_CHUNK);
    const char *why = "client closed the connection";
    long long last = now_s();
    while (!sg_ms_session_closed(s)) {
        if (sg_ms_session_want_tls(s)) {
            c.tls = sg_tls_accept(w->tls, in, TLS_HANDSHAKE_MS, err, sizeof err);
            if (c.tls)
                snprintf(line, sizeof line, "ip=%s: STARTTLS: %s", c.ip, sg_tls_describe(c.tls));
            else
                snprintf(line, sizeof line, "ip=%s: STARTTLS: %.100s", c.ip, err);
            sg_daemon_log_line(lg, c.tls ? LOG_INFO : LOG_ERR, NULL, line);
            sg_ms_session_tls_done(s, c.tls != NULL);
            sg_ms_session_flush(s);
            if (!c.tls)
                why = "TLS handshake failed";
            continue;
        }
        if (sg_daemon_stopping()) {
            sg_ms_session_stop(s);
            sg_ms_session_flush(s);
            why = "server shutting down";
            break;
        }
        long long limit = sg_ms_session_user(s) ? (long long)w->idle_timeout : (long long)w->login_timeout;
        long long left = last + limit - now_s();
        if (left <= 0) {
            sg_ms_session_timeout(s);
            sg_ms_session_flush(s);
            why = sg_ms_session_user(s) ? "idle timeout" : "login timeout";
            break;
        }
        if (!(c.tls && sg_tls_pending(c.tls))) {
            /* a tick of at most 1 s: a SIGTERM that came just before poll is seen */
            struct pollfd pfd = {in, POLLIN, 0};
            if (poll(&pfd, 1, left > 1 ? 1000 : (int)left * 1000) <= 0)
                continue;
        }
        ssize_t n = conn_read(&c, buf, READ_CHUNK);
        if (n == -2)
            continue;
        if (n <= 0) {
            if (n < 0)
                why = "read error";
            break;
        }
        last = now_s();
        sg_ms_session_input(s, buf, (size_t)n);
        if (!sg_ms_session_flush(s))
            why = "write error";
        else if (sg_ms_session_closed(s))
            why = "logged out or disconnected by the server";
    }
    snprintf(line, sizeof line, "ip=%s: disconnect: %s", c.ip, why);
    sg_daemon_log_line(lg, LOG_INFO, NULL, line);
    free(buf);
    sg_ms_session_free(s);
    sg_ms_account_free(account);
    sg_tls_free(c.tls);
    sg_policy_source_close(policy);
}

/* ---- the master ---- */

typedef struct server {
    const sg_server_args *args;
    world w;
    sg_daemon_log lg;
} server;

static unsigned hook_max_connections(void *ctx)
{
    return ((server *)ctx)->w.max_connections;
}

static void hook_serve(void *ctx, int fd, const sg_listener *l)
{
    (void)l;
    server *sv = ctx;
    serve_session(&sv->w, &sv->lg, fd, fd, false);
    world_free(&sv->w);
}

static void hook_reload(void *ctx)
{
    server *sv = ctx;
    world fresh;
    int rc = world_load(sv->args, &fresh, false);
    if (rc != SG_EXIT_OK) {
        sg_daemon_logf(&sv->lg, LOG_ERR, "SIGHUP: the configuration has errors (above); the old one stays in use");
        world_free(&fresh);
        return;
    }
    /* the certificate: again if it can be read now (the key may be root's only) */
    const char *cert = sg_config_get(fresh.cli.config, "ssl_cert"), *key = sg_config_get(fresh.cli.config, "ssl_key");
    char err[512];
    if (cert && *cert && key && *key && !sg_tls_server_open(cert, key, &fresh.tls, err, sizeof err)) {
        sg_daemon_logf(&sv->lg, LOG_ERR, "SIGHUP: %s; the old certificate stays in use", err);
        fresh.tls = sv->w.tls;
        sv->w.tls = NULL;
    }
    world_free(&sv->w);
    sv->w = fresh;
    sg_daemon_logf(&sv->lg, LOG_INFO, "SIGHUP: configuration and user database (%s) read again",
                   sg_userdb_name(sv->w.userdb));
}

int sg_ms_serve(const sg_server_args *args)
{
    server sv;
    memset(&sv, 0, sizeof sv);
    sv.args = args;
    sg_daemon_log_open(&sv.lg, "managesieve", args->stdio);
    int rc = world_load(args, &sv.w, !args->stdio);
    if (rc != SG_EXIT_OK) {
        world_free(&sv.w);
        return rc == SG_EXIT_USAGE ? rc : SG_EXIT_CONFIG;
    }
    sg_daemon_signals();
    char err[512];
    sg_listener *listeners = NULL;
    size_t n = 0;
    if (!args->stdio) {
        bool usage = false, ok;
        sg_unix_socket_options uo = {0666, (uid_t)-1, (gid_t)-1};
        const char *conf = sg_config_get(sv.w.cli.config, "managesieve_listen");
        if (args->nlisten)
            ok = sg_daemon_listen(args->listen, args->nlisten, DEFAULT_PORT, &uo, &listeners, &n, &usage, err,
                                  sizeof err);
        else
            ok = sg_daemon_listen_list(conf && *conf ? conf : "*:4190", DEFAULT_PORT, &uo, &listeners, &n, &usage,
                                       err, sizeof err);
        if (!ok) {
            fprintf(stderr, "sievegate managesieve: %s\n", err);
            world_free(&sv.w);
            return usage ? SG_EXIT_USAGE : 71; /* EX_OSERR */
        }
    }
    uid_t uid;
    gid_t gid;
    bool have_uid = sg_userdb_mail_uid(sv.w.userdb, &uid), have_gid = sg_userdb_mail_gid(sv.w.userdb, &gid);
    if (!sg_daemon_drop_privileges(have_uid, uid, have_gid, gid, err, sizeof err)) {
        fprintf(stderr, "sievegate managesieve: %s\n", err);
        sg_daemon_listeners_close(listeners, n, true);
        world_free(&sv.w);
        return geteuid() == 0 ? SG_EXIT_CONFIG : SG_EXIT_NOPERM;
    }
    /* crypt(3) loaded once here, not by every worker at its first login */
    if (!sg_password_preload(err, sizeof err))
        sg_daemon_logf(&sv.lg, LOG_ERR, "%s: logins will fail", err);
    if (!sv.w.tls && sv.w.disable_plaintext_auth && !args->stdio)
        sg_daemon_logf(&sv.lg, LOG_INFO, "no ssl_cert: only local clients can log in (disable_plaintext_auth = yes)");
    if (args->stdio) {
        serve_session(&sv.w, &sv.lg, 0, 1, true);
    } else {
        sg_daemon_hooks hooks = {&sv, hook_max_connections, hook_serve, NULL, hook_reload, &sv.lg,
                                 sv.w.process_min_avail};
        rc = sg_daemon_run(listeners, n, &hooks);
    }
    sg_daemon_listeners_close(listeners, n, true);
    world_free(&sv.w);
    closelog();
    return rc;
}
