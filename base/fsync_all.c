/* fsync_all.c - see fsync_all.h. */
#include "base/fsync_all.h"

#include "base/thread.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYNC_THREADS 32 /* at once; more descriptors wait for a free one */

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

int sg_fsync_retry(int fd)
{
    while (fsync(fd) != 0) {
        if (errno != EINTR)
            return errno;
    }
    return 0;
}

/* One call's descriptors: the crew's threads take them one by one. */
typedef struct sync_call {
    const int *fds;
    int *errs;
    size_t n, taken, left; /* left: not finished yet */
    struct sync_call *next;
} sync_call;

struct sg_sync_crew {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a call is queued, or quit */
    pthread_cond_t done; /* a call has finished */
    sync_call *queue;    /* calls with descriptors not taken yet */
    pthread_t threads[SYNC_THREADS];
    size_t nthreads, idle;
    bool quit;
};

static void *crew_thread(void *arg)
{
    sg_sync_crew *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->quit && !c->queue) {
            c->idle++;
            pthread_cond_wait(&c->work, &c->lock);
            c->idle--;
        }
        if (!c->queue) /* quit, with nothing left */
            break;
        sync_call *call = c->queue;
        size_t i = call->taken++;
        if (call->taken == call->n)
            c->queue = call->next;
        pthread_mutex_unlock(&c->lock);
        int e = sg_fsync_retry(call->fds[i]);
        pthread_mutex_lock(&c->lock);
        call->errs[i] = e;
        if (--call->left == 0)
            pthread_cond_broadcast(&c->done);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

sg_sync_crew *sg_sync_crew_new(void)
{
    sg_sync_crew *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->work, NULL);
    pthread_cond_init(&c->done, NULL);
    return c;
}

void sg_sync_crew_free(sg_sync_crew *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->quit = true;
    pthread_cond_broadcast(&c->work);
    pthread_mutex_unlock(&c->lock);
    for (size_t i = 0; i < c->nthreads; i++)
        pthread_join(c->threads[i], NULL);
    pthread_cond_destroy(&c->done);
    pthread_cond_destroy(&c->work);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Makes threads until `want` are idle or the crew is full; with c->lock
 * held. */
static void crew_grow(sg_sync_crew *c, size_t want)
{
    for (size_t have = c->idle; have < want && c->nthreads < SYNC_THREADS; have++) {
        if (!sg_thread_start_sized(&c->threads[c->nthreads], crew_thread, c, SG_THREAD_SMALL_STACK))
            break;
        c->nthreads++;
    }
}

/* The descriptors by the crew; false when it has no thread at all. */
static bool crew_sync(sg_sync_crew *c, const int *fds, size_t n, int *errs)
{
    sync_call call = {fds, errs, n, 0, n, NULL};
    pthread_mutex_lock(&c->lock);
    crew_grow(c, n);
    if (c->nthreads == 0) {
        pthread_mutex_unlock(&c->lock);
        return false;
    }
    sync_call **tail = &c->queue;
    while (*tail)
        tail = &(*tail)->next;
    *tail = &call;
    pthread_cond_broadcast(&c->work);
    while (call.left)
        pthread_cond_wait(&c->done, &c->lock);
    pthread_mutex_unlock(&c->lock);
    return true;
}

typedef struct sync_job {
    int fd;
    int err;
} sync_job;

static void *sync_one(void *arg)
{
    sync_job *j = arg;
    j->err = sg_fsync_retry(j->fd);
    return NULL;
}

/* The descriptors by threads made for them. */
static void own_threads_sync(const int *fds, size_t n, int *errs)
{
    for (size_t at = 0; at < n; at += SYNC_THREADS) {
        size_t k = n - at < SYNC_THREADS ? n - at : SYNC_THREADS;
        sync_job jobs[SYNC_THREADS];
        pthread_t th[SYNC_THREADS];
        bool made[SYNC_THREADS];
        for (size_t i = 0; i < k; i++) {
            jobs[i].fd = fds[at + i];
            jobs[i].err = 0;
            /* the first in this thread, which would only wait */
            made[i] = i > 0 && sg_thread_start_sized(&th[i], sync_one, &jobs[i], SG_THREAD_SMALL_STACK);
        }
        for (size_t i = 0; i < k; i++) {
            if (made[i])
                pthread_join(th[i], NULL);
            else
                sync_one(&jobs[i]); /* no thread: in this one, while the others run */
            errs[at + i] = jobs[i].err;
        }
    }
}

size_t sg_fsync_all(sg_sync_crew *crew, const int *fds, size_t n, int *errs, sg_turns *turns)
{
    if (n == 0)
        return 0;
    sg_turns_leave(turns);
    if (n == 1) /* this thread, out of its turn */
        errs[0] = sg_fsync_retry(fds[0]);
    else if (!crew || !crew_sync(crew, fds, n, errs))
        own_threads_sync(fds, n, errs);
    sg_turns_enter(turns);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += errs[i] != 0;
    return failed;
}
