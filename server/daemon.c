/* daemon.c - see daemon.h: listeners, privileges, the log, and the master's
 * accept-and-fork loop. */
#include "server/daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "base/arena.h"

/* ---- signals: the one state a handler shares (a flag, and a self-pipe to wake poll) ---- */

static volatile sig_atomic_t got_term, got_hup, got_chld, got_usr1;
static volatile int wake_fd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGTERM || sig == SIGINT)
        got_term = 1;
    else if (sig == SIGHUP)
        got_hup = 1;
    else if (sig == SIGCHLD)
        got_chld = 1;
    else if (sig == SIGUSR1)
        got_usr1 = 1;
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
    sa.sa_flags = SA_RESTART; /* a session's I/O goes on; poll returns EINTR all the same (and ticks) */
    sigaction(sig, &sa, NULL);
}

void sg_daemon_signals(void)
{
    signal(SIGPIPE, SIG_IGN);
    set_handler(SIGTERM, on_signal);
    set_handler(SIGINT, on_signal);
}

bool sg_daemon_stopping(void)
{
    return got_term != 0;
}

/* ---- the log ---- */

void sg_daemon_log_open(sg_daemon_log *lg, const char *name, bool stdio)
{
    lg->name = name;
    lg->to_stderr = true;
    struct stat st;
    if (stdio && fstat(2, &st) == 0 && S_ISSOCK(st.st_mode))
        lg->to_stderr = false; /* inetd: stderr is the client */
    openlog("sievegate", LOG_PID, LOG_MAIL);
}

void sg_daemon_log_line(const sg_daemon_log *lg, int priority, const char *user, const char *line)
{
    if (user && strcmp(user, "?") == 0)
        user = NULL; /* not known (yet) */
    if (lg->to_stderr) {
        if (user && !strstr(line, "user="))
            fprintf(stderr, "sievegate %s[%ld]: user=%s: %s\n", lg->name, (long)getpid(), user, line);
        else
            fprintf(stderr, "sievegate %s[%ld]: %s\n", lg->name, (long)getpid(), line);
    }
    if (user && !strstr(line, "user="))
        syslog(LOG_MAIL | priority, "user=%s: %s", user, line);
    else
        syslog(LOG_MAIL | priority, "%s", line);
}

void sg_daemon_logf(const sg_daemon_log *lg, int priority, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sg_daemon_log_line(lg, priority, NULL, line);
}

/* ---- listeners ---- */

static int listen_unix(const char *path, const sg_unix_socket_options *opt, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path || path[0] != '/') {
        snprintf(err, errlen, "unix:%s: not an absolute path of at most %zu bytes", path, sizeof sa.sun_path - 1);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "unix:%s: exists and is not a socket", path);
            return -1;
        }
        unlink(path); /* a stale socket of an earlier run */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(path, (mode_t)opt->mode) != 0 ||
        ((opt->uid != (uid_t)-1 || opt->gid != (gid_t)-1) && chown(path, opt->uid, opt->gid) != 0) ||
        listen(fd, 128) != 0) {
        snprintf(err, errlen, "unix:%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* HOST:PORT, [IPv6]:PORT, *:PORT; without a port, default_port. -2: malformed. */
static int listen_inet(const char *addr, unsigned default_port, char *err, size_t errlen)
{
    char host[256], port[16];
    const char *colon = strrchr(addr, ':');
    const char *bracket = strrchr(addr, ']');
    bool has_port = colon && (!bracket || colon > bracket) && (addr[0] == '[' || !strchr(addr, ':') ||
                                                                 colon == strchr(addr, ':'));
    size_t hl = has_port ? (size_t)(colon - addr) : strlen(addr);
    if ((!has_port && !default_port) || hl == 0 || hl >= sizeof host || (has_port && !colon[1]) ||
        (has_port && strspn(colon + 1, "0123456789") != strlen(colon + 1))) {
        snprintf(err, errlen, "%s: expected unix:/path, HOST:PORT or [IPv6]:PORT", addr);
        return -2;
    }
    memcpy(host, addr, hl);
    host[hl] = '\0';
    snprintf(port, sizeof port, "%s", has_port ? colon + 1 : "");
    if (!has_port)
        snprintf(port, sizeof port, "%u", default_port);
    if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "%s: %s", addr, gai_strerror(gai));
        return -2;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, res->ai_protocol);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        snprintf(err, errlen, "%s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

bool sg_daemon_listen(const char *const *addresses, size_t n, unsigned default_port,
                      const sg_unix_socket_options *unix_opt, sg_listener **out, size_t *count, bool *usage,
                      char *err, size_t errlen)
{
    *out = NULL;
    *count = 0;
    *usage = false;
    if (n == 0) {
        snprintf(err, errlen, "nothing to listen on");
        *usage = true;
        return false;
    }
    sg_listener *l = sg_xmalloc(n * sizeof *l);
    size_t made = 0;
    for (size_t i = 0; i < n; i++) {
        const char *a = addresses[i];
        bool is_unix = strncmp(a, "unix:", 5) == 0;
        int fd = is_unix ? listen_unix(a + 5, unix_opt, err, errlen) : listen_inet(a, default_port, err, errlen);
        if (fd < 0) {
            *usage = fd == -2;
            sg_daemon_listeners_close(l, made, true);
            return false;
        }
        l[made].fd = fd;
        l[made].name = sg_xstrdup(a);
        l[made].unix_path = is_unix ? sg_xstrdup(a + 5) : NULL;
        made++;
    }
    *out = l;
    *count = made;
    return true;
}

bool sg_daemon_listen_list(const char *list, unsigned default_port, const sg_unix_socket_options *unix_opt,
                           sg_listener **out, size_t *count, bool *usage, char *err, size_t errlen)
{
    char *names = sg_xstrdup(list);
    size_t n = 0, cap = 1;
    for (const char *p = names; *p; p++)
        cap += *p == ',' || *p == ' ';
    const char **v = sg_xmalloc(cap * sizeof *v);
    char *save = NULL;
    for (char *t = strtok_r(names, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        v[n++] = t;
    bool ok = sg_daemon_listen(v, n, default_port, unix_opt, out, count, usage, err, errlen);
    free(v);
    free(names);
    return ok;
}

void sg_daemon_listeners_close(sg_listener *l, size_t n, bool unlink_sockets)
{
    for (size_t i = 0; i < n; i++) {
        if (l[i].fd >= 0)
            close(l[i].fd);
        if (unlink_sockets && l[i].unix_path)
            unlink(l[i].unix_path);
        free(l[i].name);
        free(l[i].unix_path);
    }
    free(l);
}

/* ---- privileges ---- */

bool sg_daemon_drop_privileges(bool have_uid, uid_t uid, bool have_gid, gid_t gid, char *err, size_t errlen)
{
    if (geteuid() != 0) {
        if (have_uid && uid != geteuid()) {
            snprintf(err, errlen, "mail_uid is %u but the server runs as uid %u and is not root", (unsigned)uid,
                     (unsigned)geteuid());
            return false;
        }
        return true;
    }
    if (!have_uid || uid == 0) {
        snprintf(err, errlen, "refusing to serve as root: set mail_uid (and mail_gid) to the mail user, e.g. vmail");
        return false;
    }
    if (!have_gid) {
        snprintf(err, errlen, "mail_gid is not set");
        return false;
    }
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        snprintf(err, errlen, "cannot become uid %u gid %u: %s", (unsigned)uid, (unsigned)gid, strerror(errno));
        return false;
    }
    /* for good: root cannot be regained */
    if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid || setuid(0) == 0 ||
        seteuid(0) == 0) {
        snprintf(err, errlen, "root privileges are still held after switching to uid %u", (unsigned)uid);
        return false;
    }
    return true;
}

/* ---- the master ---- */

typedef struct worker {
    pid_t pid;
    bool busy; /* serving a connection (an idle one waits in accept) */
} worker;

typedef struct master {
    const sg_daemon_hooks *h;
    sg_listener *listeners;
    size_t nlisteners;
    worker *workers;
    size_t nworkers, cap;
    int wake_r, wake_w;     /* the signal handlers' self-pipe */
    int status_r, status_w; /* idle workers tell the master they took a connection (their pid) */
} master;

static size_t idle_count(const master *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nworkers; i++)
        n += !m->workers[i].busy;
    return n;
}

static void add_worker(master *m, pid_t pid, bool busy)
{
    if (m->nworkers == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->workers = sg_xrealloc(m->workers, m->cap * sizeof *m->workers);
    }
    m->workers[m->nworkers++] = (worker){pid, busy};
}

static void forget(master *m, pid_t pid)
{
    for (size_t i = 0; i < m->nworkers; i++)
        if (m->workers[i].pid == pid) {
            m->workers[i] = m->workers[--m->nworkers];
            return;
        }
}

static void reap(master *m)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        forget(m, pid);
        if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM && WTERMSIG(status) != SIGUSR1)
            sg_daemon_logf(m->h->log, LOG_ERR, "worker %ld killed by signal %d", (long)pid, WTERMSIG(status));
        else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
            sg_daemon_logf(m->h->log, LOG_ERR, "worker %ld exited with status %d", (long)pid, WEXITSTATUS(status));
    }
}

/* In a new worker: what only the master needs goes. */
static void worker_start(master *m)
{
    close(m->wake_r);
    close(m->wake_w);
    close(m->status_r);
    wake_fd = -1;
    set_handler(SIGHUP, SIG_IGN);
    set_handler(SIGCHLD, SIG_DFL);
    if (m->h->worker_init)
        m->h->worker_init(m->h->ctx);
}

/* Serves the connection accepted on listener l, then exits. */
static void worker_serve(master *m, int fd, const sg_listener *l)
{
    sg_listener self = {-1, sg_xstrdup(l->name), NULL};
    for (size_t i = 0; i < m->nlisteners; i++)
        close(m->listeners[i].fd);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK); /* the worker blocks on its own connection */
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    m->h->serve(m->h->ctx, fd, &self);
    close(fd);
    _exit(0);
}

/* An idle worker (min_idle): waits in accept on every listener, tells the
 * master when it has a connection, serves it and exits. SIGTERM, or
 * SIGUSR1 (the master retires idle workers after a reload), ends the wait. */
static void idle_worker(master *m)
{
    worker_start(m);
    set_handler(SIGUSR1, on_signal);
    struct pollfd *pfd = sg_xmalloc(m->nlisteners * sizeof *pfd);
    while (!got_term && !got_usr1) {
        for (size_t i = 0; i < m->nlisteners; i++) {
            pfd[i].fd = m->listeners[i].fd;
            pfd[i].events = POLLIN;
        }
        if (poll(pfd, m->nlisteners, 1000) <= 0) /* ticks: a signal just before poll is seen */
            continue;
        for (size_t i = 0; i < m->nlisteners; i++) {
            if (!(pfd[i].revents & POLLIN))
                continue;
            int fd = accept(m->listeners[i].fd, NULL, NULL); /* another idle worker may have been first */
            if (fd < 0)
                continue;
            set_handler(SIGUSR1, SIG_IGN); /* busy now: a retirement is no longer for this one */
            pid_t self = getpid();
            ssize_t w = write(m->status_w, &self, sizeof self); /* at most PIPE_BUF: one whole message */
            (void)w;
            close(m->status_w);
            worker_serve(m, fd, &m->listeners[i]);
        }
    }
    _exit(0);
}

static void spawn_idle(master *m)
{
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0)
        idle_worker(m);
    if (pid < 0)
        sg_daemon_logf(m->h->log, LOG_ERR, "fork: %s", strerror(errno));
    else
        add_worker(m, pid, false);
}

/* Without idle workers: the master accepts and forks a worker per connection. */
static void accept_on(master *m, const sg_listener *l)
{
    while (m->nworkers < m->h->max_connections(m->h->ctx)) {
        int fd = accept(l->fd, NULL, NULL);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                sg_daemon_logf(m->h->log, LOG_ERR, "accept: %s", strerror(errno));
            return;
        }
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0) {
            worker_start(m);
            close(m->status_w);
            worker_serve(m, fd, l);
        }
        close(fd);
        if (pid < 0) {
            sg_daemon_logf(m->h->log, LOG_ERR, "fork: %s", strerror(errno));
            return;
        }
        add_worker(m, pid, true);
    }
}

/* The busy messages of idle workers that took a connection. */
static void read_status(master *m)
{
    pid_t pids[64];
    ssize_t n;
    while ((n = read(m->status_r, pids, sizeof pids)) > 0)
        for (size_t k = 0; k < (size_t)n / sizeof *pids; k++)
            for (size_t i = 0; i < m->nworkers; i++)
                if (m->workers[i].pid == pids[k])
                    m->workers[i].busy = true;
}

static void retire_idle(master *m)
{
    for (size_t i = 0; i < m->nworkers; i++)
        if (!m->workers[i].busy)
            kill(m->workers[i].pid, SIGUSR1);
}

int sg_daemon_run(sg_listener *listeners, size_t n, const sg_daemon_hooks *hooks)
{
    master m;
    memset(&m, 0, sizeof m);
    m.h = hooks;
    m.listeners = listeners;
    m.nlisteners = n;
    int wake[2], status[2];
    if (pipe(wake) != 0 || pipe(status) != 0) {
        sg_daemon_logf(hooks->log, LOG_ERR, "pipe: %s", strerror(errno));
        return 70; /* EX_SOFTWARE */
    }
    for (int i = 0; i < 2; i++) {
        fcntl(wake[i], F_SETFD, FD_CLOEXEC);
        fcntl(wake[i], F_SETFL, O_NONBLOCK);
        fcntl(status[i], F_SETFD, FD_CLOEXEC);
    }
    fcntl(status[0], F_SETFL, O_NONBLOCK);
    m.wake_r = wake[0];
    m.wake_w = wake[1];
    m.status_r = status[0];
    m.status_w = status[1];
    wake_fd = wake[1];
    set_handler(SIGCHLD, on_signal);
    set_handler(SIGHUP, on_signal);
    sg_daemon_logf(hooks->log, LOG_INFO, "listening on %s%s (uid %u), at most %u connections", listeners[0].name,
                   n > 1 ? " and more" : "", (unsigned)geteuid(), hooks->max_connections(hooks->ctx));
    struct pollfd *pfd = sg_xmalloc((n + 2) * sizeof *pfd);
    while (!got_term) {
        if (got_chld) {
            got_chld = 0;
            reap(&m);
        }
        if (got_hup) {
            got_hup = 0;
            if (hooks->reload)
                hooks->reload(hooks->ctx);
            retire_idle(&m); /* new connections get the new configuration */
        }
        read_status(&m);
        unsigned max = hooks->max_connections(hooks->ctx), min_idle = hooks->min_idle;
        while (min_idle && idle_count(&m) < min_idle && m.nworkers < max)
            spawn_idle(&m);
        pfd[0].fd = m.wake_r;
        pfd[0].events = POLLIN;
        pfd[1].fd = m.status_r;
        pfd[1].events = POLLIN;
        size_t np = 2;
        if (!min_idle && m.nworkers < max) /* else the next connections wait in the listen queue */
            for (size_t i = 0; i < n; i++) {
                pfd[np].fd = listeners[i].fd;
                pfd[np].events = POLLIN;
                np++;
            }
        int pr = poll(pfd, np, 1000); /* ticks: a signal just before poll is seen */
        if (pr < 0)
            continue; /* EINTR: a signal; looked at above */
        if (pfd[0].revents) {
            char drain[64];
            while (read(m.wake_r, drain, sizeof drain) > 0)
                ;
        }
        for (size_t i = 2; i < np; i++)
            if (pfd[i].revents & POLLIN)
                accept_on(&m, &listeners[i - 2]);
    }
    free(pfd);
    /* SIGTERM: no new connections; the workers finish what they are doing */
    for (size_t i = 0; i < n; i++) {
        close(listeners[i].fd);
        listeners[i].fd = -1;
    }
    read_status(&m);
    size_t busy = m.nworkers - idle_count(&m);
    sg_daemon_logf(hooks->log, LOG_INFO, "shutting down: waiting for %zu sessions to end", busy);
    for (size_t i = 0; i < m.nworkers; i++)
        kill(m.workers[i].pid, SIGTERM);
    while (m.nworkers > 0) {
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            break;
        forget(&m, pid);
    }
    wake_fd = -1;
    close(m.wake_r);
    close(m.wake_w);
    close(m.status_r);
    close(m.status_w);
    free(m.workers);
    return 0;
}
