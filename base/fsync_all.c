/* fsync_all.c - see fsync_all.h. */
#include "base/fsync_all.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <unistd.h>

#define SYNC_THREADS 32 /* at once; more descriptors are taken in rounds */

void sg_turns_init(sg_turns *t)
{
    if (t)
        pthread_mutex_init(&t->lock, NULL);
}

void sg_turns_destroy(sg_turns *t)
{
    if (t)
        pthread_mutex_destroy(&t->lock);
}

void sg_turns_enter(sg_turns *t)
{
    if (t)
        pthread_mutex_lock(&t->lock);
}

void sg_turns_leave(sg_turns *t)
{
    if (t)
        pthread_mutex_unlock(&t->lock);
}

static int fsync_retry(int fd)
{
    while (fsync(fd) != 0) {
        if (errno != EINTR)
            return errno;
    }
    return 0;
}

typedef struct sync_job {
    int fd;
    int err;
} sync_job;

static void *sync_one(void *arg)
{
    sync_job *j = arg;
    j->err = fsync_retry(j->fd);
    return NULL;
}

size_t sg_fsync_all(const int *fds, size_t n, int *errs, sg_turns *turns)
{
    if (n == 0)
        return 0;
    sg_turns_leave(turns);
    if (n == 1) {
        errs[0] = fsync_retry(fds[0]);
    } else {
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old); /* inherited by the threads made below */
        for (size_t at = 0; at < n; at += SYNC_THREADS) {
            size_t k = n - at < SYNC_THREADS ? n - at : SYNC_THREADS;
            sync_job jobs[SYNC_THREADS];
            pthread_t th[SYNC_THREADS];
            bool made[SYNC_THREADS];
            for (size_t i = 0; i < k; i++) {
                jobs[i].fd = fds[at + i];
                jobs[i].err = 0;
                made[i] = pthread_create(&th[i], NULL, sync_one, &jobs[i]) == 0;
            }
            for (size_t i = 0; i < k; i++) {
                if (made[i])
                    pthread_join(th[i], NULL);
                else
                    sync_one(&jobs[i]); /* no thread: in this one, after the others started */
                errs[at + i] = jobs[i].err;
            }
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    sg_turns_enter(turns);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += errs[i] != 0;
    return failed;
}
