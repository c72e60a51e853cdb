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

bool sg_thread_start(pthread_t *th, void *(*fn)(void *), void *arg);

#endif
