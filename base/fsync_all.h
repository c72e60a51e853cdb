/* fsync_all.h - several files synced to disk at once, and "turns": threads
 * that take turns at the CPU but wait for the disk together.
 *
 * Why: each fsync(2) ends with a cache flush of the device, which costs about
 * the same for one file as for ten. Issued one after another, N fsyncs wait
 * for N flushes; issued together (one thread each), the kernel's block layer
 * merges the flushes that are pending at the same time (blk-mq's flush
 * machinery, and a journalling file system's group commit), so N files cost
 * little more than one. Durability is the same: every call still returns
 * only once its own file is on disk.
 *
 * sg_sync_crew: the threads that make those calls, kept from one call to the
 * next by a long-lived process (making threads for each call costs more
 * than it saves). Without a crew, each call makes its own threads.
 *
 * sg_turns: a lock that lets code which is not thread-safe run in several
 * threads, one at a time: a thread holds its turn while it runs and leaves
 * it only around sg_fsync_all (nothing else runs outside a turn), so the
 * deliveries of several recipients overlap only where they wait for the
 * disk (server/lmtp/lmtp_deliver.c).
 *
 * Takes: descriptors (any mix of files and directories), optionally a crew
 * and the caller's turns. Returns: each descriptor's result (0 or errno;
 * EINTR is retried). Threads that cannot be made only make the calls
 * sequential. Signals are blocked in every thread made here, so handlers
 * run in the caller's threads only.
 */
#ifndef SG_FSYNC_ALL_H
#define SG_FSYNC_ALL_H

#include <pthread.h>
#include <stddef.h>

typedef struct sg_turns {
    pthread_mutex_t lock;
} sg_turns;

/* NULL-safe: without turns, these do nothing. */
void sg_turns_init(sg_turns *t);
void sg_turns_destroy(sg_turns *t);
void sg_turns_enter(sg_turns *t);
void sg_turns_leave(sg_turns *t);

typedef struct sg_sync_crew sg_sync_crew;

/* A crew with no thread yet: they are made as calls need them (at most 32),
 * then wait for the next call. NULL when out of resources. */
sg_sync_crew *sg_sync_crew_new(void);
/* Ends the threads (no call may be in progress). NULL is fine. */
void sg_sync_crew_free(sg_sync_crew *crew);

/* fsync(2), again after EINTR: 0 or errno. */
int sg_fsync_retry(int fd);

/* fsync(2) of fds[0..n-1], at once, by crew's threads (NULL: threads of
 * this call); errs[i] gets fds[i]'s result. Returns the number of failures.
 * turns (may be NULL) is left while the disk works and entered again
 * before returning. Several threads may call it with one crew. */
size_t sg_fsync_all(sg_sync_crew *crew, const int *fds, size_t n, int *errs, sg_turns *turns);

#endif
