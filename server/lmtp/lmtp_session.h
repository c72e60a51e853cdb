/* lmtp_session.h - one LMTP session as a state machine (RFC 2033 over RFC
 * 5321), fed with the bytes the client sent and answering through a write
 * hook: no sockets, no delivery. What a recipient is and what delivering
 * means are the host's hooks (lmtp_deliver.c in the server; the unit tests
 * answer them from tables), so every reply can be tested byte for byte.
 *
 * Takes: limits, hooks, then the client's bytes in pieces of any size
 * (sg_lmtp_session_input); RFC 2920 pipelining is reading on: every complete
 * command in the input is answered in order, replies are buffered and
 * written when the input is used up (sg_lmtp_session_flush) or a delivery
 * is about to take time.
 * Returns: replies through the write hook; sg_lmtp_session_closed when the
 * connection should be closed (QUIT, too many errors, shutdown, a failed
 * write).
 *
 * The protocol, exactly:
 *  - greeting "220 HOST LMTP sievegate ready"; LHLO first (HELO and EHLO are
 *    refused, RFC 2033 §4.1), answered with PIPELINING, ENHANCEDSTATUSCODES,
 *    8BITMIME, SIZE max and CHUNKING; a second LHLO resets the transaction.
 *  - MAIL FROM:<path> [SIZE=n] [BODY=7BIT|8BITMIME]: SIZE over the limit is
 *    552 5.3.4; RCPT TO:<address>: the rcpt hook's reply (250 2.1.5, 550
 *    5.1.1 unknown user, 451 4.3.0 ...); at most max_recipients (452 4.5.3).
 *  - DATA (RFC 5321 §4.1.1.4): 354, then the message up to a line "." alone;
 *    lines end with CRLF; a leading '.' of a line is removed (§4.5.2). Stored
 *    with LF line ends (as Maildir keeps them). A bare LF or CR is message
 *    data, never a line end, so "\n.\n" or "\n.\r\n" cannot end the data
 *    (no SMTP smuggling). Then ONE REPLY PER ACCEPTED RECIPIENT, in RCPT
 *    order (RFC 2033 §4.2), each written as soon as that recipient's
 *    delivery returned.
 *  - BDAT n [LAST] (RFC 3030): exactly n octets, no dot-unstuffing; 250 for
 *    each chunk but the last, which is answered like DATA's end. A BDAT that
 *    is refused still has its octets read (RFC 3030 §3). DATA after BDAT in
 *    one transaction is 503.
 *  - A message over max_message (or one whose SIZE promised more) is read
 *    to its end and refused for each recipient with 552 5.3.4; one with a
 *    NUL octet with 554 5.6.0 (no BINARYMIME is offered). Message lines have
 *    no length limit of their own: max_message bounds them.
 *  - Command lines: at most max_line octets with the CRLF (a longer line is
 *    read to its end and answered 500 5.5.2); a bare LF ends a command line
 *    too; NUL in a command is 500 5.5.2.
 *  - RSET, NOOP: 250 2.0.0; QUIT: 221 2.0.0 and close; VRFY, EXPN: 502
 *    5.5.1 (refused); HELP 214; unknown: 500 5.5.2.
 *  - After max_errors replies of 5xx to commands: 421 4.7.0 and close.
 *  - sg_lmtp_session_stop (SIGTERM): outside a transaction at once, else
 *    when the transaction in progress ends, 421 4.3.2 and close.
 */
#ifndef SG_LMTP_SESSION_H
#define SG_LMTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "server/lmtp/lmtp_command.h"

#define SG_LMTP_REPLY_MAX 512

typedef struct sg_lmtp_limits {
    const char *hostname;   /* in the greeting, LHLO and 421 replies */
    size_t max_line;        /* a command line with its CRLF (RFC 5321 §4.5.3.1.4: at least 512) */
    size_t max_message;     /* octets, as stored (SIZE) */
    size_t max_recipients;  /* per transaction (RFC 5321 §4.5.3.1.8: at least 100) */
    unsigned max_errors;    /* 5xx replies to commands before 421 */
} sg_lmtp_limits;

/* The limits' defaults: 2048, 64 MiB, 1000, 20. */
void sg_lmtp_limits_default(sg_lmtp_limits *l, const char *hostname);

typedef struct sg_lmtp_recipient {
    const char *address; /* as given in RCPT TO */
    void *user;          /* what the rcpt hook attached */
} sg_lmtp_recipient;

typedef struct sg_lmtp_txn {
    const char *id;        /* this transaction's queue id, for logs and the replies */
    const char *helo;      /* the LHLO name */
    const char *sender;    /* MAIL FROM path; "" for <> */
    sg_lmtp_body body;
    const sg_lmtp_recipient *rcpt;
    size_t nrcpt;
    const char *data;      /* the message with LF line ends */
    size_t len;
} sg_lmtp_txn;

typedef struct sg_lmtp_session sg_lmtp_session;

typedef struct sg_lmtp_hooks {
    /* RCPT TO accepted by the protocol: the reply line (no CRLF) in reply.
     * True (with a 2xx reply) makes the address a recipient of the
     * transaction, with *user attached. */
    bool (*rcpt)(void *ctx, const sg_lmtp_txn *t, const char *address, void **user, char *reply, size_t replylen);
    /* The message of t for recipient i: its reply line in reply. */
    void (*deliver)(void *ctx, const sg_lmtp_txn *t, size_t i, char *reply, size_t replylen);
    /* The transaction ended (delivered, RSET, LHLO, close): release what
     * rcpt attached. May be NULL. */
    void (*txn_end)(void *ctx, const sg_lmtp_txn *t);
    void *ctx;
    /* Sends bytes; false when the connection is gone. */
    bool (*write)(void *write_ctx, const char *data, size_t len);
    void *write_ctx;
} sg_lmtp_hooks;

sg_lmtp_session *sg_lmtp_session_new(const sg_lmtp_limits *limits, const sg_lmtp_hooks *hooks);
void sg_lmtp_session_free(sg_lmtp_session *s);

/* Queues the 220 greeting. */
void sg_lmtp_session_greet(sg_lmtp_session *s);
/* Takes bytes from the client and answers every complete command. */
void sg_lmtp_session_input(sg_lmtp_session *s, const char *data, size_t len);
/* Writes the queued replies; false when the write hook failed. */
bool sg_lmtp_session_flush(sg_lmtp_session *s);
bool sg_lmtp_session_closed(const sg_lmtp_session *s);
/* A MAIL FROM was accepted and its transaction has not ended. */
bool sg_lmtp_session_in_transaction(const sg_lmtp_session *s);
/* Shut down: see the header comment. */
void sg_lmtp_session_stop(sg_lmtp_session *s);
/* Queues "421 4.4.2 HOST Idle timeout..." and closes (the server's timer). */
void sg_lmtp_session_timeout(sg_lmtp_session *s);

#endif
