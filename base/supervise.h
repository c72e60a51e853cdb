/* supervise.h - a job run in a child process whose death by a signal is an
 * answer, not a catastrophe: an MTA that runs a delivery agent turns a death
 * by signal into a bounce (Postfix's local(8): "Command died with status
 * 137"; Exim likewise), so the message would be lost to a kill -9, the
 * out-of-memory killer or a crash. The small parent that waits for the child
 * turns that death into a chosen exit status (EX_TEMPFAIL: the MTA retries),
 * whatever shell or MTA started it.
 *
 * Takes: the job (run in the child; its return value is the child's exit
 * status), the status to return when the child dies by a signal, and a
 * function told which signal it was (for the log). Returns: the child's exit
 * status, that status, or the job's own status when no child can be made (the
 * job then runs in this process). The parent ignores SIGINT, SIGTERM and
 * SIGHUP while it waits, so a signal meant for the job reaches the child and
 * the parent still reports how it ended.
 */
#ifndef SG_SUPERVISE_H
#define SG_SUPERVISE_H

int sg_supervise(int (*job)(void *ctx), void *ctx, int on_signal, void (*report)(void *ctx, int signal));

#endif
