/* lmtp_deliver.h - what an LMTP transaction does (the session's rcpt,
 * deliver and txn_end hooks, server/lmtp/lmtp_session.h): recipients looked
 * up in the user database, the message delivered to each through the
 * library's one pipeline (engine/deliver/delivery.h), never a copy of it.
 *
 * Takes: the delivery host (settings, registry, the policy source kept open
 * across messages, the log), the user database, and the server's identity.
 * Returns: each recipient's reply line, and one log line per recipient
 * delivery:
 *   ID: to=<rcpt>, user=LOGIN, status=sent|deferred|rejected|refused,
 *       delay=SECONDS, actions=WHAT WAS DONE[, reason=WHY]
 *
 * RCPT: 250 2.1.5 for a user of the database whose uid is the server's
 * (the server runs as one mail user, lmtp_server.h); 550 5.1.1 for no such
 * user; 451 4.3.0 when the database cannot answer or the user's uid is
 * another one (nothing could be written as that user).
 * DATA, per recipient: the message with Dovecot LMTP's trace fields first
 * (Return-Path, Delivered-To, Received: RFC 5321 §4.4) is delivered to the
 * user: 250 2.0.0 only after the library reports the copies committed
 * (files and directories synced per mail_fsync); a temporary failure is
 * 452 4.2.2 when the mailbox is over quota (EDQUOT), 452 4.3.1 when the
 * disk is full (ENOSPC), else 451 4.3.0, for that recipient only; a Sieve
 * reject under lmtp_reject_refuses (yes, the default: RFC 5429 §2.1, refuse
 * at the protocol level where possible) is 550 5.7.1 with the reason, which
 * the MTA returns to the sender.
 *
 * Several recipients: their deliveries run in threads that take turns, one
 * at a time, each leaving its turn only while its Maildir commit waits for
 * the disk (base/fsync_all.h), so that the recipients' fsyncs are issued
 * together (group commit: their device flushes merge). Each recipient's
 * delivery stays its own transaction, in its own order: the replies come in
 * RCPT order, each 250 only once that recipient's copies are synced, a 4xx
 * for one that failed, whatever the others did. The recipients of one home
 * are delivered one after the other. The transaction ends only when every
 * delivery started has finished. The threads are kept for the next message.
 */
#ifndef SG_LMTP_DELIVER_H
#define SG_LMTP_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/fsync_all.h"
#include "engine/deliver/delivery.h"
#include "server/lmtp/lmtp_session.h"
#include "store/userdb.h"

typedef struct sg_lmtp_backend {
    const sg_delivery_host *host;
    sg_userdb *userdb;
    const char *hostname;  /* the Received field's "by" */
    bool reject_refuses;   /* lmtp_reject_refuses */
    uid_t uid;             /* the server's: a user of another uid cannot be delivered to */
    sg_arena *txn_arena;   /* what the transaction's recipients hold; reset at its end */
    sg_arena *msg_arena;   /* one recipient's delivery; reset after each */
    sg_turns turns;        /* the threads delivering one message's recipients (below) */
    struct sg_lmtp_crew *crew;   /* those threads, made at the first message with several */
    sg_sync_crew *sync_crew;     /* the threads of the commits' fsyncs (base/fsync_all.h) */
} sg_lmtp_backend;

/* Fills the arenas; the rest is the caller's. */
void sg_lmtp_backend_init(sg_lmtp_backend *b);
void sg_lmtp_backend_free(sg_lmtp_backend *b);

/* The session hooks, with ctx a sg_lmtp_backend. */
bool sg_lmtp_backend_rcpt(void *ctx, const sg_lmtp_txn *t, const char *address, void **user, char *reply,
                          size_t replylen);
void sg_lmtp_backend_deliver(void *ctx, const sg_lmtp_txn *t, size_t i, char *reply, size_t replylen);
void sg_lmtp_backend_txn_end(void *ctx, const sg_lmtp_txn *t);

#endif
