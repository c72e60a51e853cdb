/* bounce.c - the 5.7.520 bounce (see bounce.h).
 *
 * Takes: the original message, its envelope sender, the owner and the blocked
 * targets. Returns: whether a bounce is due (policy.md "What a block does") and
 * the RFC 3464 DSN, built in the caller's arena. The sender is classified by
 * engine/enforce's own step 1 (sg_fwd_decide), never by a copy of it.
 */
#include "bounce.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../grammar/diag.h"
#include "../grammar/utf8.h"
#include "enforce.h"

#define LINE_SOFT 78     /* RFC 5322 §2.1.1: SHOULD */
#define WORD_MAX 900     /* a word longer than this is encoded so no line reaches 998 */
#define ADDR_MAX 512     /* an address copied into the DSN is cut here (enforce allows 254) */
#define EW_CHUNK 30      /* octets per encoded word: "=?UTF-8?B?" 40 "?=" = 52 chars (RFC 2047 §2: <= 75) */
#define QP_LINE 76       /* RFC 2045 §6.7 (5) */
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
    }
    return "due";
}

/* ---- a growing buffer in the arena ---- */

typedef struct buf {
    char *s;
    size_t len, cap;
    sg_arena *arena;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = sg_arena_alloc_bytes(b->arena, cap);
        if (b->len)
            memcpy(p, b->s, b->len);
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putf(buf *b, const char *fmt, ...) SG_PRINTF(2, 3);

static void putf(buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static buf buf_new(sg_arena *arena)
{
    buf b = {NULL, 0, 0, arena};
    put(&b, "", 0);
    return b;
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

/* The first token of a structured value, past CFWS (RFC 5322 §3.2.2): the
 * MIME type/subtype (RFC 2045 §5.1) or the Auto-Submitted keyword (RFC 3834 §5). */
static size_t first_token(const char *v, const char **tok)
{
    int depth = 0;
    while (*v) {
        if (*v == '(')
            depth++;
        else if (*v == ')' && depth > 0)
            depth--;
        else if (depth == 0 && *v != ' ' && *v != '\t' && *v != '\r' && *v != '\n')
            break;
        v++;
    }
    size_t n = 0;
    while (v[n] && !strchr(" \t\r\n;()", v[n]))
        n++;
    *tok = v;
    return n;
}

static bool token_is(const char *v, const char *word)
{
    const char *tok;
    size_t n = first_token(v, &tok);
    return n == strlen(word) && strncasecmp(tok, word, n) == 0;
}

static bool is_report(sg_message *m)
{
    const char *const *v;
    size_t n = sg_message_header_raw_values(m, "Content-Type", &v);
    for (size_t i = 0; i < n; i++)
        if (token_is(v[i], "multipart/report"))
            return true;
    return false;
}

/* RFC 3834 §5: any value other than "no" (an empty one too) is automatic. */
static bool is_auto_submitted(sg_message *m)
{
    const char *const *v;
    size_t n = sg_message_header_raw_values(m, "Auto-Submitted", &v);
    for (size_t i = 0; i < n; i++)
        if (!token_is(v[i], "no"))
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

/* One code point of possibly invalid UTF-8; an invalid sequence is one U+FFFD a byte. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (*i + n > len || sg_utf8_invalid_at((const char *)s + *i, n) != n) {
        (*i)++;
        return 0xFFFD;
    }
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (size_t k = 1; k < n; k++)
        cp = (cp << 6) | (s[*i + k] & 0x3Fu);
    *i += n;
    return cp;
}

/* Controls, C1 controls and Unicode line separators: never copied into a header. */
static bool is_break_or_control(uint32_t cp)
{
    return cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

/* An address as 7-bit text: printable ASCII as it is (with qchar_only, only
 * RFC 6533 §3 QCHARs), anything else as "\x{HHHH}", controls dropped, cut
 * near ADDR_MAX. *plain tells whether it came through unchanged. */
static const char *ascii_address(sg_arena *arena, const char *a, bool qchar_only, bool *plain)
{
    buf b = buf_new(arena);
    const unsigned char *s = (const unsigned char *)(a ? a : "");
    size_t len = strlen((const char *)s), i = 0;
    *plain = true;
    while (i < len && b.len < ADDR_MAX) {
        uint32_t cp = utf8_next(s, len, &i);
        bool control = cp < 0x20 || cp == 0x7F;
        bool keep = cp < 0x7F && !control && (!qchar_only || (cp > 0x20 && cp != '+' && cp != '=' && cp != '\\'));
        if (keep) {
            char c = (char)cp;
            put(&b, &c, 1);
        } else if (!control) {
            putf(&b, "\\x{%02X}", (unsigned)cp);
        }
        *plain = *plain && keep;
    }
    *plain = *plain && i == len;
    return b.s;
}

/* A header value from the message: every control and line break becomes one
 * space, runs of white space collapse, invalid UTF-8 becomes U+FFFD. */
static const char *clean_text(sg_arena *arena, const char *text)
{
    buf b = buf_new(arena);
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    size_t len = strlen((const char *)s), i = 0;
    bool pending = false;
    while (i < len) {
        uint32_t cp = utf8_next(s, len, &i);
        if (is_break_or_control(cp)) {
            pending = b.len > 0;
            continue;
        }
        if (pending)
            put(&b, " ", 1);
        pending = false;
        char enc[4];
        put(&b, enc, sg_utf8_encode(cp, enc));
    }
    return b.s;
}

static bool printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
            return false;
    return true;
}

static size_t longest_word(const char *s)
{
    size_t best = 0;
    while (*s) {
        size_t n = strcspn(s, " ");
        best = n > best ? n : best;
        s += n + (s[n] == ' ');
    }
    return best;
}

/* Plain words, folded before a word that would pass LINE_SOFT (RFC 5322 §2.2.3). */
static void put_words(buf *b, const char *s, size_t col)
{
    while (*s) {
        size_t n = strcspn(s, " ");
        if (col + 1 + n > LINE_SOFT) {
            puts_(b, "\r\n");
            col = 0;
        }
        put(b, " ", 1);
        put(b, s, n);
        col += 1 + n;
        s += n;
        while (*s == ' ')
            s++;
    }
}

static void base64(buf *b, const unsigned char *s, size_t n)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
        char q[4] = {alphabet[v >> 18 & 63], alphabet[v >> 12 & 63], i + 1 < n ? alphabet[v >> 6 & 63] : '=',
                     i + 2 < n ? alphabet[v & 63] : '='};
        put(b, q, 4);
    }
}

/* RFC 2047 §2, §5 (1): UTF-8 "B" encoded words of whole characters, one fold
 * before each word that would pass LINE_SOFT; the white space between two
 * encoded words is not part of the text (§6.2). */
static void put_encoded_words(buf *b, const char *s, size_t col)
{
    size_t len = strlen(s), i = 0;
    while (i < len) {
        size_t n = len - i < EW_CHUNK ? len - i : EW_CHUNK;
        while (n > 1 && i + n < len && ((unsigned char)s[i + n] & 0xC0) == 0x80)
            n--; /* never split a character */
        size_t wlen = 12 + 4 * ((n + 2) / 3);
        if (col + 1 + wlen > LINE_SOFT) {
            puts_(b, "\r\n");
            col = 0;
        }
        puts_(b, " =?UTF-8?B?");
        base64(b, (const unsigned char *)s + i, n);
        puts_(b, "?=");
        col += 1 + wlen;
        i += n;
    }
}

/* "Subject: Undeliverable: ORIGINAL" (policy.md). Plain when it is printable
 * ASCII that no reader would take for an encoded word, else encoded words. */
static void put_subject(buf *b, const char *subject)
{
    static const char head[] = "Subject: Undeliverable:";
    puts_(b, head);
    if (printable_ascii(subject) && !strstr(subject, "=?") && longest_word(subject) <= WORD_MAX)
        put_words(b, subject, sizeof head - 1);
    else
        put_encoded_words(b, subject, sizeof head - 1);
    puts_(b, "\r\n");
}

static const char *original_subject(sg_message *m, sg_arena *arena)
{
    const char *const *v;
    if (!m || sg_message_header_values(m, "Subject", &v) == 0)
        return "";
    return clean_text(arena, v[0]);
}

/* ---- (b) the DSN: identifiers ---- */

/* HOST goes into From, Message-ID and Reporting-MTA: letters, digits, '.', '-'. */
static const char *clean_host(sg_arena *arena, const char *host)
{
    char name[256] = "";
    if (!host || !*host) {
        if (gethostname(name, sizeof name) != 0)
            name[0] = '\0';
        name[sizeof name - 1] = '\0';
        host = name;
    }
    char out[256];
    size_t n = 0;
    for (const char *p = host; *p && n < sizeof out - 1; p++) {
        char c = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')
            out[n++] = c;
    }
    out[n] = '\0';
    return sg_arena_strdup(arena, n ? out : "localhost");
}

/* RFC 5322 §3.3, in UTC so the text never depends on the host's zone or locale. */
#define DATE_SIZE 128

static void rfc5322_date(time_t t, char out[DATE_SIZE])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    snprintf(out, DATE_SIZE, "%s, %d %s %04d %02d:%02d:%02d +0000", days[(unsigned)tm.tm_wday % 7], tm.tm_mday,
             months[(unsigned)tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* nhex random hex digits: getentropy(3), else a mix of the clock, the pid
 * and a stack address (unique enough for a Message-ID, never a secret). */
static void random_hex(char *out, size_t nhex)
{
    unsigned char r[32];
    size_t nbytes = (nhex + 1) / 2 > sizeof r ? sizeof r : (nhex + 1) / 2;
    if (getentropy(r, nbytes) != 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32 ^
                     (uint64_t)(uintptr_t)&ts;
        for (size_t i = 0; i < nbytes; i++) {
            x += 0x9E3779B97F4A7C15u; /* splitmix64 */
            uint64_t z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
            r[i] = (unsigned char)(z ^ (z >> 31));
        }
    }
    for (size_t i = 0; i < nhex && i / 2 < nbytes; i++)
        out[i] = "0123456789abcdef"[i % 2 ? r[i / 2] & 15 : r[i / 2] >> 4];
    out[nhex < 2 * nbytes ? nhex : 2 * nbytes] = '\0';
}

/* RFC 5322 §3.6.4 msg-id: a given one keeps its atext, '.', '@', '[' and ']' only. */
static const char *message_id(sg_arena *arena, const char *given, const char *host, time_t now)
{
    char id[256];
    size_t n = 0;
    for (const char *p = given ? given : ""; *p && n < 200; p++)
        if (strchr(".@[]!#$%&'*+-/=?^_`{|}~", *p) || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9'))
            id[n++] = *p;
    id[n] = '\0';
    char out[512];
    if (n) {
        snprintf(out, sizeof out, "<%s%s%s>", id, strchr(id, '@') ? "" : "@", strchr(id, '@') ? "" : host);
    } else {
        char hex[25], stamp[32];
        struct tm tm;
        random_hex(hex, 24);
        if (!gmtime_r(&now, &tm))
            memset(&tm, 0, sizeof tm);
        strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
        snprintf(out, sizeof out, "<%s.%s@%s>", stamp, hex, host);
    }
    return sg_arena_strdup(arena, out);
}

/* RFC 2046 §5.1.1 bchars (without space), at most 70. */
static void clean_boundary(const char *in, char out[71])
{
    size_t n = 0;
    for (const char *p = in ? in : ""; *p && n < 70; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("'()+_,-./:=?", *p))
            out[n++] = *p;
    out[n] = '\0';
}

/* Whether a line of any part starts with "--BOUNDARY": it would end the part
 * early (RFC 2046 §5.1.1: the delimiter is CRLF "--" boundary). */
static bool collides(const char *boundary, const buf *parts, size_t nparts)
{
    size_t n = strlen(boundary);
    for (size_t k = 0; k < nparts; k++) {
        const char *s = parts[k].s, *end = s + parts[k].len;
        for (const char *line = s; line && line < end;) {
            if ((size_t)(end - line) >= n + 2 && line[0] == '-' && line[1] == '-' && memcmp(line + 2, boundary, n) == 0)
                return true;
            line = memchr(line, '\n', (size_t)(end - line));
            line = line ? line + 1 : NULL;
        }
    }
    return false;
}

static const char *pick_boundary(sg_arena *arena, const char *given, const buf *parts, size_t nparts)
{
    char b[71];
    clean_boundary(given, b);
    while (!b[0] || collides(b, parts, nparts)) {
        char hex[25];
        random_hex(hex, 24);
        snprintf(b, sizeof b, "=_sievegate_%s", hex);
    }
    return sg_arena_strdup(arena, b);
}

/* ---- (b) the DSN: the three parts (RFC 3464 §2, RFC 6522) ---- */

/* Part 1: for people. It says plainly that the message was delivered. */
static void text_part(buf *b, const char *host, const sg_bounce_request *req, sg_arena *arena)
{
    bool plain, many = req->ntargets > 1;
    const char *owner = ascii_address(arena, req->owner ? req->owner : "", false, &plain);
    putf(b, "This is the mail system at host %s.\r\n\r\n", host);
    puts_(b, "Your message was delivered to the mailbox of ");
    puts_(b, owner);
    puts_(b, ".\r\n\r\n");
    puts_(b, "Only the automatic forwarding of your message from that mailbox to the\r\n");
    putf(b, "address%s below was blocked by the organization's policy, which does not\r\n", many ? "es" : "");
    puts_(b, "allow automatic forwarding to external addresses:\r\n\r\n");
    for (size_t i = 0; i < req->ntargets; i++) {
        puts_(b, "    ");
        puts_(b, ascii_address(arena, req->targets[i], false, &plain));
        puts_(b, "\r\n");
    }
    puts_(b, "\r\nYou do not need to send your message again. If it should also reach the\r\n");
    putf(b, "address%s above, please send it there yourself.\r\n", many ? "es" : "");
}

/* Part 2: RFC 3464 §2.2 per-message fields, then §2.3 per-recipient fields a
 * target. A non-ASCII address is RFC 6533 §3 "utf-8" type in xtext form. */
static void status_part(buf *b, const char *host, const char *date, const sg_bounce_request *req,
                        sg_arena *arena)
{
    putf(b, "Reporting-MTA: dns; %s\r\n", host);
    putf(b, "Arrival-Date: %s\r\n", date);
    for (size_t i = 0; i < req->ntargets; i++) {
        bool plain;
        const char *a = ascii_address(arena, req->targets[i], false, &plain);
        puts_(b, "\r\nFinal-Recipient: ");
        puts_(b, plain ? "rfc822; " : "utf-8; ");
        puts_(b, plain ? a : ascii_address(arena, req->targets[i], true, &plain));
        puts_(b, "\r\nAction: failed\r\nStatus: 5.7.520\r\nDiagnostic-Code: " DIAGNOSTIC "\r\n");
    }
}

/* The next line of the header section: its length without CR LF; returns where the next begins. */
static size_t next_line(const char *d, size_t end, size_t i, size_t *n)
{
    const char *nl = memchr(d + i, '\n', end - i);
    size_t stop = nl ? (size_t)(nl - d) : end;
    *n = stop - i;
    if (*n && d[stop - 1] == '\r')
        (*n)--;
    return nl ? stop + 1 : end;
}

static bool seven_bit_line(const char *s, size_t n)
{
    if (n > 998) /* RFC 5322 §2.1.1 */
        return false;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || (unsigned char)s[i] > 0x7E)
            return false;
    return true;
}

/* RFC 2045 §6.7: soft breaks keep lines at 76; white space at a line's end is encoded. */
static void qp_line(buf *b, const unsigned char *s, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        char enc[4];
        size_t len = 1;
        bool ws_inside = (s[i] == ' ' || s[i] == '\t') && i + 1 < n;
        if ((s[i] >= 33 && s[i] <= 126 && s[i] != '=') || ws_inside)
            enc[0] = (char)s[i];
        else
            len = (size_t)snprintf(enc, sizeof enc, "=%02X", s[i]);
        if (col + len > QP_LINE - 1) {
            puts_(b, "=\r\n");
            col = 0;
        }
        put(b, enc, len);
        col += len;
    }
    puts_(b, "\r\n");
}

/* Part 3: the original header section up to its empty line, never the body,
 * lines ending CRLF. Returns whether it had to be quoted-printable (8-bit,
 * NUL, lone CR or a line of 998 octets or more). */
static bool headers_part(buf *b, sg_message *m)
{
    if (!m)
        return false;
    const char *d = sg_message_data(m);
    size_t end = sg_message_body_offset(m), n;
    bool qp = false;
    for (size_t i = 0; i < end; i = next_line(d, end, i, &n)) {
        next_line(d, end, i, &n);
        if (n == 0)
            break;
        qp = qp || !seven_bit_line(d + i, n);
    }
    for (size_t i = 0; i < end; i = next_line(d, end, i, &n)) {
        next_line(d, end, i, &n);
        if (n == 0)
            break;
        if (qp) {
            qp_line(b, (const unsigned char *)d + i, n);
        } else {
            put(b, d + i, n);
            puts_(b, "\r\n");
        }
    }
    return qp;
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
        buf b = buf_new(arena);
        putf(&b, "<%s>", a);
        *to = b.s;
    }
}

void sg_bounce_build(const sg_bounce_request *req, const sg_bounce_options *opt, sg_arena *arena,
                     sg_bounce *out)
{
    static const sg_bounce_options none; /* read-only defaults */
    if (!opt)
        opt = &none;
    const char *host = clean_host(arena, opt->hostname);
    time_t now = opt->now ? opt->now : time(NULL);
    char date[DATE_SIZE];
    rfc5322_date(now, date);

    buf parts[4] = {buf_new(arena), buf_new(arena), buf_new(arena), buf_new(arena)};
    puts_(&parts[0], "This is a MIME-formatted delivery status notification.\r\n");
    text_part(&parts[1], host, req, arena);
    status_part(&parts[2], host, date, req, arena);
    bool qp = headers_part(&parts[3], req->message);

    memset(out, 0, sizeof *out);
    out->envelope_from = "";
    out->message_id = message_id(arena, opt->message_id, host, now);
    out->boundary = pick_boundary(arena, opt->boundary, parts, 4);
    const char *to;
    recipient(req, arena, &out->envelope_to, &to);

    buf b = buf_new(arena);
    putf(&b, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n", host);
    putf(&b, "To: %s\r\n", to);
    put_subject(&b, original_subject(req->message, arena));
    putf(&b, "Date: %s\r\n", date);
    putf(&b, "Message-ID: %s\r\n", out->message_id);
    puts_(&b, "Auto-Submitted: auto-replied\r\n"); /* RFC 3834 §5 */
    puts_(&b, "MIME-Version: 1.0\r\n");
    putf(&b, "Content-Type: multipart/report; report-type=delivery-status;\r\n boundary=\"%s\"\r\n\r\n",
         out->boundary);
    put(&b, parts[0].s, parts[0].len);
    putf(&b, "\r\n--%s\r\n", out->boundary);
    puts_(&b, "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n"
              "Content-Description: Notification\r\n\r\n");
    put(&b, parts[1].s, parts[1].len);
    putf(&b, "\r\n--%s\r\n", out->boundary);
    puts_(&b, "Content-Type: message/delivery-status\r\nContent-Description: Delivery report\r\n\r\n");
    put(&b, parts[2].s, parts[2].len);
    putf(&b, "\r\n--%s\r\n", out->boundary);
    puts_(&b, "Content-Type: text/rfc822-headers\r\n");
    if (qp)
        puts_(&b, "Content-Transfer-Encoding: quoted-printable\r\n");
    puts_(&b, "Content-Description: Undelivered message headers\r\n\r\n");
    put(&b, parts[3].s, parts[3].len);
    putf(&b, "\r\n--%s--\r\n", out->boundary);
    out->data = b.s;
    out->len = b.len;
}
