/* sigpipe.h - writing to a peer that may be gone (a program that stopped
 * reading its input, a directory server that closed the connection) without
 * being killed by SIGPIPE, in a process whose SIGPIPE action is the default
 * (a delivery agent must not change it for the programs it runs).
 *
 * sg_sigpipe_block blocks SIGPIPE in the calling thread and notes whether one
 * was already pending; sg_sigpipe_restore consumes a SIGPIPE that became
 * pending meanwhile (the write that caused it failed with EPIPE, which the
 * caller handles) and restores the thread's mask. One that was pending before
 * is left to the restored mask. */
#ifndef SG_SIGPIPE_H
#define SG_SIGPIPE_H

#include <signal.h>
#include <stdbool.h>

typedef struct sg_sigpipe_guard {
    sigset_t old_mask;
    bool was_pending;
} sg_sigpipe_guard;

void sg_sigpipe_block(sg_sigpipe_guard *g);
void sg_sigpipe_restore(sg_sigpipe_guard *g);

#endif
