/* mdn.h - the reject action's message disposition notification (RFC 5429
 * §2.2.1, RFC 8098): whether one may be sent, and the MDN itself.
 *
 * Takes: the original message (engine/mail/message.h), its envelope sender, the
 * final (and, when known, the original) envelope recipient, and the reject
 * reason (UTF-8). Returns: "due", or which rule forbids an MDN; and the MDN as
 * CRLF, 7-bit bytes in the caller's arena, to be submitted from the null
 * sender to the original envelope sender. Nothing here sends mail or records
 * anything: deliver tracks it so a retried delivery never sends a second one.
 */
#ifndef SG_MDN_H
#define SG_MDN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "engine/mail/message.h"

typedef enum {
    SG_MDN_DUE = 0,
    SG_MDN_NULL_SENDER,    /* the envelope sender is <>: RFC 5429 §2.2.1 MUST NOT */
    SG_MDN_BAD_SENDER,     /* no address an MDN could go to (no '@', controls, spaces) */
    SG_MDN_REPORT,         /* the message is itself a report (multipart/report) */
    SG_MDN_AUTO_SUBMITTED, /* Auto-Submitted other than "no" (RFC 3834 §2) */
    SG_MDN_STORED_MAIL,    /* filtering mail already stored answers nobody: the reject is a discard */
} sg_mdn_check;

/* "due", "null-sender", "bad-sender", "report", "auto-submitted", "stored-mail". */
const char *sg_mdn_check_name(sg_mdn_check c);

typedef struct sg_mdn_request {
    const char *envelope_sender;    /* the original MAIL FROM; "" or "<>" is the null sender */
    const char *final_recipient;    /* the envelope recipient the script ran for, local@domain */
    const char *original_recipient; /* the original recipient when known and different, else NULL */
    sg_message *message;            /* the original message (only its header section is read) */
    const char *reason;             /* the reject reason, UTF-8, any line ends */
} sg_mdn_request;

/* Whether an MDN may be sent (the rules in the enum's order). */
sg_mdn_check sg_mdn_due(const sg_mdn_request *req);

/* What the caller may fix (the CLI exposes them; tests fix all three). */
typedef struct sg_mdn_options {
    const char *hostname;   /* Reporting-UA, MAILER-DAEMON@HOST; NULL = gethostname() */
    time_t now;             /* Date (written in UTC); 0 = the current time */
    const char *message_id; /* "<id@host>"; NULL = a fresh random one */
    const char *boundary;   /* MIME boundary; NULL, or one the content holds, = a fresh random one */
    const char *from;       /* the From address (postmaster_address); NULL = MAILER-DAEMON@HOST */
} sg_mdn_options;

typedef struct sg_mdn {
    const char *envelope_from; /* always "": the null sender */
    const char *envelope_to;   /* the original envelope sender without angle brackets */
    const char *data;          /* the whole message: CRLF, 7-bit, no line longer than 998 octets */
    size_t len;
    const char *message_id;    /* as written in Message-ID */
    const char *boundary;      /* as used */
} sg_mdn;

/* Builds the MDN in Pigeonhole's layout: From MAILER-DAEMON@HOST, To the
 * envelope sender, Subject "Automatically rejected mail", Auto-Submitted:
 * auto-replied (rejected), Precedence: bulk; multipart/report;
 * report-type=disposition-notification with (1) text/plain; charset=utf-8
 * "Your message to <RCPT> was automatically rejected:" and the reason (7bit,
 * or quoted-printable when 8-bit or long), (2) message/disposition-
 * notification (Reporting-UA, Original-Recipient when known, Final-Recipient,
 * Original-Message-ID, Disposition: automatic-action/MDN-sent-automatically;
 * deleted) and (3) the original header section without Content-Type, as
 * message/rfc822 (or text/rfc822-headers, quoted-printable, when it holds
 * 8-bit text). No value from the message, the envelope or the script can add
 * a header field. Never fails; everything in `arena`. */
void sg_mdn_build(const sg_mdn_request *req, const sg_mdn_options *opt, sg_arena *arena, sg_mdn *out);

#endif
