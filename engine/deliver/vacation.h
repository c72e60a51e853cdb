/* vacation.h - the vacation auto-reply (RFC 5230, RFC 6131): whether one is
 * due for a message, and the reply itself.
 *
 * Takes: the original message (engine/mail/message.h), its envelope sender and
 * final envelope recipient, the vacation action (engine/core/result.h: reason,
 * :subject, :from, :mime) and the :addresses list. Returns: "reply", or which
 * rule forbids one (RFC 5230 §4.5, §4.6, Pigeonhole's list); and the reply as
 * CRLF, 7-bit bytes in the caller's arena, to be submitted from the null
 * sender (RFC 5230 §5.1) to the original envelope sender. Nothing here sends
 * mail or tracks who was answered (the :days/:seconds period, RFC 5230 §4.2,
 * is the caller's job: ask the tracker before building).
 */
#ifndef SG_VACATION_H
#define SG_VACATION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "engine/mail/message.h"
#include "engine/core/result.h"

typedef enum {
    SG_VACATION_REPLY = 0,
    SG_VACATION_NULL_SENDER,    /* the envelope sender is <> (or missing) */
    SG_VACATION_AUTO_SUBMITTED, /* Auto-Submitted other than "no" (RFC 3834 §5) */
    SG_VACATION_MAILING_LIST,   /* a List-Id/-Help/-Subscribe/-Unsubscribe/-Post/-Owner/-Archive field */
    SG_VACATION_PRECEDENCE,     /* Precedence: bulk, list or junk */
    SG_VACATION_SYSTEM_SENDER,  /* sender local part MAILER-DAEMON, LISTSERV, majordomo, owner-*, *-request */
    SG_VACATION_NOT_ADDRESSED,  /* none of the user's addresses is in To/Cc/Bcc/Resent-To/-Cc/-Bcc */
} sg_vacation_check;

/* "reply", "null-sender", "auto-submitted", "mailing-list", "precedence",
 * "system-sender", "not-addressed". */
const char *sg_vacation_check_name(sg_vacation_check c);
/* The same as a sentence for people, with the rule's RFC section. */
const char *sg_vacation_check_reason(sg_vacation_check c);

typedef struct sg_vacation_request {
    const char *envelope_sender;     /* the original MAIL FROM; "" or "<>" is the null sender */
    const char *recipient;           /* the final envelope recipient (the script's owner), local@domain */
    sg_message *message;             /* the original message (only its header section is read) */
    const sg_action *action;         /* SG_ACT_VACATION: reason, subject, from, mime */
    const char *const *addresses;    /* :addresses (RFC 5230 §4.5), may be NULL */
    size_t naddresses;
} sg_vacation_request;

/* Whether to reply, the rules in the enum's order. The user's addresses are
 * the recipient, the recipient without its "+detail", the :addresses and the
 * :from; local parts compare exactly, domains case-insensitively. */
sg_vacation_check sg_vacation_due(const sg_vacation_request *req, sg_arena *arena);

typedef struct sg_vacation_options {
    const char *hostname;   /* the Message-ID's right side; NULL = gethostname() */
    time_t now;             /* Date (written in UTC); 0 = the current time */
    const char *message_id; /* "<id@host>"; NULL = a fresh random one */
} sg_vacation_options;

typedef struct sg_vacation_reply {
    const char *envelope_from; /* always "": the null sender (RFC 5230 §5.1) */
    const char *envelope_to;   /* the original envelope sender without angle brackets */
    const char *data;          /* the whole message: CRLF, 7-bit, no line of 998 octets or more */
    size_t len;
    const char *message_id;    /* as written in Message-ID */
} sg_vacation_reply;

/* Builds the reply: From the :from (when it is one valid 7-bit mailbox), else
 * the recipient; To the original envelope sender; Subject the :subject, else
 * "Auto: " and the decoded original Subject ("Automated reply" without one),
 * RFC 2047 encoded when not ASCII; In-Reply-To and References (RFC 5322
 * §3.6.4) from the original Message-ID; Auto-Submitted: auto-replied; Date,
 * Message-ID, MIME-Version. The body is the reason as text/plain; charset=utf-8
 * (7bit, or quoted-printable when 8-bit or long lines), or with :mime the
 * reason is a MIME entity whose Content-* fields follow the message's own
 * (other fields in it are dropped). No value from the message or the script
 * can add a header field. Never fails; everything in `arena`. */
void sg_vacation_build(const sg_vacation_request *req, const sg_vacation_options *opt, sg_arena *arena,
                       sg_vacation_reply *out);

#endif
