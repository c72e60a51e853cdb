/* daemon.h - what the long-running servers share (`sievegate lmtp`,
 * `sievegate managesieve`): their listeners, the privilege drop, the master
 * process that forks one worker per connection, signals, and the log.
 *
 * Processes, as Dovecot's services with client_limit 1 and service_count
 * 1: the master opens the listeners (unix:/path, HOST:PORT, [IPv6]:PORT;
 * "*:PORT" any address), then, started as root, drops to the mail user for
 * good before it accepts anything. Each connection gets a worker process of
 * its own that serves it and exits, so a slow or hostile client holds only
 * its own worker and a session never sees another's memory; at most
 * max_connections workers run at once, the next connections wait in the
 * listen queue. Either the master accepts each connection and forks its
 * worker (min_idle 0), or, as Dovecot's process_min_avail, min_idle workers
 * are forked ahead and wait in accept themselves, so that a new connection
 * does not wait for a fork (about a millisecond on a small VM); the master
 * forks the next idle one as soon as one takes a connection.
 *
 * Signals: SIGTERM or SIGINT: the master closes its listeners, passes
 * SIGTERM to the workers (each ends its session between commands, see
 * sg_daemon_stopping) and exits when all have. SIGHUP: the master's reload
 * hook (the configuration read again; sessions in progress keep theirs; idle
 * workers are retired with SIGUSR1 and new ones forked).
 * The flags a signal handler sets are this module's only state shared
 * with a handler (a handler can reach nothing else).
 *
 * Unix sockets are created with the mode, owner and group given (a stale
 * socket file is replaced, anything else at the path refused).
 *
 * The log: each line on stderr ("sievegate NAME[PID]: user=U: line") unless
 * stderr is a socket (inetd), and to syslog (facility mail).
 */
#ifndef SG_DAEMON_H
#define SG_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What a server's command line gives it (cli/server.c parses it). */
typedef struct sg_server_args {
    const char *config_path;
    bool config_explicit;
    char **overrides; /* -o KEY=VALUE, in order */
    size_t noverrides;
    const char **listen; /* --listen ADDRESS */
    size_t nlisten;
    bool stdio;          /* --stdio: one session on stdin/stdout */
} sg_server_args;

typedef struct sg_listener {
    int fd;
    char *name;      /* as given */
    char *unix_path; /* unix: sockets, removed at exit; else NULL */
} sg_listener;

typedef struct sg_unix_socket_options {
    unsigned mode;   /* e.g. 0666 */
    uid_t uid;       /* (uid_t)-1: the creator */
    gid_t gid;       /* (gid_t)-1: the creator */
} sg_unix_socket_options;

/* Opens every address: non-blocking, close-on-exec. An inet address
 * without ":PORT" gets default_port (0: a port is required). False with
 * err; *usage when an address is malformed (the caller exits 64, else 71). */
bool sg_daemon_listen(const char *const *addresses, size_t n, unsigned default_port,
                      const sg_unix_socket_options *unix_opt, sg_listener **out, size_t *count, bool *usage,
                      char *err, size_t errlen);
/* The same for a comma- or space-separated list (a configuration value). */
bool sg_daemon_listen_list(const char *list, unsigned default_port, const sg_unix_socket_options *unix_opt,
                           sg_listener **out, size_t *count, bool *usage, char *err, size_t errlen);
void sg_daemon_listeners_close(sg_listener *l, size_t n, bool unlink_sockets);

/* Started as root: become uid/gid for good (supplementary groups cleared;
 * root cannot be regained, which is checked). Not root: have_uid's uid, when
 * set, must be this process's. False with err. */
bool sg_daemon_drop_privileges(bool have_uid, uid_t uid, bool have_gid, gid_t gid, char *err, size_t errlen);

/* ---- the log ---- */

typedef struct sg_daemon_log {
    const char *name; /* "lmtp", "managesieve" */
    bool to_stderr;
} sg_daemon_log;

/* Opens syslog; stderr is written unless it is a socket (stdio: inetd). */
void sg_daemon_log_open(sg_daemon_log *lg, const char *name, bool stdio);
/* priority: syslog's (LOG_ERR, LOG_INFO); user may be NULL or "?" (not known). */
void sg_daemon_log_line(const sg_daemon_log *lg, int priority, const char *user, const char *line);
void sg_daemon_logf(const sg_daemon_log *lg, int priority, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- the master ---- */

typedef struct sg_daemon_hooks {
    void *ctx;
    /* How many workers may run now (read at each turn: a reload may change it). */
    unsigned (*max_connections)(void *ctx);
    /* In the worker, after the fork, with the accepted connection (blocking,
     * close-on-exec): serves it and returns; the worker then exits. */
    void (*serve)(void *ctx, int fd, const sg_listener *listener);
    /* In the worker before serve: let go of what only the master needs. May be NULL. */
    void (*worker_init)(void *ctx);
    /* SIGHUP, in the master. May be NULL. */
    void (*reload)(void *ctx);
    const sg_daemon_log *log;
    /* Workers forked ahead, waiting in accept (0: the master accepts). */
    unsigned min_idle;
} sg_daemon_hooks;

/* Installs the handlers of SIGTERM, SIGINT (and ignores SIGPIPE): call
 * before anything that may be interrupted. */
void sg_daemon_signals(void);
/* Runs until SIGTERM; returns 0, or 70 when it could not start. */
int sg_daemon_run(sg_listener *listeners, size_t n, const sg_daemon_hooks *hooks);
/* SIGTERM was received (a worker ends its session at the next command). */
bool sg_daemon_stopping(void);

#endif
