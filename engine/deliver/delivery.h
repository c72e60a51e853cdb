/* delivery.h - one message delivered to one user: the library's entry point,
 * shared by every front end (`sievegate deliver` / sievegate-lda, the LMTP
 * server), as Pigeonhole's hosts share sieve_execute.
 *
 * Takes: the host (settings read once, the extension registry, optionally a
 * policy source kept open across messages, and where log lines go), the
 * user, the envelope and the message bytes. Runs the whole pipeline:
 * sieve_before, the user's script and sieve_after into one result
 * (engine/deliver/scripts.h); the plan with the policy's verdicts
 * (engine/enforce/plan.h, what `sievegate test` prints); the executor
 * (engine/deliver/execute.h), all-or-nothing toward the MTA. Returns the
 * outcome: delivered as planned, rejected (under reject_refuses: the MTA
 * answers the sender), or retry later with nothing lost and nothing that a
 * retry would do twice.
 */
#ifndef SG_DELIVERY_H
#define SG_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "base/attr.h"
#include "engine/core/settings.h"
#include "store/policy_source.h"

struct sg_registry;

/* Log priorities, as syslog(3) numbers them. */
enum { SG_LOG_ERR = 3, SG_LOG_WARNING = 4, SG_LOG_INFO = 6 };

typedef struct sg_delivery_host {
    const sg_settings *settings;         /* the configuration and what the engine reads from it */
    const struct sg_registry *registry;  /* the extensions (sieve_extensions applied) */
    sg_policy_source *policy_source;     /* NULL: opened from the configuration for each delivery */
    /* One line about one delivery: a problem (SG_LOG_ERR), or information
     * (SG_LOG_INFO, e.g. why no vacation reply was sent). user is the login. */
    void (*log)(void *ctx, int priority, const char *user, const char *line);
    void *log_ctx;
    /* The audit log (store/audit.h), NULL: opened from the configuration for
     * each delivery. A server keeps one open: a PostgreSQL audit table is
     * then one connection, not one per message. */
    struct sg_audit *audit;
    /* NULL, or the turns (base/fsync_all.h) of a host that runs several
     * deliveries in threads, one at a time: held by the caller for the whole
     * delivery and left only while the Maildir commit waits for the disk. */
    struct sg_turns *turns;
    /* NULL, or the threads that make the Maildir commits' fsyncs together
     * (base/fsync_all.h), kept across deliveries by a long-lived host. */
    struct sg_sync_crew *sync_crew;
    /* NULL, or the compiled scripts a long-lived host keeps across
     * deliveries (engine/deliver/script_cache.h): an unchanged script is not
     * read, parsed and validated again. */
    struct sg_script_cache *script_cache;
} sg_delivery_host;

typedef struct sg_delivery_request {
    const char *user;  /* the login name: %u in templates, the logs */
    const char *home;  /* ~ in templates */
    const char *owner; /* local@domain without +detail (NULL: from the recipient): whose policy applies */
    const char *envelope_from; /* MAIL FROM; "" is the null sender; NULL: the message's Return-Path */
    const char *recipient;     /* the final envelope recipient (RCPT TO) */
    const char *orig_recipient; /* the original recipient (ORCPT, -a with -r), or NULL */
    const char *default_mailbox; /* where keep stores (dovecot-lda -m); NULL: INBOX */
    const char *mail_location;   /* the user's own (a userdb's mail field; ~ %u %n %d expanded here);
                                    NULL: the configuration's mail_location */
    /* dovecot-lda -e / an LMTP 5xx: a reject is answered to the MTA, which
     * bounces with the reason; nothing is sent or stored. Else an MDN. */
    bool reject_refuses;
    const char *data; /* the message, as received (no mbox From_ line) */
    size_t len;
    /* The file holding data (base/msgsrc.h: mapped, data inside its mapping),
     * or NULL when the message is only in memory: with it, copies are made
     * from the file in small chunks and a large body is never read into
     * memory. */
    const struct sg_msgsrc *source;
    /* The first trace_len bytes of data are the front end's own trace fields
     * (an LMTP server's Return-Path, Delivered-To and Received with its
     * queue id and date): stored and seen by the scripts like the rest, but
     * not part of what identifies the delivery across the MTA's retries (the
     * exactly-once journal key), since they differ at every attempt. */
    size_t trace_len;
    time_t now;
} sg_delivery_request;

typedef enum {
    SG_DELIVERY_DONE = 0,     /* carried out as planned */
    SG_DELIVERY_TEMPFAIL,     /* retry later (EX_TEMPFAIL / 4xx): nothing lost, nothing done twice on retry */
    SG_DELIVERY_REJECTED,     /* reject_refuses and the script rejected: answer 5xx / EX_NOPERM */
} sg_delivery_status;

typedef struct sg_delivery_outcome {
    sg_delivery_status status;
    const char *reason;  /* TEMPFAIL: why, one line; REJECTED: the reject reason */
    size_t stored;       /* local copies committed */
    size_t sent;         /* messages submitted: forwards, notifications, bounce, MDN, vacation reply */
    size_t blocked;      /* forwards the policy blocked */
    const char *actions; /* what was done, one line for the log ("stored INBOX,Work; redirect bob@x.example") */
    int errnum;          /* TEMPFAIL because the local copies failed: their errno (ENOSPC, EDQUOT...), else 0 */
} sg_delivery_outcome;

/* Delivers; everything in `arena` (the message data is not copied and must
 * outlive the call). Never fails otherwise: every problem is an outcome. */
sg_delivery_status sg_delivery_run(const sg_delivery_host *host, const sg_delivery_request *req, sg_arena *arena,
                                   sg_delivery_outcome *out);

/* The owner of a recipient address: without its +detail (recipient_delimiter,
 * default "+"), the address that policies name (RFC 5233). */
const char *sg_delivery_owner_of(const sg_config *cfg, const char *recipient, sg_arena *arena);

/* The message of a delivery as an MTA hands it over: an mbox "From sender
 * date" line before the header (Postfix's local(8), procmail-style MTAs) is
 * not part of it; *from_line_sender gets its sender (NULL: none). Returns the
 * offset where the message starts. */
size_t sg_delivery_skip_from_line(const char *data, size_t len, sg_arena *arena, const char **from_line_sender);

#endif
