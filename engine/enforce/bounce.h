/* bounce.h - the 5.7.520 bounce of blocked forwards (docs/policy.md,
 * "What a block does"): whether one is due, and the RFC 3464 DSN itself.
 *
 * Takes: the policy snapshot, the original message (engine/mail/message.h) and its
 * envelope sender, the owner, and every target of that message that was
 * blocked with a bounce (SG_FWD_BLOCK_BOUNCE from policy/decide.h): one bounce
 * per message lists them all. Returns: "due", or which suppression rule holds
 * and a sentence saying why; and the DSN as CRLF bytes in the caller's arena,
 * to be submitted from the null sender to the original envelope sender.
 * Nothing here sends mail, records anything or reads per-user state: the
 * caller asks its bounce-rate tracker and passes the answer in.
 */
#ifndef SG_BOUNCE_H
#define SG_BOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "policy/policy.h"
#include "engine/mail/message.h"

typedef enum {
    SG_BOUNCE_DUE = 0,
    SG_BOUNCE_NOTHING_BLOCKED,  /* no target to report */
    SG_BOUNCE_NULL_SENDER,      /* the envelope sender is <> */
    SG_BOUNCE_BAD_SENDER,       /* the envelope sender is no address a bounce could go to */
    SG_BOUNCE_REPORT,           /* the message is itself a report (multipart/report) */
    SG_BOUNCE_AUTO_SUBMITTED,   /* Auto-Submitted other than "no" (RFC 3834 §5) */
    SG_BOUNCE_NDR_OFF,          /* the sender's remote domain has ndr = no */
    SG_BOUNCE_RATE_LIMITED,     /* this sender got one for this owner within org.bounce_rate_period */
    SG_BOUNCE_INTERNAL_SENDER,  /* org.bounce_internal_senders is off and the sender is internal */
    SG_BOUNCE_STORED_MAIL,      /* filtering mail already stored answers nobody (engine/enforce/plan.h) */
} sg_bounce_check;

/* "due", "nothing-blocked", "null-sender", "bad-sender", "report",
 * "auto-submitted", "ndr-off", "rate-limited", "internal-sender", "stored-mail". */
const char *sg_bounce_check_name(sg_bounce_check c);

typedef struct sg_bounce_request {
    const char *envelope_sender; /* the original MAIL FROM; "" or "<>" is the null sender */
    sg_message *message;         /* the original message (only its header section is read) */
    const char *owner;           /* whose script forwarded (local@domain) */
    const char *const *targets;  /* every target blocked with a bounce, normalised (sg_fwd_decision.target) */
    size_t ntargets;
    bool recently_bounced; /* the rate tracker's answer: this sender already got a 5.7.520 bounce
                              for this owner within org.bounce_rate_period */
} sg_bounce_request;

/* Whether the bounce is due (policy.md, "What a block does", every rule in its
 * order). When not, *why (if non-NULL) gets one sentence for logs and `test`. */
sg_bounce_check sg_bounce_due(const sg_policy *policy, const sg_bounce_request *req, sg_arena *arena,
                              const char **why);

/* What the caller may fix (the CLI exposes them; tests fix all three). */
typedef struct sg_bounce_options {
    const char *hostname;   /* HOST of Reporting-MTA and MAILER-DAEMON@HOST; NULL = gethostname() */
    time_t now;             /* Date and Arrival-Date (written in UTC); 0 = the current time */
    const char *message_id; /* "<id@host>"; NULL = a fresh random one */
    const char *boundary;   /* MIME boundary (RFC 2046 §5.1.1 bchars); NULL, or one the content
                               holds, = a fresh random one */
    const char *from;       /* the From address (postmaster_address); NULL = MAILER-DAEMON@HOST */
} sg_bounce_options;

typedef struct sg_bounce {
    const char *envelope_from; /* "": the null sender (RFC 3464 §2, RFC 5321 §4.5.5) */
    const char *envelope_to;   /* the original envelope sender, domain as an A-label */
    const char *data;          /* the whole message, CRLF line endings, 7-bit, lines < 998 octets */
    size_t len;
    const char *message_id;    /* as written in Message-ID */
    const char *boundary;      /* as used */
} sg_bounce;

/* Builds the RFC 3464 DSN of policy.md: multipart/report with a text/plain
 * part (the message WAS delivered to the owner; only the automatic forward was
 * blocked), a message/delivery-status part (one Final-Recipient group a target,
 * Status 5.7.520) and a text/rfc822-headers part (the original header section,
 * never the body). Nothing from the message or the script can add a header
 * field: values are stripped of CR, LF, NUL and other controls, a non-ASCII
 * Subject becomes RFC 2047 encoded words. Never fails; everything in `arena`. */
void sg_bounce_build(const sg_bounce_request *req, const sg_bounce_options *opt, sg_arena *arena,
                     sg_bounce *out);

#endif
