/* mailtext.c - writing the text of a generated message (see mailtext.h). */
#include "engine/mail/mailtext.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/hex.h"
#include "base/utf8.h"
#include "engine/mail/message.h"

#define LINE_SOFT 78 /* RFC 5322 §2.1.1: SHOULD */
#define EW_CHUNK 30  /* octets per encoded word: "=?UTF-8?B?" 40 "?=" = 52 chars (RFC 2047 §2: <= 75) */
#define QP_LINE 76   /* RFC 2045 §6.7 (5) */

/* ---- a growing buffer in the arena ---- */

void sg_mt_put(sg_mtbuf *b, const char *s, size_t n)
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

void sg_mt_puts(sg_mtbuf *b, const char *s)
{
    sg_mt_put(b, s, strlen(s));
}

void sg_mt_putf(sg_mtbuf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        sg_mt_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

sg_mtbuf sg_mt_new(sg_arena *arena)
{
    sg_mtbuf b = {NULL, 0, 0, arena};
    sg_mt_put(&b, "", 0);
    return b;
}

/* ---- text that cannot end a header line ---- */

/* Controls, C1 controls and Unicode line separators: never copied into a header. */
static bool is_break_or_control(uint32_t cp)
{
    return cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

const char *sg_mt_clean_text(sg_arena *arena, const char *text)
{
    sg_mtbuf b = sg_mt_new(arena);
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    size_t len = strlen((const char *)s), i = 0;
    bool pending = false;
    while (i < len) {
        uint32_t cp = sg_utf8_next(s, len, &i);
        if (is_break_or_control(cp)) {
            pending = b.len > 0;
            continue;
        }
        if (pending)
            sg_mt_put(&b, " ", 1);
        pending = false;
        char enc[4];
        sg_mt_put(&b, enc, sg_utf8_encode(cp, enc));
    }
    return b.s;
}

bool sg_mt_printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
            return false;
    return true;
}

/* ---- unstructured header fields: plain words or RFC 2047 encoded words ---- */

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
static void put_words(sg_mtbuf *b, const char *s, size_t col)
{
    while (*s) {
        size_t n = strcspn(s, " ");
        if (col + 1 + n > LINE_SOFT && col > 0) {
            sg_mt_puts(b, "\r\n");
            col = 0;
        }
        sg_mt_put(b, " ", 1);
        sg_mt_put(b, s, n);
        col += 1 + n;
        s += n;
        while (*s == ' ')
            s++;
    }
}

/* RFC 2047 §2, §5 (1): the white space between two encoded words is not
 * part of the text (§6.2). */
void sg_mt_put_encoded_words(sg_mtbuf *b, const char *s, size_t col)
{
    size_t len = strlen(s), i = 0;
    while (i < len) {
        size_t n = len - i < EW_CHUNK ? len - i : EW_CHUNK;
        while (n > 1 && i + n < len && ((unsigned char)s[i + n] & 0xC0) == 0x80)
            n--; /* never split a character */
        size_t wlen = 12 + 4 * ((n + 2) / 3);
        if (col + 1 + wlen > LINE_SOFT) {
            sg_mt_puts(b, "\r\n");
            col = 0;
        }
        sg_mt_puts(b, " =?UTF-8?B?");
        char text[SG_BASE64_ENCODED_SIZE(EW_CHUNK)];
        sg_mt_put(b, text, sg_base64_encode(s + i, n, SG_BASE64_PADDED, text));
        sg_mt_puts(b, "?=");
        col += 1 + wlen;
        i += n;
    }
}

void sg_mt_put_unstructured(sg_mtbuf *b, const char *name, const char *text)
{
    sg_mt_puts(b, name);
    sg_mt_puts(b, ":");
    size_t col = strlen(name) + 1;
    if (sg_mt_printable_ascii(text) && !strstr(text, "=?") && longest_word(text) <= SG_MT_WORD_MAX)
        put_words(b, text, col);
    else
        sg_mt_put_encoded_words(b, text, col);
    sg_mt_puts(b, "\r\n");
}

/* ---- bodies ---- */

/* RFC 2045 §6.7: soft breaks keep lines at 76; white space at a line's end is encoded. */
void sg_mt_qp_line(sg_mtbuf *b, const char *line, size_t n)
{
    const unsigned char *s = (const unsigned char *)line;
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        char enc[4];
        size_t len = 1;
        bool ws_inside = (s[i] == ' ' || s[i] == '\t') && i + 1 < n;
        if ((s[i] >= 33 && s[i] <= 126 && s[i] != '=') || ws_inside) {
            enc[0] = (char)s[i];
        } else {
            enc[0] = '=';
            sg_hex_byte(s[i], true, enc + 1);
            len = 3;
        }
        if (col + len > QP_LINE - 1) {
            sg_mt_puts(b, "=\r\n");
            col = 0;
        }
        sg_mt_put(b, enc, len);
        col += len;
    }
    sg_mt_puts(b, "\r\n");
}

/* ---- identifiers ---- */

void sg_mt_clean_host_into(const char *host, char out[SG_MT_HOST_SIZE])
{
    char name[SG_MT_HOST_SIZE] = "";
    if (!host || !*host) {
        if (gethostname(name, sizeof name) != 0)
            name[0] = '\0';
        name[sizeof name - 1] = '\0';
        host = name;
    }
    size_t n = 0;
    for (const char *p = host; *p && n < SG_MT_HOST_SIZE - 1; p++) {
        char c = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')
            out[n++] = c;
    }
    out[n] = '\0';
    if (n == 0)
        strcpy(out, "localhost");
}

const char *sg_mt_clean_host(sg_arena *arena, const char *host)
{
    char out[SG_MT_HOST_SIZE];
    sg_mt_clean_host_into(host, out);
    return sg_arena_strdup(arena, out);
}

/* RFC 5322 §3.3, in UTC so the text never depends on the host's zone or locale. */
void sg_mt_date(time_t t, char out[SG_MT_DATE_SIZE])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    snprintf(out, SG_MT_DATE_SIZE, "%s, %d %s %04d %02d:%02d:%02d +0000", days[(unsigned)tm.tm_wday % 7],
             tm.tm_mday, months[(unsigned)tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- reading a structured value ---- */

/* The MIME type/subtype (RFC 2045 §5.1), the Auto-Submitted keyword (RFC 3834
 * §5) or the Precedence word: past comments and white space. */
bool sg_mt_token_is(const char *v, const char *word)
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
    return n == strlen(word) && strncasecmp(v, word, n) == 0;
}

/* ---- text bodies ---- */

#define LINE_MAX_7BIT 998 /* RFC 5322 §2.1.1 */

/* The lines of `s` (any of CRLF, LF, CR ends one); calls f for each. */
typedef void (*line_fn)(sg_mtbuf *b, const char *s, size_t n);

static void each_line(sg_mtbuf *b, const char *s, size_t len, line_fn f)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != '\r' && s[j] != '\n')
            j++;
        f(b, s + i, j - i);
        if (j < len && s[j] == '\r' && j + 1 < len && s[j + 1] == '\n')
            j++;
        i = j + 1;
    }
}

static void plain_line(sg_mtbuf *b, const char *s, size_t n)
{
    sg_mt_put(b, s, n);
    sg_mt_puts(b, "\r\n");
}

bool sg_mt_seven_bit_text(const char *s, size_t len)
{
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n') {
            col = 0;
            continue;
        }
        if ((c < 0x20 && c != '\t') || c > 0x7E || ++col >= LINE_MAX_7BIT)
            return false;
    }
    return true;
}

void sg_mt_put_text(sg_mtbuf *b, const char *s, size_t len, bool qp)
{
    each_line(b, s, len, qp ? sg_mt_qp_line : plain_line);
}

/* ---- the original header section ---- */

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
    if (n > LINE_MAX_7BIT) /* RFC 5322 §2.1.1: at most 998 characters */
        return false;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || (unsigned char)s[i] > 0x7E)
            return false;
    return true;
}

/* Whether the line at d[i] (n bytes) starts the field `name` ("Name:" or "Name :"). */
static bool starts_field(const char *d, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n < k + 1 || strncasecmp(d, name, k) != 0)
        return false;
    size_t j = k;
    while (j < n && (d[j] == ' ' || d[j] == '\t'))
        j++;
    return j < n && d[j] == ':';
}

/* Calls each line kept (n == 0 never: the section ends at the empty line). */
static bool section_lines(sg_mtbuf *b, sg_message *m, const char *skip, bool qp, bool write)
{
    const char *d = sg_message_data(m);
    size_t end = sg_message_body_offset(m), n;
    bool skipping = false, needs_qp = false;
    for (size_t i = 0; i < end; i = next_line(d, end, i, &n)) {
        next_line(d, end, i, &n);
        if (n == 0)
            break;
        bool continuation = d[i] == ' ' || d[i] == '\t';
        if (!continuation)
            skipping = skip && starts_field(d + i, n, skip);
        if (skipping)
            continue;
        needs_qp = needs_qp || !seven_bit_line(d + i, n);
        if (!write)
            continue;
        if (qp) {
            sg_mt_qp_line(b, d + i, n);
        } else {
            sg_mt_put(b, d + i, n);
            sg_mt_puts(b, "\r\n");
        }
    }
    return needs_qp;
}

bool sg_mt_put_header_section(sg_mtbuf *b, sg_message *m, const char *skip_field)
{
    bool qp = section_lines(b, m, skip_field, false, false);
    section_lines(b, m, skip_field, qp, true);
    return qp;
}

/* ---- MIME boundaries ---- */

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
static bool collides(const char *boundary, const sg_mtbuf *parts, size_t nparts)
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

const char *sg_mt_pick_boundary(sg_arena *arena, const char *given, const sg_mtbuf *parts, size_t nparts)
{
    char b[71];
    clean_boundary(given, b);
    while (!b[0] || collides(b, parts, nparts)) {
        char hex[25];
        sg_random_hex(hex, 24);
        snprintf(b, sizeof b, "=_sievegate_%s", hex);
    }
    return sg_arena_strdup(arena, b);
}
