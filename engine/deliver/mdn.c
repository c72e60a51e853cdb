/* mdn.c - the reject MDN (see mdn.h). RFC 5429 §2.2.1, RFC 8098 §3. */
#include "engine/deliver/mdn.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/msgid.h"
#include "base/utf8.h"
#include "engine/mail/mailtext.h"

const char *sg_mdn_check_name(sg_mdn_check c)
{
    switch (c) {
    case SG_MDN_DUE: return "due";
    case SG_MDN_NULL_SENDER: return "null-sender";
    case SG_MDN_BAD_SENDER: return "bad-sender";
    case SG_MDN_REPORT: return "report";
    case SG_MDN_AUTO_SUBMITTED: return "auto-submitted";
    case SG_MDN_STORED_MAIL: return "stored-mail";
    }
    return "due";
}

/* ---- (a) whether an MDN may be sent ---- */

/* The sender without surrounding blanks and angle brackets, in `out`. */
static void bare_sender(const char *s, char *out, size_t size)
{
    size_t n = strlen(s);
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
        s++, n -= 2;
    snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), s);
}

/* An address the MDN can be submitted to: no controls or blanks, one '@'
 * with something on both sides (RFC 5321 §4.1.2, loosely). */
static bool usable_address(const char *a)
{
    const char *at = strrchr(a, '@');
    if (!at || at == a || !at[1])
        return false;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p <= 0x20 || *p == 0x7F || *p == '<' || *p == '>')
            return false;
    return true;
}

static bool header_token_is(sg_message *m, const char *field, const char *word, bool want)
{
    const char *const *v;
    size_t n = sg_message_header_raw_values(m, field, &v);
    for (size_t i = 0; i < n; i++)
        if (sg_mt_token_is(v[i], word) == want)
            return true;
    return false;
}

sg_mdn_check sg_mdn_due(const sg_mdn_request *req)
{
    char sender[1024];
    bare_sender(req->envelope_sender ? req->envelope_sender : "", sender, sizeof sender);
    /* RFC 5429 §2.2.1: "MDNs MUST NOT be generated if the MAIL FROM (or
     * Return-Path) is empty." */
    if (!*sender)
        return SG_MDN_NULL_SENDER;
    if (!usable_address(sender))
        return SG_MDN_BAD_SENDER;
    /* A report answered with a report can loop between two robots; RFC 5429
     * §2.2 lets an implementation decide not to send ("SHOULD log" when it
     * does not). Pigeonhole sends here; we do not. */
    if (req->message && header_token_is(req->message, "Content-Type", "multipart/report", true))
        return SG_MDN_REPORT;
    /* RFC 3834 §2: no automatic response to a message whose Auto-Submitted
     * is other than "no" (an empty value too). */
    if (req->message && header_token_is(req->message, "Auto-Submitted", "no", false))
        return SG_MDN_AUTO_SUBMITTED;
    return SG_MDN_DUE;
}

/* ---- (b) the MDN ---- */

/* An address as 7-bit header text: printable ASCII as it is; anything else
 * (8-bit, controls, blanks) as RFC 6533 §3 "\x{HHHH}", so nothing can end the
 * field. *plain tells whether it came through unchanged. */
static const char *xtext_address(sg_arena *arena, const char *a, bool *plain)
{
    sg_mtbuf b = sg_mt_new(arena);
    const unsigned char *s = (const unsigned char *)(a ? a : "");
    size_t len = strlen((const char *)s), i = 0;
    *plain = true;
    while (i < len && b.len < 512) {
        uint32_t cp = sg_utf8_next(s, len, &i);
        if (cp > 0x20 && cp < 0x7F && cp != '\\') {
            char c = (char)cp;
            sg_mt_put(&b, &c, 1);
        } else {
            sg_mt_putf(&b, "\\x{%02X}", (unsigned)cp);
            *plain = false;
        }
    }
    *plain = *plain && i == len;
    return b.s;
}

/* "rfc822; ADDR" or, for an address 7-bit text cannot hold, "utf-8; XTEXT" (RFC 6533 §3). */
static void put_recipient_field(sg_mtbuf *b, const char *name, const char *addr, sg_arena *arena)
{
    bool plain;
    const char *x = xtext_address(arena, addr, &plain);
    sg_mt_putf(b, "%s: %s; ", name, plain ? "rfc822" : "utf-8");
    sg_mt_puts(b, x);
    sg_mt_puts(b, "\r\n");
}

/* The original Message-ID as it was written (first field), when it is one
 * clean printable-ASCII token; NULL otherwise. */
static const char *original_message_id(sg_message *m, sg_arena *arena)
{
    const char *const *v;
    if (!m || sg_message_header_raw_values(m, "Message-ID", &v) == 0)
        return NULL;
    const char *id = sg_mt_clean_text(arena, v[0]);
    size_t n = strlen(id);
    while (n && id[n - 1] == ' ')
        n--;
    if (n == 0 || n > 900)
        return NULL;
    char *out = sg_arena_strndup(arena, id, n);
    return sg_mt_printable_ascii(out) ? out : NULL;
}

/* RFC 5322 §3.6.4 msg-id: the given one, else "<mdn.TIME.RANDOM@HOST>" (base/msgid.h). */
static const char *new_message_id(sg_arena *arena, const char *given, const char *host, time_t now)
{
    char left[40];
    snprintf(left, sizeof left, "mdn.%lld", (long long)now);
    return sg_message_id(arena, given, left, host);
}

void sg_mdn_build(const sg_mdn_request *req, const sg_mdn_options *opt, sg_arena *arena, sg_mdn *out)
{
    static const sg_mdn_options none; /* read-only defaults */
    if (!opt)
        opt = &none;
    const char *host = sg_mt_clean_host(arena, opt->hostname);
    time_t now = opt->now ? opt->now : time(NULL);
    char date[SG_MT_DATE_SIZE];
    sg_mt_date(now, date);
    char sender[1024];
    bare_sender(req->envelope_sender ? req->envelope_sender : "", sender, sizeof sender);
    bool plain;
    const char *rcpt = xtext_address(arena, req->final_recipient, &plain);

    /* The parts first, so the boundary can be checked against them. */
    sg_mtbuf parts[3] = {sg_mt_new(arena), sg_mt_new(arena), sg_mt_new(arena)};
    /* Part 1 (RFC 5429 §2.2.1): for people, with the reason as given (UTF-8). */
    const char *reason = req->reason ? req->reason : "";
    size_t rlen = strlen(reason);
    sg_mtbuf text = sg_mt_new(arena);
    sg_mt_putf(&text, "Your message to <%s> was automatically rejected:\n", rcpt);
    sg_mt_put(&text, reason, rlen);
    bool text_qp = !sg_mt_seven_bit_text(text.s, text.len);
    sg_mt_put_text(&parts[0], text.s, text.len, text_qp);
    /* Part 2 (RFC 8098 §3.1, §3.2.6.2: automatic-action/MDN-sent-automatically; deleted). */
    sg_mt_putf(&parts[1], "Reporting-UA: %s; sievegate\r\n", host);
    if (req->original_recipient && *req->original_recipient)
        put_recipient_field(&parts[1], "Original-Recipient", req->original_recipient, arena);
    put_recipient_field(&parts[1], "Final-Recipient", req->final_recipient ? req->final_recipient : "", arena);
    const char *orig_id = original_message_id(req->message, arena);
    if (orig_id)
        sg_mt_putf(&parts[1], "Original-Message-ID: %s\r\n", orig_id);
    sg_mt_puts(&parts[1], "Disposition: automatic-action/MDN-sent-automatically; deleted\r\n");
    /* Part 3: the header section, never the body; without Content-Type, which
     * would describe a body that is not there (as Pigeonhole). */
    bool headers_qp = req->message && sg_mt_put_header_section(&parts[2], req->message, "Content-Type");

    memset(out, 0, sizeof *out);
    out->envelope_from = "";
    out->envelope_to = sg_arena_strdup(arena, sender);
    out->message_id = new_message_id(arena, opt->message_id, host, now);
    out->boundary = sg_mt_pick_boundary(arena, opt->boundary, parts, 3);
    bool to_plain;
    const char *to = xtext_address(arena, sender, &to_plain);

    sg_mtbuf b = sg_mt_new(arena);
    sg_mt_putf(&b, "Message-ID: %s\r\n", out->message_id);
    sg_mt_putf(&b, "Date: %s\r\n", date);
    if (opt->from)
        sg_mt_putf(&b, "From: Mail Delivery Subsystem <%s>\r\n", opt->from);
    else
        sg_mt_putf(&b, "From: Mail Delivery Subsystem <MAILER-DAEMON@%s>\r\n", host);
    if (to_plain && usable_address(sender))
        sg_mt_putf(&b, "To: <%s>\r\n", to);
    else
        sg_mt_puts(&b, "To: undisclosed-recipients:;\r\n");
    sg_mt_puts(&b, "Subject: Automatically rejected mail\r\n");
    sg_mt_puts(&b, "Auto-Submitted: auto-replied (rejected)\r\n"); /* RFC 3834 §5 */
    sg_mt_puts(&b, "Precedence: bulk\r\n");
    sg_mt_puts(&b, "MIME-Version: 1.0\r\n");
    sg_mt_putf(&b, "Content-Type: multipart/report; report-type=disposition-notification;\r\n boundary=\"%s\"\r\n",
               out->boundary);
    sg_mt_puts(&b, "\r\nThis is a MIME-encapsulated message\r\n\r\n");
    sg_mt_putf(&b, "--%s\r\n", out->boundary);
    sg_mt_puts(&b, "Content-Type: text/plain; charset=utf-8\r\nContent-Disposition: inline\r\n");
    sg_mt_puts(&b, text_qp ? "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                           : "Content-Transfer-Encoding: 7bit\r\n\r\n");
    sg_mt_put(&b, parts[0].s, parts[0].len);
    sg_mt_putf(&b, "\r\n--%s\r\n", out->boundary);
    sg_mt_puts(&b, "Content-Type: message/disposition-notification\r\n\r\n");
    sg_mt_put(&b, parts[1].s, parts[1].len);
    sg_mt_putf(&b, "\r\n--%s\r\n", out->boundary);
    if (headers_qp) /* RFC 2046 §5.2.1: message/rfc822 cannot be quoted-printable */
        sg_mt_puts(&b, "Content-Type: text/rfc822-headers\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
    else
        sg_mt_puts(&b, "Content-Type: message/rfc822\r\n\r\n");
    sg_mt_put(&b, parts[2].s, parts[2].len);
    sg_mt_putf(&b, "\r\n--%s--\r\n", out->boundary);
    out->data = b.s;
    out->len = b.len;
}
