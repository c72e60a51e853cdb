/* bounce.c - the 5.7.520 bounce (see bounce.h).
 *
 * Takes: the original message, its envelope sender, the owner and the blocked
 * targets. Returns: whether a bounce is due (policy.md "What a block does") and
 * the RFC 3464 DSN, built in the caller's arena. The sender is classified by
 * engine/enforce's own step 1 (sg_fwd_decide), never by a copy of it.
 */
#include "engine/enforce/bounce.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/msgid.h"
#include "base/utf8.h"
#include "grammar/diag.h"
#include "policy/decide.h"
#include "engine/mail/mailtext.h"

#define ADDR_MAX 512     /* an address copied into the DSN is cut here (enforce allows 254) */
#define DIAGNOSTIC                                                                                          \
    "smtp; 550 5.7.520 Access denied, Your organization does not allow external forwarding. "              \
    "Please contact your administrator for further assistance. AS(7555)"

const char *sg_bounce_check_name(sg_bounce_check c)
{
    switch (c) {
    case SG_BOUNCE_DUE: return "due";
    case SG_BOUNCE_NOTHING_BLOCKED: return "nothing-blocked";
    case SG_BOUNCE_NULL_SENDER: return "null-sender";
    case SG_BOUNCE_BAD_SENDER: return "bad-sender";
    case SG_BOUNCE_REPORT: return "report";
    case SG_BOUNCE_AUTO_SUBMITTED: return "auto-submitted";
    case SG_BOUNCE_NDR_OFF: return "ndr-off";
    case SG_BOUNCE_RATE_LIMITED: return "rate-limited";
    case SG_BOUNCE_INTERNAL_SENDER: return "internal-sender";
    case SG_BOUNCE_STORED_MAIL: return "stored-mail";
    }
    return "due";
}

/* ---- (a) whether a bounce is due ---- */

static bool is_null_sender(const char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    return n == 0 || (n == 2 && s[0] == '<' && s[1] == '>');
}

static bool is_report(sg_message *m)
{
    const char *const *v;
    size_t n = sg_message_header_raw_values(m, "Content-Type", &v);
    for (size_t i = 0; i < n; i++)
        if (sg_mt_token_is(v[i], "multipart/report"))
            return true;
    return false;
}

/* RFC 3834 §5: any value other than "no" (an empty one too) is automatic. */
static bool is_auto_submitted(sg_message *m)
{
    const char *const *v;
    size_t n = sg_message_header_raw_values(m, "Auto-Submitted", &v);
    for (size_t i = 0; i < n; i++)
        if (!sg_mt_token_is(v[i], "no"))
            return true;
    return false;
}

static void period_text(unsigned long seconds, char *out, size_t size)
{
    if (seconds && seconds % 3600 == 0)
        snprintf(out, size, "%lu h", seconds / 3600);
    else
        snprintf(out, size, "%lu s", seconds);
}

static sg_bounce_check not_due(sg_bounce_check c, const char *reason, const char **why)
{
    if (why)
        *why = reason;
    return c;
}

/* The sender, classified exactly as a forward target (policy.md step 1 and 3). */
static void classify_sender(const sg_policy *policy, const char *sender, sg_arena *arena, sg_fwd_decision *d)
{
    size_t n = strlen(sender);
    while (n && (*sender == ' ' || *sender == '\t'))
        sender++, n--;
    while (n && (sender[n - 1] == ' ' || sender[n - 1] == '\t'))
        n--;
    if (n >= 2 && sender[0] == '<' && sender[n - 1] == '>')
        sender++, n -= 2;
    sg_fwd_request req = {.owner = "", .target = sg_arena_strndup(arena, sender, n)};
    sg_fwd_decide(policy, &req, arena, d);
}

/* policy.md "What a block does": the rules in the spec's order. */
sg_bounce_check sg_bounce_due(const sg_policy *policy, const sg_bounce_request *req, sg_arena *arena,
                              const char **why)
{
    if (why)
        *why = NULL;
    if (req->ntargets == 0)
        return not_due(SG_BOUNCE_NOTHING_BLOCKED, "no forward was blocked", why);
    if (!req->envelope_sender || is_null_sender(req->envelope_sender))
        return not_due(SG_BOUNCE_NULL_SENDER, "the envelope sender is null (<>)", why);
    sg_fwd_decision d;
    classify_sender(policy, req->envelope_sender, arena, &d);
    if (d.verdict == SG_FWD_INVALID)
        return not_due(SG_BOUNCE_BAD_SENDER, "the envelope sender is not a valid address", why);
    if (req->message && is_report(req->message))
        return not_due(SG_BOUNCE_REPORT, "the message is itself a report (multipart/report)", why);
    if (req->message && is_auto_submitted(req->message))
        return not_due(SG_BOUNCE_AUTO_SUBMITTED, "the message is automatic (Auto-Submitted other than \"no\")", why);
    const sg_remote_domain *rd = policy ? sg_policy_remote_domain(policy, d.target_domain) : NULL;
    bool governed = d.external || (rd && rd->is_internal); /* accepted domains are not remote domains */
    if (governed && rd && !rd->ndr)
        return not_due(SG_BOUNCE_NDR_OFF, "the sender's remote domain does not accept bounces (ndr no)", why);
    if (req->recently_bounced) {
        unsigned long period = policy ? policy->org.bounce_rate_period : 0;
        char p[48], tmp[160];
        period_text(period, p, sizeof p);
        snprintf(tmp, sizeof tmp, "the sender already got such a bounce for this owner within %s (bounce_rate_period)",
                 p);
        return not_due(SG_BOUNCE_RATE_LIMITED, sg_arena_strdup(arena, tmp), why);
    }
    if (policy && !policy->org.bounce_internal_senders && !d.external)
        return not_due(SG_BOUNCE_INTERNAL_SENDER, "the sender is internal and bounce_internal_senders is off", why);
    return SG_BOUNCE_DUE;
}

/* ---- (b) the DSN: text that is safe in a header or a 7-bit part ---- */

/* An address as 7-bit text: printable ASCII as it is (with qchar_only, only
 * RFC 6533 §3 QCHARs), anything else as "\x{HHHH}", controls dropped, cut
 * near ADDR_MAX. *plain tells whether it came through unchanged. */
static const char *ascii_address(sg_arena *arena, const char *a, bool qchar_only, bool *plain)
{
    sg_mtbuf b = sg_mt_new(arena);
    const unsigned char *s = (const unsigned char *)(a ? a : "");
    size_t len = strlen((const char *)s), i = 0;
    *plain = true;
    while (i < len && b.len < ADDR_MAX) {
        uint32_t cp = sg_utf8_next(s, len, &i);
        bool control = cp < 0x20 || cp == 0x7F;
        bool keep = cp < 0x7F && !control && (!qchar_only || (cp > 0x20 && cp != '+' && cp != '=' && cp != '\\'));
        if (keep) {
            char c = (char)cp;
            sg_mt_put(&b, &c, 1);
        } else if (!control) {
            sg_mt_putf(&b, "\\x{%02X}", (unsigned)cp);
        }
        *plain = *plain && keep;
    }
    *plain = *plain && i == len;
    return b.s;
}

/* "Subject: Undeliverable: ORIGINAL" (policy.md). Plain when it is printable
 * ASCII that no reader would take for an encoded word, else encoded words. */
static void put_subject(sg_mtbuf *b, const char *subject)
{
    sg_mt_put_unstructured(b, "Subject: Undeliverable", subject);
}

static const char *original_subject(sg_message *m, sg_arena *arena)
{
    const char *const *v;
    if (!m || sg_message_header_values(m, "Subject", &v) == 0)
        return "";
    return sg_mt_clean_text(arena, v[0]);
}

/* ---- (b) the DSN: identifiers ---- */

/* RFC 5322 §3.6.4 msg-id: the given one, else "<UTC-STAMP.RANDOM@HOST>" (base/msgid.h). */
static const char *message_id(sg_arena *arena, const char *given, const char *host, time_t now)
{
    char stamp[32];
    struct tm tm;
    if (!gmtime_r(&now, &tm))
        memset(&tm, 0, sizeof tm);
    strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
    return sg_message_id(arena, given, stamp, host);
}

/* ---- (b) the DSN: the three parts (RFC 3464 §2, RFC 6522) ---- */

/* Part 1: for people. It says plainly that the message was delivered. */
static void text_part(sg_mtbuf *b, const char *host, const sg_bounce_request *req, sg_arena *arena)
{
    bool plain, many = req->ntargets > 1;
    const char *owner = ascii_address(arena, req->owner ? req->owner : "", false, &plain);
    sg_mt_putf(b, "This is the mail system at host %s.\r\n\r\n", host);
    sg_mt_puts(b, "Your message was delivered to the mailbox of ");
    sg_mt_puts(b, owner);
    sg_mt_puts(b, ".\r\n\r\n");
    sg_mt_puts(b, "Only the automatic forwarding of your message from that mailbox to the\r\n");
    sg_mt_putf(b, "address%s below was blocked by the organization's policy, which does not\r\n", many ? "es" : "");
    sg_mt_puts(b, "allow automatic forwarding to external addresses:\r\n\r\n");
    for (size_t i = 0; i < req->ntargets; i++) {
        sg_mt_puts(b, "    ");
        sg_mt_puts(b, ascii_address(arena, req->targets[i], false, &plain));
        sg_mt_puts(b, "\r\n");
    }
    sg_mt_puts(b, "\r\nYou do not need to send your message again. If it should also reach the\r\n");
    sg_mt_putf(b, "address%s above, please send it there yourself.\r\n", many ? "es" : "");
}

/* Part 2: RFC 3464 §2.2 per-message fields, then §2.3 per-recipient fields a
 * target. A non-ASCII address is RFC 6533 §3 "utf-8" type in xtext form. */
static void status_part(sg_mtbuf *b, const char *host, const char *date, const sg_bounce_request *req,
                        sg_arena *arena)
{
    sg_mt_putf(b, "Reporting-MTA: dns; %s\r\n", host);
    sg_mt_putf(b, "Arrival-Date: %s\r\n", date);
    for (size_t i = 0; i < req->ntargets; i++) {
        bool plain;
        const char *a = ascii_address(arena, req->targets[i], false, &plain);
        sg_mt_puts(b, "\r\nFinal-Recipient: ");
        sg_mt_puts(b, plain ? "rfc822; " : "utf-8; ");
        sg_mt_puts(b, plain ? a : ascii_address(arena, req->targets[i], true, &plain));
        sg_mt_puts(b, "\r\nAction: failed\r\nStatus: 5.7.520\r\nDiagnostic-Code: " DIAGNOSTIC "\r\n");
    }
}

/* ---- (b) the DSN: assembly ---- */

/* The original envelope sender: the bounce's envelope recipient and To:. A
 * To: that 7-bit text cannot hold (an RFC 6531 local part) is left empty. */
static void recipient(const sg_bounce_request *req, sg_arena *arena, const char **envelope_to, const char **to)
{
    sg_fwd_decision d;
    classify_sender(NULL, req->envelope_sender ? req->envelope_sender : "", arena, &d);
    bool plain;
    const char *a = ascii_address(arena, d.target, false, &plain);
    *envelope_to = d.verdict == SG_FWD_INVALID ? a : d.target;
    if (d.verdict == SG_FWD_INVALID || !plain) {
        *to = "undisclosed-recipients:;";
    } else {
        sg_mtbuf b = sg_mt_new(arena);
        sg_mt_putf(&b, "<%s>", a);
        *to = b.s;
    }
}

void sg_bounce_build(const sg_bounce_request *req, const sg_bounce_options *opt, sg_arena *arena,
                     sg_bounce *out)
{
    static const sg_bounce_options none; /* read-only defaults */
    if (!opt)
        opt = &none;
    const char *host = sg_mt_clean_host(arena, opt->hostname);
    time_t now = opt->now ? opt->now : time(NULL);
    char date[SG_MT_DATE_SIZE];
    sg_mt_date(now, date);

    sg_mtbuf parts[4] = {sg_mt_new(arena), sg_mt_new(arena), sg_mt_new(arena), sg_mt_new(arena)};
    sg_mt_puts(&parts[0], "This is a MIME-formatted delivery status notification.\r\n");
    text_part(&parts[1], host, req, arena);
    status_part(&parts[2], host, date, req, arena);
    bool qp = req->message && sg_mt_put_header_section(&parts[3], req->message, NULL);

    memset(out, 0, sizeof *out);
    out->envelope_from = "";
    out->message_id = message_id(arena, opt->message_id, host, now);
    out->boundary = sg_mt_pick_boundary(arena, opt->boundary, parts, 4);
    const char *to;
    recipient(req, arena, &out->envelope_to, &to);

    sg_mtbuf b = sg_mt_new(arena);
    if (opt->from)
        sg_mt_putf(&b, "From: Mail Delivery System <%s>\r\n", opt->from);
    else
        sg_mt_putf(&b, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n", host);
    sg_mt_putf(&b, "To: %s\r\n", to);
    put_subject(&b, original_subject(req->message, arena));
    sg_mt_putf(&b, "Date: %s\r\n", date);
    sg_mt_putf(&b, "Message-ID: %s\r\n", out->message_id);
    sg_mt_puts(&b, "Auto-Submitted: auto-replied\r\n"); /* RFC 3834 §5 */
    sg_mt_puts(&b, "MIME-Version: 1.0\r\n");
    sg_mt_putf(&b, "Content-Type: multipart/report; report-type=delivery-status;\r\n boundary=\"%s\"\r\n\r\n",
         out->boundary);
    sg_mt_put(&b, parts[0].s, parts[0].len);
    sg_mt_putf(&b, "\r\n--%s\r\n", out->boundary);
    sg_mt_puts(&b, "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n"
              "Content-Description: Notification\r\n\r\n");
    sg_mt_put(&b, parts[1].s, parts[1].len);
    sg_mt_putf(&b, "\r\n--%s\r\n", out->boundary);
    sg_mt_puts(&b, "Content-Type: message/delivery-status\r\nContent-Description: Delivery report\r\n\r\n");
    sg_mt_put(&b, parts[2].s, parts[2].len);
    sg_mt_putf(&b, "\r\n--%s\r\n", out->boundary);
    sg_mt_puts(&b, "Content-Type: text/rfc822-headers\r\n");
    if (qp)
        sg_mt_puts(&b, "Content-Transfer-Encoding: quoted-printable\r\n");
    sg_mt_puts(&b, "Content-Description: Undelivered message headers\r\n\r\n");
    sg_mt_put(&b, parts[3].s, parts[3].len);
    sg_mt_putf(&b, "\r\n--%s--\r\n", out->boundary);
    out->data = b.s;
    out->len = b.len;
}
