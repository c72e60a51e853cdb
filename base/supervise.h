/* supervise.h - a job run in a child process whose death by a signal is an
 * answer, not a catastrophe: an MTA that runs a delivery agent turns a death
 * by signal into a bounce (Postfix's local(8): "Command died with status
 * 137"; Exim likewise), so the message would be lost to a kill -9, the
 * out-of-memory killer or a crash. The small parent that waits for the child
 * turns that death into a chosen exit status (EX_TEMPFAIL: the MTA retries),
 * whatever shell or MTA started it.
 *
 * How the child is made: vfork(2), so that it runs in this process's memory
 * and not one page is copied. A fork(2) cost a delivery 70 more page faults
 * and 2-3.5 ms of CPU on the 2-core VM (perf stat, 100 deliveries: 990 ms
 * task-clock with fork, 645 ms with vfork), a third of what a delivery costs.
 * The parent is suspended until the child ends, so the two never run at the
 * same time. Because the child may have died holding a lock of the C library
 * (malloc's, stdio's, syslog's) in that shared memory, the parent afterwards
 * makes only system calls and ends with _exit(): sg_supervise does not
 * return then, and `report` must be async-signal-safe (sg_supervise_say).
 * Built with a sanitizer (whose runtime keeps per-thread state a vfork'ed
 * child would share), or when vfork fails, a fork(2) is used instead, and
 * sg_supervise returns the status as below.
 *
 * Takes: the job (run in the child; its return value is the child's exit
 * status), the status to use when the child dies by a signal, and a function
 * told which signal it was (for the log). Ends with, or returns: the child's
 * exit status, that status, or the job's own status when no child can be
 * made (the job then runs in this process). The parent ignores SIGINT,
 * SIGTERM and SIGHUP while it waits, so a signal meant for the job reaches
 * the child and the parent still reports how it ended.
 */
#ifndef SG_SUPERVISE_H
#define SG_SUPERVISE_H

#include <stddef.h>

int sg_supervise(int (*job)(void *ctx), void *ctx, int on_signal, void (*report)(void *ctx, int signal));

/* For `report`, with system calls only: writes prefix and line (and a line
 * break) to stderr, and sends "<LOG_MAIL|LOG_ERR>ident[pid]: user=USER: line"
 * to the syslog socket /dev/log (nothing when there is none). */
void sg_supervise_say(const char *stderr_prefix, const char *ident, const char *user, const char *line);

/* Appends the decimal digits of v to buf (of size len, kept NUL-terminated). */
void sg_supervise_append_int(char *buf, size_t len, int v);

#endif
