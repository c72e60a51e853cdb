/* notify_mail.c - the mailto notification message (see notify_mail.h).
 *
 * Takes: the triggering message, the notify action with its parsed URI and
 * the plan's per-recipient decisions. Returns: the notification, built in the
 * caller's arena with engine/mail/mailtext.h as bounce.c and vacation.c do. */
#include "engine/deliver/notify_mail.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/msgid.h"
#include "engine/mail/address.h"
#include "engine/mail/mailtext.h"
#include "engine/mail/mailto.h"


/* An address that can stand in a header and an SMTP command as it is:
 * printable ASCII without white space, quotes kept only if balanced by the
 * parser (address.h checked the syntax). */
static bool plain_address(const char *s)
{
    if (!s || !*s || strlen(s) > 512)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p >= 0x7F || strchr("<>\\\"(),;", *p))
            return false;
    return strchr(s, '@') != NULL;
}

/* The addr-spec of :from when it is usable (RFC 5436 §2.3), else NULL. */
static const char *from_address(const char *from, sg_arena *arena)
{
    const char *why;
    size_t n;
    char *a = from ? sg_arena_alloc_bytes(arena, strlen(from) + 1) : NULL;
    if (!from || !sg_address_parse_sieve(from, strlen(from), a, &n, &why))
        return NULL;
    return plain_address(a) ? a : NULL;
}

static bool allowed(const sg_notify_request *req, size_t k)
{
    return !req->plan || (k < req->plan->n && req->plan->rcpts[k].decision.verdict == SG_FWD_ALLOW);
}

/* "To:" or "Cc:" with the allowed recipients of that kind; returns how many. */
static size_t put_recipients(sg_mtbuf *b, const sg_notify_request *req, bool cc, sg_notify_mail *out)
{
    const sg_mailto *m = req->action->mailto;
    size_t n = 0, col = 3;
    for (size_t k = 0; m && k < m->nrcpts; k++) {
        if (m->rcpts[k].cc != cc || !allowed(req, k))
            continue;
        const char *addr = req->plan ? req->plan->rcpts[k].decision.target : m->rcpts[k].address;
        if (!addr)
            addr = m->rcpts[k].address;
        out->envelope_to[out->nenvelope_to++] = addr;
        if (!plain_address(addr))
            continue; /* an 8-bit address goes in the envelope only */
        size_t w = strlen(addr) + 3;
        if (n == 0) {
            sg_mt_puts(b, cc ? "Cc:" : "To:");
        } else {
            sg_mt_puts(b, ",");
            if (col + w > 76) {
                sg_mt_puts(b, "\r\n");
                col = 0;
            }
        }
        sg_mt_putf(b, " <%s>", addr);
        col += w;
        n++;
    }
    if (n)
        sg_mt_puts(b, "\r\n");
    return n;
}

static const char *header_text(sg_message *m, const char *name, sg_arena *arena)
{
    const char *const *v;
    if (m && sg_message_header_values(m, name, &v) > 0)
        return sg_mt_clean_text(arena, v[0]);
    return NULL;
}

/* "Reply-To" for "reply-to": the first letter of each word capitalised (RFC 5436 §2.7). */
static const char *field_name(const char *name, sg_arena *arena)
{
    char *s = sg_arena_strdup(arena, name);
    bool start = true;
    for (char *p = s; *p; p++) {
        if (start && *p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
        start = *p == '-';
    }
    return s;
}

/* RFC 5435 §3.6: the default message holds at least From and Subject. */
static const char *default_body(const sg_notify_request *req, sg_arena *arena)
{
    sg_mtbuf t = sg_mt_new(arena);
    if (req->action->message) {
        sg_mt_puts(&t, req->action->message);
        sg_mt_puts(&t, "\n\n");
    }
    const char *from = header_text(req->message, "From", arena);
    const char *subject = header_text(req->message, "Subject", arena);
    const char *date = header_text(req->message, "Date", arena);
    sg_mt_putf(&t, "A new message arrived for %.300s.\n\n", req->owner ? req->owner : "you");
    sg_mt_putf(&t, "From: %.500s\n", from ? from : "(unknown)");
    sg_mt_putf(&t, "Subject: %.500s\n", subject ? subject : "(no subject)");
    if (date)
        sg_mt_putf(&t, "Date: %.200s\n", date);
    return t.s;
}

void sg_notify_build(const sg_notify_request *req, const sg_notify_options *opt, sg_arena *arena,
                     sg_notify_mail *out)
{
    static const sg_notify_options none;
    if (!opt)
        opt = &none;
    const char *host = sg_mt_clean_host(arena, opt->hostname);
    time_t now = opt->now ? opt->now : time(NULL);
    const sg_action *act = req->action;
    const sg_mailto *m = act->mailto;

    memset(out, 0, sizeof *out);
    out->envelope_to = sg_arena_alloc(arena, (m && m->nrcpts ? m->nrcpts : 1) * sizeof *out->envelope_to);
    const char *from = from_address(act->from, arena);
    const char *owner = plain_address(req->owner) ? req->owner : NULL;
    /* RFC 5436 §2.7: a null trigger gets a null notification sender (no loops). */
    bool null_sender = !req->envelope_sender || !*req->envelope_sender || strcmp(req->envelope_sender, "<>") == 0;
    out->envelope_from = null_sender ? "" : from ? from : owner ? owner : "";

    char left[40];
    snprintf(left, sizeof left, "notify.%lld", (long long)now);
    out->message_id = sg_message_id(arena, opt->message_id, left, host); /* RFC 5322 §3.6.4 */

    sg_mtbuf b = sg_mt_new(arena);
    /* RFC 5436 §2.7.1: first, a trace field. The owner is a plain address (checked). */
    if (owner)
        sg_mt_putf(&b, "Auto-Submitted: auto-notified; owner-email=\"%s\"\r\n", owner);
    else
        sg_mt_puts(&b, "Auto-Submitted: auto-notified; owner-token=sievegate\r\n");
    char date[SG_MT_DATE_SIZE];
    sg_mt_date(now, date);
    sg_mt_putf(&b, "Date: %s\r\n", date);
    sg_mt_putf(&b, "Message-ID: %s\r\n", out->message_id);
    sg_mt_putf(&b, "From: <%s>\r\n", from ? from : owner ? owner : "postmaster");
    size_t nto = put_recipients(&b, req, false, out);
    size_t ncc = put_recipients(&b, req, true, out);
    if (!nto && !ncc)
        sg_mt_puts(&b, "To: undisclosed-recipients:;\r\n");

    const char *subject = act->message ? act->message : m && m->subject ? m->subject : NULL;
    if (!subject)
        subject = header_text(req->message, "Subject", arena);
    subject = subject && *subject ? sg_mt_clean_text(arena, subject) : "Notification of a new message";
    if (strlen(subject) > 256) /* RFC 5436 §2.6: an excessively long value may be cut */
        subject = sg_arena_strndup(arena, subject, 256);
    sg_mt_put_unstructured(&b, "Subject", subject);
    if (act->importance && strcmp(act->importance, "1") == 0)
        sg_mt_puts(&b, "X-Priority: 1 (Highest)\r\n");
    else if (act->importance && strcmp(act->importance, "3") == 0)
        sg_mt_puts(&b, "X-Priority: 5 (Lowest)\r\n");
    for (size_t i = 0; m && i < m->nheaders; i++)
        sg_mt_put_unstructured(&b, field_name(m->headers[i].name, arena),
                               sg_mt_clean_text(arena, m->headers[i].value));
    sg_mt_puts(&b, "MIME-Version: 1.0\r\n");

    const char *body = m && m->body ? m->body : default_body(req, arena);
    size_t len = strlen(body);
    bool qp = !sg_mt_seven_bit_text(body, len);
    sg_mt_puts(&b, "Content-Type: text/plain; charset=utf-8\r\n");
    sg_mt_puts(&b, qp ? "Content-Transfer-Encoding: quoted-printable\r\n" : "Content-Transfer-Encoding: 7bit\r\n");
    sg_mt_puts(&b, "\r\n");
    sg_mt_put_text(&b, body, len, qp);
    out->data = b.s;
    out->len = b.len;
}
