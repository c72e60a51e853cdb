/* thread.h - a thread that receives no signal: handlers (SIGTERM, SIGHUP,
 * SIGCHLD...) run in the threads the program started with, never in a
 * helper made by base/fsync_all.c or the LMTP server's recipients.
 *
 * Takes: the function and its argument. Returns: true with *th to join, or
 * false (EAGAIN...) when no thread could be made.
 */
#ifndef SG_THREAD_H
#define SG_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

bool sg_thread_start(pthread_t *th, void *(*fn)(void *), void *arg);

/* The same with a stack of `stack` bytes (0: the default, 8 MiB): a thread
 * that only waits in system calls needs a few KiB, and a small stack is
 * cheaper to make and to give back. */
bool sg_thread_start_sized(pthread_t *th, void *(*fn)(void *), void *arg, size_t stack);

/* Enough for a thread that calls a few system calls and nothing deep. */
#define SG_THREAD_SMALL_STACK ((size_t)128 * 1024)

#endif
