/* notify_mail.h - the notification message of a notify action with the mailto
 * method (RFC 5436 §2.7, RFC 5435 §3).
 *
 * Takes: the triggering message and its envelope sender, the script's owner,
 * the SG_ACT_NOTIFY action (engine/core/result.h, with its parsed mailto URI) and
 * the plan's decisions on its recipients (engine/enforce/plan.h: only the allowed ones
 * are addressed). Returns: the envelope and the whole message as CRLF, 7-bit
 * bytes in the caller's arena. Nothing here sends mail or tracks what was sent.
 *
 * Every header value from the script or the URI is cleaned of controls and
 * line breaks and RFC 2047 encoded when not ASCII (engine/mail/mailtext.h), so no
 * script string can add a header field.
 */
#ifndef SG_NOTIFY_MAIL_H
#define SG_NOTIFY_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "engine/mail/message.h"
#include "engine/enforce/plan.h"
#include "engine/core/result.h"

typedef struct sg_notify_request {
    const char *owner;           /* the script's owner, local@domain */
    const char *envelope_sender; /* of the triggering message; "" is the null sender */
    sg_message *message;         /* the triggering message (its header section is read) */
    const sg_action *action;     /* SG_ACT_NOTIFY */
    const sg_plan_notify *plan;  /* decisions per recipient; NULL: every recipient is addressed */
} sg_notify_request;

typedef struct sg_notify_options {
    const char *hostname;   /* the Message-ID's right side; NULL = gethostname() */
    time_t now;             /* Date (UTC); 0 = the current time */
    const char *message_id; /* "<id@host>"; NULL = a fresh random one */
} sg_notify_options;

typedef struct sg_notify_mail {
    const char *envelope_from; /* "" when the trigger had the null sender, else :from or the owner */
    const char **envelope_to;  /* the allowed recipients, To then Cc */
    size_t nenvelope_to;
    const char *data; /* the whole message */
    size_t len;
    const char *message_id;
} sg_notify_mail;

/* Builds the notification (RFC 5436 §2.7):
 * - envelope sender "" when the triggering one is null, else the :from
 *   address when it is a valid 7-bit address, else the owner;
 * - From: the :from (same rule) or the owner (never a "from" URI header);
 * - To:/Cc: the allowed recipients of the URI path, "to" and "cc" headers;
 * - Subject: :message, else the URI's "subject", else the triggering
 *   message's Subject ("Notification of a new message" without one);
 * - Auto-Submitted: auto-notified; owner-email="OWNER" (RFC 5436 §2.7.1);
 * - X-Priority from :importance ("1 (Highest)", "5 (Lowest)") as Pigeonhole;
 * - the URI's other headers that are not ignored (mailto.h);
 * - Date, Message-ID, MIME-Version, text/plain; charset=utf-8;
 * - body: the URI's "body", else :message followed by the From, Subject and
 *   Date of the triggering message (RFC 5435 §3.6). */
void sg_notify_build(const sg_notify_request *req, const sg_notify_options *opt, sg_arena *arena,
                     sg_notify_mail *out);

#endif
