/* supervise.c - see supervise.h. */
#include "base/supervise.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int sg_supervise(int (*job)(void *ctx), void *ctx, int on_signal, void (*report)(void *ctx, int signal))
{
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0)
        return job(ctx); /* no child: the job runs here, unsupervised rather than not at all */
    if (pid == 0) {
        int rc = job(ctx);
        fflush(NULL);
        _exit(rc);
    }
    struct sigaction ignore, old[3];
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    sigemptyset(&ignore.sa_mask);
    ignore.sa_flags = 0;
    ignore.sa_handler = SIG_IGN;
    for (int i = 0; i < 3; i++)
        sigaction(signals[i], &ignore, &old[i]);
    int status = 0;
    pid_t got;
    while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    for (int i = 0; i < 3; i++)
        sigaction(signals[i], &old[i], NULL);
    if (got < 0)
        return on_signal; /* the child cannot be waited for: its fate is unknown, retry */
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (report)
        report(ctx, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return on_signal;
}
