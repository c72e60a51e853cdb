/* vacation.c - the vacation auto-reply (see vacation.h).
 *
 * Takes: the original message, its envelope, the vacation action and the
 * :addresses. Returns: whether a reply is due (RFC 5230 §4.5, §4.6) and the
 * reply (RFC 5230 §5, RFC 3834), built in the caller's arena. Header values
 * are made safe as engine/enforce/bounce.c does: controls and line breaks become
 * spaces, non-ASCII text becomes RFC 2047 encoded words.
 */
#include "engine/deliver/vacation.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/atext.h"
#include "base/msgid.h"
#include "engine/mail/addrlist.h"
#include "engine/mail/mailtext.h"


const char *sg_vacation_check_name(sg_vacation_check c)
{
    switch (c) {
    case SG_VACATION_REPLY: return "reply";
    case SG_VACATION_NULL_SENDER: return "null-sender";
    case SG_VACATION_AUTO_SUBMITTED: return "auto-submitted";
    case SG_VACATION_MAILING_LIST: return "mailing-list";
    case SG_VACATION_PRECEDENCE: return "precedence";
    case SG_VACATION_SYSTEM_SENDER: return "system-sender";
    case SG_VACATION_NOT_ADDRESSED: return "not-addressed";
    }
    return "reply";
}

const char *sg_vacation_check_reason(sg_vacation_check c)
{
    switch (c) {
    case SG_VACATION_REPLY: return "a reply is due";
    case SG_VACATION_NULL_SENDER: return "the envelope sender is null (<>): no reply (RFC 5230 §4.6)";
    case SG_VACATION_AUTO_SUBMITTED: return "the message is automatic (Auto-Submitted, RFC 3834 §5)";
    case SG_VACATION_MAILING_LIST: return "the message comes from a mailing list (List-* fields, RFC 5230 §4.6)";
    case SG_VACATION_PRECEDENCE: return "the message is bulk mail (Precedence: bulk, list or junk)";
    case SG_VACATION_SYSTEM_SENDER:
        return "the sender is a system address (MAILER-DAEMON, LISTSERV, majordomo, owner-*, *-request)";
    case SG_VACATION_NOT_ADDRESSED: return "none of the user's addresses is in To, Cc or Bcc (RFC 5230 §4.5)";
    }
    return "a reply is due";
}

/* ---- (a) whether to reply ---- */

/* The envelope path without white space and angle brackets. */
static const char *bare_path(const char *s, sg_arena *arena)
{
    if (!s)
        return "";
    size_t n = strlen(s);
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
        s++, n -= 2;
    return sg_arena_strndup(arena, s, n);
}

static bool any_value_is(sg_message *m, const char *field, const char *const *words, bool negate)
{
    const char *const *v;
    size_t n = sg_message_header_raw_values(m, field, &v);
    for (size_t i = 0; i < n; i++) {
        bool hit = false;
        for (size_t k = 0; words[k]; k++)
            hit = hit || sg_mt_token_is(v[i], words[k]);
        if (hit != negate)
            return true;
    }
    return false;
}

static bool has_list_field(sg_message *m)
{
    static const char *const fields[] = {"List-Id",   "List-Help",  "List-Subscribe", "List-Unsubscribe",
                                         "List-Post", "List-Owner", "List-Archive",   NULL};
    const char *const *v;
    for (size_t i = 0; fields[i]; i++)
        if (sg_message_header_raw_values(m, fields[i], &v) > 0)
            return true;
    return false;
}

/* RFC 5230 §4.6 and Pigeonhole: addresses only automated systems use. */
static bool is_system_sender(const char *path)
{
    const char *at = strrchr(path, '@');
    size_t n = at ? (size_t)(at - path) : strlen(path);
    static const char *const names[] = {"MAILER-DAEMON", "LISTSERV", "majordomo", NULL};
    for (size_t i = 0; names[i]; i++)
        if (n == strlen(names[i]) && strncasecmp(path, names[i], n) == 0)
            return true;
    if (n >= 6 && strncasecmp(path, "owner-", 6) == 0)
        return true;
    return n >= 8 && strncasecmp(path + n - 8, "-request", 8) == 0;
}

typedef struct addr {
    const char *local, *domain; /* domain "" when absent */
} addr;

static bool addr_equal(addr a, addr b)
{
    return strcmp(a.local, b.local) == 0 && strcasecmp(a.domain, b.domain) == 0;
}

/* The first valid mailbox of a header-style value ("Name <a@b>" or "a@b"). */
static bool parse_one(const char *s, sg_arena *arena, addr *out)
{
    if (!s)
        return false;
    sg_mailbox *mb;
    size_t n = sg_addrlist_parse(s, strlen(s), arena, &mb);
    for (size_t i = 0; i < n; i++)
        if (mb[i].valid && mb[i].local && *mb[i].local) {
            out->local = mb[i].local;
            out->domain = mb[i].domain ? mb[i].domain : "";
            return true;
        }
    return false;
}

/* The user's addresses (RFC 5230 §4.5): recipient, recipient without
 * "+detail" (Pigeonhole), :addresses, :from. */
static size_t my_addresses(const sg_vacation_request *req, sg_arena *arena, addr **out)
{
    size_t cap = req->naddresses + 3, n = 0;
    addr *a = sg_arena_alloc(arena, cap * sizeof *a);
    sg_mailbox mb;
    const char *rcpt = bare_path(req->recipient, arena);
    if (*rcpt && sg_envelope_address_parse(rcpt, arena, &mb) && mb.local && *mb.local) {
        a[n].local = mb.local;
        a[n].domain = mb.domain ? mb.domain : "";
        const char *plus = strchr(mb.local, '+');
        n++;
        if (plus && plus != mb.local) {
            a[n].local = sg_arena_strndup(arena, mb.local, (size_t)(plus - mb.local));
            a[n].domain = a[n - 1].domain;
            n++;
        }
    }
    for (size_t i = 0; i < req->naddresses; i++)
        if (parse_one(req->addresses[i], arena, &a[n]))
            n++;
    if (req->action && parse_one(req->action->from, arena, &a[n]))
        n++;
    *out = a;
    return n;
}

static bool addressed_to_me(const sg_vacation_request *req, sg_arena *arena)
{
    static const char *const fields[] = {"To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc", NULL};
    addr *mine;
    size_t nmine = my_addresses(req, arena, &mine);
    for (size_t f = 0; fields[f]; f++) {
        const char *const *v;
        size_t nv = sg_message_header_raw_values(req->message, fields[f], &v);
        for (size_t i = 0; i < nv; i++) {
            sg_mailbox *mb;
            size_t n = sg_addrlist_parse(v[i], strlen(v[i]), arena, &mb);
            for (size_t k = 0; k < n; k++) {
                if (!mb[k].valid || !mb[k].local)
                    continue;
                addr h = {mb[k].local, mb[k].domain ? mb[k].domain : ""};
                for (size_t j = 0; j < nmine; j++)
                    if (addr_equal(h, mine[j]))
                        return true;
            }
        }
    }
    return false;
}

sg_vacation_check sg_vacation_due(const sg_vacation_request *req, sg_arena *arena)
{
    static const char *const no[] = {"no", NULL};
    static const char *const bulk[] = {"bulk", "list", "junk", NULL};
    const char *sender = bare_path(req->envelope_sender, arena);
    if (!*sender)
        return SG_VACATION_NULL_SENDER;
    if (req->message && any_value_is(req->message, "Auto-Submitted", no, true))
        return SG_VACATION_AUTO_SUBMITTED;
    if (req->message && has_list_field(req->message))
        return SG_VACATION_MAILING_LIST;
    if (req->message && any_value_is(req->message, "Precedence", bulk, false))
        return SG_VACATION_PRECEDENCE;
    if (is_system_sender(sender))
        return SG_VACATION_SYSTEM_SENDER;
    if (!req->message || !addressed_to_me(req, arena))
        return SG_VACATION_NOT_ADDRESSED;
    return SG_VACATION_REPLY;
}

/* ---- (b) the reply: addresses and identifiers ---- */

/* local@domain as 7-bit text for a header: a local part that is not a
 * dot-atom is quoted; NULL when it cannot be written (8-bit, controls). */
static const char *mailbox_text(sg_arena *arena, const char *local, const char *domain)
{
    if (!local || !*local || !domain || !*domain || strlen(local) > 256 || strlen(domain) > 256)
        return NULL;
    for (const char *p = domain; *p; p++)
        if (!sg_is_atext((unsigned char)*p) && *p != '.' && *p != '[' && *p != ']' && *p != ':')
            return NULL;
    bool atom = local[0] != '.' && local[strlen(local) - 1] != '.' && !strstr(local, "..");
    for (const char *p = local; *p; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7E)
            return NULL;
        atom = atom && (sg_is_atext((unsigned char)*p) || *p == '.');
    }
    sg_mtbuf b = sg_mt_new(arena);
    if (atom) {
        sg_mt_puts(&b, local);
    } else {
        sg_mt_put(&b, "\"", 1);
        for (const char *p = local; *p; p++) {
            if (*p == '"' || *p == '\\')
                sg_mt_put(&b, "\\", 1);
            sg_mt_put(&b, p, 1);
        }
        sg_mt_put(&b, "\"", 1);
    }
    sg_mt_putf(&b, "@%s", domain);
    return b.s;
}

/* "From: " value: the :from when it is one valid mailbox (its display name
 * kept, encoded when needed), else the recipient. */
static void put_from(sg_mtbuf *b, const sg_vacation_request *req, sg_arena *arena)
{
    const char *from = req->action ? req->action->from : NULL;
    if (from) {
        sg_mailbox *mb;
        size_t n = sg_addrlist_parse(from, strlen(from), arena, &mb);
        const char *addr_text = n == 1 && mb[0].valid ? mailbox_text(arena, mb[0].local, mb[0].domain) : NULL;
        if (addr_text) {
            /* the display name: the text before '<', if any */
            const char *raw = sg_mt_clean_text(arena, mb[0].raw);
            const char *lt = strrchr(raw, '<');
            size_t nlen = lt ? (size_t)(lt - raw) : 0;
            while (nlen && raw[nlen - 1] == ' ')
                nlen--;
            const char *name = sg_arena_strndup(arena, raw, nlen);
            if (nlen >= 2 && name[0] == '"' && name[nlen - 1] == '"')
                name = sg_arena_strndup(arena, name + 1, nlen - 2);
            bool plain_name = *name && sg_mt_printable_ascii(name) && !strstr(name, "=?") &&
                              strcspn(name, "\"\\") == strlen(name) && strlen(name) < SG_MT_WORD_MAX;
            sg_mt_puts(b, "From:");
            if (plain_name)
                sg_mt_putf(b, " \"%s\"", name);
            else if (*name)
                sg_mt_put_encoded_words(b, name, 5);
            sg_mt_puts(b, " <");
            sg_mt_puts(b, addr_text);
            sg_mt_puts(b, ">\r\n");
            return;
        }
    }
    sg_mailbox m;
    const char *rcpt = bare_path(req->recipient, arena);
    const char *t = sg_envelope_address_parse(rcpt, arena, &m) ? mailbox_text(arena, m.local, m.domain) : NULL;
    sg_mt_putf(b, "From: <%s>\r\n", t ? t : "postmaster");
}

/* "To: <sender>": undisclosed when it cannot be written in 7-bit text. */
static const char *put_to(sg_mtbuf *b, const sg_vacation_request *req, sg_arena *arena)
{
    const char *sender = bare_path(req->envelope_sender, arena);
    sg_mailbox m;
    const char *t = sg_envelope_address_parse(sender, arena, &m) ? mailbox_text(arena, m.local, m.domain) : NULL;
    if (t)
        sg_mt_putf(b, "To: <%s>\r\n", t);
    else
        sg_mt_puts(b, "To: undisclosed-recipients:;\r\n");
    return sender;
}

/* Every "<...>" msg-id in a raw value, each kept only when it is printable
 * ASCII without white space, '<' or '>' (RFC 5322 §3.6.4). */
static size_t msg_ids(const char *v, const char **ids, size_t max, sg_arena *arena)
{
    size_t n = 0;
    while (v && n < max && (v = strchr(v, '<')) != NULL) {
        const char *end = strchr(v + 1, '>');
        if (!end)
            break;
        bool ok = end - v > 1 && end - v < 250;
        for (const char *p = v + 1; ok && p < end; p++)
            ok = *p > 0x20 && *p < 0x7F && *p != '<';
        if (ok)
            ids[n++] = sg_arena_strndup(arena, v, (size_t)(end - v) + 1);
        v = ok ? end + 1 : v + 1;
    }
    return n;
}

#define MAX_REFS 64

static void put_threading(sg_mtbuf *b, sg_message *m, sg_arena *arena)
{
    const char *const *v;
    const char *id = NULL;
    if (m && sg_message_header_raw_values(m, "Message-ID", &v) > 0 && msg_ids(v[0], &id, 1, arena) == 1) {
        sg_mt_putf(b, "In-Reply-To: %s\r\n", id);
    } else {
        return; /* RFC 5230 §5.8: no Message-ID, nothing to thread */
    }
    const char *refs[MAX_REFS + 1];
    size_t n = 0;
    if (sg_message_header_raw_values(m, "References", &v) > 0)
        n = msg_ids(v[0], refs, MAX_REFS, arena);
    else if (sg_message_header_raw_values(m, "In-Reply-To", &v) > 0)
        n = msg_ids(v[0], refs, 1, arena); /* RFC 5322 §3.6.4 */
    refs[n++] = id;
    sg_mt_puts(b, "References:");
    for (size_t i = 0; i < n; i++)
        sg_mt_putf(b, "%s%s", i ? "\r\n " : " ", refs[i]);
    sg_mt_puts(b, "\r\n");
}

/* RFC 5322 §3.6.4 msg-id: the given one, else "<vacation.TIME.RANDOM@HOST>" (base/msgid.h). */
static const char *new_message_id(sg_arena *arena, const char *given, const char *host, time_t now)
{
    char left[40];
    snprintf(left, sizeof left, "vacation.%lld", (long long)now);
    return sg_message_id(arena, given, left, host);
}

/* ---- (b) the reply: the body ---- */

/* A Content-* field of the :mime entity: its folded raw value, each line
 * break made CRLF + white space, controls and 8-bit bytes dropped (RFC 5230
 * §5: 8-bit header material is not allowed), white-space-only lines dropped. */
static void put_entity_field(sg_mtbuf *b, const sg_header_field *f)
{
    sg_mt_put(b, f->name, f->name_len);
    sg_mt_put(b, ":", 1);
    const char *s = f->raw, *end = f->raw + f->raw_len;
    bool first = true;
    while (s < end) {
        const char *e = s;
        while (e < end && *e != '\r' && *e != '\n')
            e++;
        bool blank = true;
        for (const char *p = s; p < e; p++)
            blank = blank && (*p == ' ' || *p == '\t');
        if (!blank || (first && e > s)) {
            if (!first)
                sg_mt_puts(b, *s == ' ' || *s == '\t' ? "\r\n" : "\r\n ");
            for (const char *p = s; p < e; p++)
                if ((unsigned char)*p >= 0x20 ? (unsigned char)*p < 0x7F : *p == '\t')
                    sg_mt_put(b, p, 1);
        }
        first = false;
        if (e < end && *e == '\r' && e + 1 < end && e[1] == '\n')
            e++;
        s = e + 1;
    }
    sg_mt_puts(b, "\r\n");
}

static bool name_is(const sg_header_field *f, const char *name)
{
    return f->name_len == strlen(name) && strncasecmp(f->name, name, f->name_len) == 0;
}

/* RFC 5230 §4.7/§5: the reason is a MIME entity. Only its Content-* fields
 * are kept (nothing else may be added to the reply's header); a body that is
 * not 7-bit text and has no Content-Transfer-Encoding is made
 * quoted-printable, unless it is multipart or message (RFC 2045 §6.4). */
static void put_mime_entity(sg_mtbuf *b, const char *reason, sg_arena *arena)
{
    size_t len = strlen(reason);
    sg_message *e = sg_message_parse(reason, len, arena);
    size_t nf = sg_message_header_count(e);
    bool has_cte = false, composite = false, has_type = false;
    for (size_t i = 0; i < nf; i++) {
        const sg_header_field *f = sg_message_header_at(e, i);
        if (name_is(f, "Content-Transfer-Encoding"))
            has_cte = true;
        if (name_is(f, "Content-Type")) {
            has_type = true;
            const char *v = sg_arena_strndup(arena, f->raw, f->raw_len);
            while (*v == ' ' || *v == '\t')
                v++;
            composite = strncasecmp(v, "multipart/", 10) == 0 || strncasecmp(v, "message/", 8) == 0;
        }
    }
    size_t off = sg_message_body_offset(e);
    const char *body = reason + off;
    size_t blen = len - off;
    bool qp = !has_cte && !composite && !sg_mt_seven_bit_text(body, blen);
    for (size_t i = 0; i < nf; i++) {
        const sg_header_field *f = sg_message_header_at(e, i);
        if (f->name_len > 8 && strncasecmp(f->name, "Content-", 8) == 0)
            put_entity_field(b, f);
    }
    if (!has_type)
        sg_mt_puts(b, "Content-Type: text/plain; charset=us-ascii\r\n");
    if (qp)
        sg_mt_puts(b, "Content-Transfer-Encoding: quoted-printable\r\n");
    sg_mt_puts(b, "\r\n");
    sg_mt_put_text(b, body, blen, qp);
}

/* ---- (b) the reply: assembly ---- */

void sg_vacation_build(const sg_vacation_request *req, const sg_vacation_options *opt, sg_arena *arena,
                       sg_vacation_reply *out)
{
    static const sg_vacation_options none;
    if (!opt)
        opt = &none;
    const char *host = sg_mt_clean_host(arena, opt->hostname);
    time_t now = opt->now ? opt->now : time(NULL);
    const sg_action *act = req->action;

    memset(out, 0, sizeof *out);
    out->envelope_from = "";
    out->message_id = new_message_id(arena, opt->message_id, host, now);

    sg_mtbuf b = sg_mt_new(arena);
    put_from(&b, req, arena);
    out->envelope_to = put_to(&b, req, arena);

    const char *subject;
    if (act && act->subject) {
        subject = sg_mt_clean_text(arena, act->subject);
    } else {
        const char *const *v;
        if (req->message && sg_message_header_values(req->message, "Subject", &v) > 0) {
            sg_mtbuf s = sg_mt_new(arena);
            sg_mt_puts(&s, "Auto: ");
            sg_mt_puts(&s, sg_mt_clean_text(arena, v[0]));
            subject = s.s;
        } else {
            subject = "Automated reply"; /* RFC 5230 §5.3 */
        }
    }
    sg_mt_put_unstructured(&b, "Subject", subject);
    char date[SG_MT_DATE_SIZE];
    sg_mt_date(now, date);
    sg_mt_putf(&b, "Date: %s\r\n", date);
    sg_mt_putf(&b, "Message-ID: %s\r\n", out->message_id);
    put_threading(&b, req->message, arena);
    sg_mt_puts(&b, "Auto-Submitted: auto-replied\r\n"); /* RFC 3834 §5, RFC 5230 §5.6 */
    sg_mt_puts(&b, "MIME-Version: 1.0\r\n");

    const char *reason = act && act->reason ? act->reason : "";
    if (act && act->mime) {
        put_mime_entity(&b, reason, arena);
    } else {
        size_t len = strlen(reason);
        bool qp = !sg_mt_seven_bit_text(reason, len);
        sg_mt_puts(&b, "Content-Type: text/plain; charset=utf-8\r\n");
        sg_mt_puts(&b, qp ? "Content-Transfer-Encoding: quoted-printable\r\n" : "Content-Transfer-Encoding: 7bit\r\n");
        sg_mt_puts(&b, "\r\n");
        sg_mt_put_text(&b, reason, len, qp);
    }
    out->data = b.s;
    out->len = b.len;
}
