/* lmtp_server.c - see lmtp_server.h: the master (listeners, workers,
 * signals) and a worker's session loop. */
#include "server/lmtp/lmtp_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/attr.h"
#include "engine/deliver/delivery.h"
#include "server/lmtp/lmtp_deliver.h"
#include "server/lmtp/lmtp_world.h"
#include "store/policy_source.h"

/* The signals seen: the one state a signal handler may share (a flag and
 * a self-pipe to wake poll), set in the handler only. */
static volatile sig_atomic_t got_term, got_hup, got_chld;
static int wake_fd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGTERM || sig == SIGINT)
        got_term = 1;
    else if (sig == SIGHUP)
        got_hup = 1;
    else if (sig == SIGCHLD)
        got_chld = 1;
    if (wake_fd >= 0) {
        ssize_t w = write(wake_fd, "", 1); /* full pipe: a wake-up is pending anyway */
        (void)w;
    }
    errno = saved;
}

static void set_handler(int sig, void (*h)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* a delivery's I/O goes on; poll returns EINTR all the same (and ticks) */
    sigaction(sig, &sa, NULL);
}

/* ---- logging ---- */

typedef struct logger {
    bool to_stderr;
} logger;

static void log_to(const logger *lg, int priority, const char *user, const char *line)
{
    if (lg->to_stderr) {
        if (user && strcmp(user, "?") != 0 && !strstr(line, "user="))
            fprintf(stderr, "sievegate lmtp[%ld]: user=%s: %s\n", (long)getpid(), user, line);
        else
            fprintf(stderr, "sievegate lmtp[%ld]: %s\n", (long)getpid(), line);
    }
    syslog(LOG_MAIL | (priority <= SG_LOG_ERR ? LOG_ERR : priority), "%s", line);
}

static void host_log(void *ctx, int priority, const char *user, const char *line)
{
    log_to(ctx, priority, user, line);
}

static void logf_(const logger *lg, int priority, const char *fmt, ...) SG_PRINTF(3, 4);
static void logf_(const logger *lg, int priority, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_to(lg, priority, NULL, line);
}

/* ---- one session ---- */

typedef struct conn {
    int in, out;
} conn;

static bool conn_write(void *ctx, const char *data, size_t len)
{
    conn *c = ctx;
    while (len > 0) {
        ssize_t n = write(c->out, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Serves one session on in/out until it ends; SIGTERM (got_term) stops it
 * after the transaction in progress. */
static void serve_session(sg_lmtp_world *w, const logger *lg, int in, int out)
{
    sg_policy_source *policy = NULL;
    char err[512];
    if (!sg_policy_source_open(w->cli.config, &policy, err, sizeof err)) {
        logf_(lg, SG_LOG_ERR, "configuration error: %s", err); /* each delivery then says why it defers */
        policy = NULL;
    }
    sg_delivery_host host = {&w->cli.settings, w->registry, policy, host_log, (void *)lg};
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
        if (got_term && !stop_sent) {
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
    sg_policy_source_close(policy);
}

/* ---- the master ---- */

typedef struct master {
    const sg_lmtp_server_args *args;
    sg_lmtp_world world;
    sg_lmtp_listener *listeners;
    size_t nlisteners;
    pid_t *workers;
    size_t nworkers, cap;
    logger lg;
} master;

static void reap(master *m)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < m->nworkers; i++)
            if (m->workers[i] == pid) {
                m->workers[i] = m->workers[--m->nworkers];
                break;
            }
        if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM)
            logf_(&m->lg, SG_LOG_ERR, "worker %ld killed by signal %d", (long)pid, WTERMSIG(status));
        else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
            logf_(&m->lg, SG_LOG_ERR, "worker %ld exited with status %d", (long)pid, WEXITSTATUS(status));
    }
}

static void reload(master *m)
{
    sg_lmtp_world fresh;
    int rc = sg_lmtp_world_load(m->args, &fresh);
    if (rc != SG_EXIT_OK) {
        logf_(&m->lg, SG_LOG_ERR, "SIGHUP: the configuration has errors (above); the old one stays in use");
        sg_lmtp_world_free(&fresh);
        return;
    }
    sg_lmtp_world_free(&m->world);
    m->world = fresh;
    m->world.limits.hostname = m->world.hostname; /* it pointed into `fresh` */
    logf_(&m->lg, SG_LOG_INFO, "SIGHUP: configuration and user database (%s) read again",
          sg_userdb_name(m->world.userdb));
}

static void worker(master *m, int fd, int pipe_r, int pipe_w)
{
    close(pipe_r);
    close(pipe_w);
    sg_lmtp_listeners_close(m->listeners, m->nlisteners, false);
    set_handler(SIGHUP, SIG_IGN);
    set_handler(SIGCHLD, SIG_DFL);
    wake_fd = -1;
    serve_session(&m->world, &m->lg, fd, fd);
    close(fd);
    sg_lmtp_world_free(&m->world);
    free(m->workers);
    _exit(0);
}

static void accept_on(master *m, int lfd, int pipe_r, int pipe_w)
{
    while (m->nworkers < m->world.max_connections) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                logf_(&m->lg, SG_LOG_ERR, "accept: %s", strerror(errno));
            return;
        }
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK); /* the worker blocks on its own connection */
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0)
            worker(m, fd, pipe_r, pipe_w);
        close(fd);
        if (pid < 0) {
            logf_(&m->lg, SG_LOG_ERR, "fork: %s", strerror(errno));
            return;
        }
        if (m->nworkers == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 16;
            m->workers = sg_xrealloc(m->workers, m->cap * sizeof *m->workers);
        }
        m->workers[m->nworkers++] = pid;
    }
}

static int run_master(master *m)
{
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        logf_(&m->lg, SG_LOG_ERR, "pipe: %s", strerror(errno));
        return SG_EXIT_SOFTWARE;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(pipefd[i], F_SETFD, FD_CLOEXEC);
        fcntl(pipefd[i], F_SETFL, O_NONBLOCK);
    }
    wake_fd = pipefd[1];
    set_handler(SIGCHLD, on_signal);
    set_handler(SIGHUP, on_signal);
    logf_(&m->lg, SG_LOG_INFO, "listening on %s%s (uid %u), at most %u connections", m->listeners[0].name,
          m->nlisteners > 1 ? " and more" : "", (unsigned)geteuid(), m->world.max_connections);
    struct pollfd *pfd = sg_xmalloc((m->nlisteners + 1) * sizeof *pfd);
    while (!got_term) {
        if (got_chld) {
            got_chld = 0;
            reap(m);
        }
        if (got_hup) {
            got_hup = 0;
            reload(m);
        }
        pfd[0].fd = pipefd[0];
        pfd[0].events = POLLIN;
        size_t np = 1;
        if (m->nworkers < m->world.max_connections) /* else the next connections wait in the listen queue */
            for (size_t i = 0; i < m->nlisteners; i++) {
                pfd[np].fd = m->listeners[i].fd;
                pfd[np].events = POLLIN;
                np++;
            }
        int pr = poll(pfd, np, 1000); /* ticks: a signal just before poll is seen */
        if (pr < 0)
            continue; /* EINTR: a signal; looked at above */
        if (pfd[0].revents) {
            char drain[64];
            while (read(pipefd[0], drain, sizeof drain) > 0)
                ;
        }
        for (size_t i = 1; i < np; i++)
            if (pfd[i].revents & POLLIN)
                accept_on(m, pfd[i].fd, pipefd[0], pipefd[1]);
    }
    free(pfd);
    /* SIGTERM: no new connections; the workers finish their transactions */
    sg_lmtp_listeners_close(m->listeners, m->nlisteners, true);
    m->listeners = NULL;
    m->nlisteners = 0;
    logf_(&m->lg, SG_LOG_INFO, "shutting down: waiting for %zu sessions to finish their transactions", m->nworkers);
    for (size_t i = 0; i < m->nworkers; i++)
        kill(m->workers[i], SIGTERM);
    while (m->nworkers > 0) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            break;
        for (size_t i = 0; i < m->nworkers; i++)
            if (m->workers[i] == pid) {
                m->workers[i] = m->workers[--m->nworkers];
                break;
            }
    }
    wake_fd = -1;
    close(pipefd[0]);
    close(pipefd[1]);
    return SG_EXIT_OK;
}

int sg_lmtp_serve(const sg_lmtp_server_args *args)
{
    master m;
    memset(&m, 0, sizeof m);
    m.args = args;
    m.lg.to_stderr = true;
    if (args->stdio) {
        struct stat st;
        m.lg.to_stderr = !(fstat(2, &st) == 0 && S_ISSOCK(st.st_mode)); /* inetd: stderr is the client */
    }
    int rc = sg_lmtp_world_load(args, &m.world);
    if (rc != SG_EXIT_OK) {
        sg_lmtp_world_free(&m.world);
        return rc == SG_EXIT_USAGE ? rc : SG_EXIT_CONFIG;
    }
    openlog("sievegate", LOG_PID, LOG_MAIL);
    signal(SIGPIPE, SIG_IGN);
    set_handler(SIGTERM, on_signal);
    set_handler(SIGINT, on_signal);
    char err[512];
    if (!args->stdio) {
        bool usage = false;
        if (!sg_lmtp_listen(args, &m.world, &m.listeners, &m.nlisteners, &usage, err, sizeof err)) {
            fprintf(stderr, "sievegate lmtp: %s\n", err);
            sg_lmtp_world_free(&m.world);
            return usage ? SG_EXIT_USAGE : 71; /* EX_OSERR */
        }
    }
    if (!sg_lmtp_drop_privileges(&m.world, err, sizeof err)) {
        fprintf(stderr, "sievegate lmtp: %s\n", err);
        sg_lmtp_listeners_close(m.listeners, m.nlisteners, true);
        sg_lmtp_world_free(&m.world);
        return geteuid() == 0 ? SG_EXIT_CONFIG : SG_EXIT_NOPERM;
    }
    if (args->stdio)
        serve_session(&m.world, &m.lg, 0, 1);
    else
        rc = run_master(&m);
    sg_lmtp_listeners_close(m.listeners, m.nlisteners, true);
    sg_lmtp_world_free(&m.world);
    free(m.workers);
    closelog();
    return rc;
}
