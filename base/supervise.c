/* supervise.c - see supervise.h. */
#include "base/supervise.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SUPERVISE_FORK_ONLY 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SUPERVISE_FORK_ONLY 1
#endif
#endif

static const int guarded[] = {SIGINT, SIGTERM, SIGHUP};
#define NGUARDED (sizeof guarded / sizeof guarded[0])

static void ignore_guarded(struct sigaction *old)
{
    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    sigemptyset(&ignore.sa_mask);
    ignore.sa_handler = SIG_IGN;
    for (size_t i = 0; i < NGUARDED; i++)
        sigaction(guarded[i], &ignore, &old[i]);
}

static void restore_guarded(const struct sigaction *old)
{
    for (size_t i = 0; i < NGUARDED; i++)
        sigaction(guarded[i], &old[i], NULL);
}

static int wait_child(pid_t pid, int *status)
{
    pid_t got;
    while ((got = waitpid(pid, status, 0)) < 0 && errno == EINTR)
        ;
    return got < 0 ? -1 : 0;
}

#ifndef SUPERVISE_FORK_ONLY
/* The child's part, in its own frame (never returns): vfork's child must not
 * return from the function that called vfork. */
static void run_child(int (*job)(void *ctx), void *ctx, const struct sigaction *old) __attribute__((noreturn));
static void run_child(int (*job)(void *ctx), void *ctx, const struct sigaction *old)
{
    restore_guarded(old); /* the job gets SIGTERM as the MTA meant it */
    int rc = job(ctx);
    fflush(NULL);
    _exit(rc);
}

/* vfork(2) and the wait; returns only when no child could be made. */
static void supervise_shared(int (*job)(void *ctx), void *ctx, int on_signal, void (*report)(void *ctx, int signal))
{
    struct sigaction old[NGUARDED];
    fflush(NULL);
    ignore_guarded(old); /* before the child: the parent is suspended until it ends */
    pid_t pid = vfork();
    if (pid == 0)
        run_child(job, ctx, old);
    if (pid < 0) {
        restore_guarded(old);
        return;
    }
    /* From here on, system calls only (supervise.h). */
    int status = 0;
    if (wait_child(pid, &status) < 0)
        _exit(on_signal); /* the child cannot be waited for: its fate is unknown, retry */
    if (WIFEXITED(status))
        _exit(WEXITSTATUS(status)); /* what the child wrote it flushed; nothing is left to do */
    if (report)
        report(ctx, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    _exit(on_signal);
}
#endif

int sg_supervise(int (*job)(void *ctx), void *ctx, int on_signal, void (*report)(void *ctx, int signal))
{
#ifndef SUPERVISE_FORK_ONLY
    supervise_shared(job, ctx, on_signal, report);
#endif
    fflush(NULL); /* nothing buffered is written twice */
    struct sigaction old[NGUARDED];
    pid_t pid = fork();
    if (pid < 0)
        return job(ctx); /* no child: the job runs here, unsupervised rather than not at all */
    if (pid == 0) {
        int rc = job(ctx);
        fflush(NULL);
        _exit(rc);
    }
    ignore_guarded(old);
    int status = 0;
    int waited = wait_child(pid, &status);
    restore_guarded(old);
    if (waited < 0)
        return on_signal;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (report)
        report(ctx, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return on_signal;
}

static void append(char *buf, size_t len, const char *s)
{
    size_t at = strlen(buf);
    while (*s && at + 1 < len)
        buf[at++] = *s++;
    buf[at] = '\0';
}

void sg_supervise_append_int(char *buf, size_t len, int v)
{
    char digits[16];
    size_t n = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do
        digits[n++] = (char)('0' + u % 10);
    while ((u /= 10) && n < sizeof digits);
    char out[18];
    size_t k = 0;
    if (v < 0)
        out[k++] = '-';
    while (n)
        out[k++] = digits[--n];
    out[k] = '\0';
    append(buf, len, out);
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

void sg_supervise_say(const char *stderr_prefix, const char *ident, const char *user, const char *line)
{
    char out[512] = "";
    append(out, sizeof out, stderr_prefix);
    append(out, sizeof out, line);
    append(out, sizeof out, "\n");
    write_all(STDERR_FILENO, out, strlen(out));

    /* RFC 3164 §4.1 without the timestamp, which syslog daemons add */
    char msg[512] = "<";
    sg_supervise_append_int(msg, sizeof msg, LOG_MAIL | LOG_ERR);
    append(msg, sizeof msg, ">");
    append(msg, sizeof msg, ident);
    append(msg, sizeof msg, "[");
    sg_supervise_append_int(msg, sizeof msg, (int)getpid());
    append(msg, sizeof msg, "]: user=");
    append(msg, sizeof msg, user);
    append(msg, sizeof msg, ": ");
    append(msg, sizeof msg, line);
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    struct sockaddr_un to;
    memset(&to, 0, sizeof to);
    to.sun_family = AF_UNIX;
    memcpy(to.sun_path, "/dev/log", sizeof "/dev/log");
    (void)sendto(s, msg, strlen(msg), MSG_NOSIGNAL, (const struct sockaddr *)&to, sizeof to);
    close(s);
}
