/* thread.c - see thread.h. */
#include "base/thread.h"

#include <signal.h>

bool sg_thread_start_sized(pthread_t *th, void *(*fn)(void *), void *arg, size_t stack)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return false;
    if (stack)
        pthread_attr_setstacksize(&attr, stack); /* EINVAL below PTHREAD_STACK_MIN: the default stays */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old); /* inherited by the new thread */
    bool made = pthread_create(th, &attr, fn, arg) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return made;
}

bool sg_thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
    return sg_thread_start_sized(th, fn, arg, 0);
}
