/* sigpipe.c - see sigpipe.h. */
#include "base/sigpipe.h"

#include <pthread.h>
#include <time.h>

static bool pipe_pending(void)
{
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    return sigismember(&pending, SIGPIPE) == 1;
}

void sg_sigpipe_block(sg_sigpipe_guard *g)
{
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    g->was_pending = pipe_pending();
    pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old_mask);
}

void sg_sigpipe_restore(sg_sigpipe_guard *g)
{
    if (!g->was_pending && pipe_pending()) {
        sigset_t pipe_set;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        const struct timespec zero = {0, 0};
        sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &g->old_mask, NULL);
}
