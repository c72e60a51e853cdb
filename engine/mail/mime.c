/* mime.c - splits a message into its MIME parts, decodes their content; see mime.h.
 *
 * One pass per multipart level over the lines of that part's body: a line
 * that starts with "--" boundary is a delimiter (RFC 2046 §5.1.1; trailing
 * text after the boundary is tolerated as Dovecot does), "--" boundary "--"
 * the close delimiter. The line break before a delimiter belongs to it. Each
 * part's header section is an sg_message over the part's bytes, so it is
 * indexed lazily like the message's own. Recursion is bounded by max_depth
 * and the number of parts by max_parts.
 */
#include "engine/mail/mime.h"

#include <string.h>
#include <strings.h>

#include "base/base64.h"
#include "base/hex.h"
#include "base/utf8.h"
#include "engine/mail/rfc2047.h"

struct sg_mime {
    sg_arena *arena;
    sg_mime_limits limits;
    sg_mime_part *parts;
    size_t count, cap;
    const char *limit_hit;
    /* decoded content per part: [0] transfer-decoded, [1] also UTF-8 */
    const char **content[2];
    size_t *content_len[2];
};

/* ---- Content-Type (RFC 2045 §5.1) ---- */

static bool tspecial(unsigned char c)
{
    return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static bool token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7F && !tspecial(c);
}

/* Skips whitespace and RFC 5322 comments. */
static size_t skip_cfws(const char *s, size_t len, size_t i)
{
    while (i < len) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
            i++;
        } else if (s[i] == '(') {
            int level = 0;
            while (i < len) {
                if (s[i] == '\\' && i + 1 < len)
                    i++;
                else if (s[i] == '(')
                    level++;
                else if (s[i] == ')' && --level == 0) {
                    i++;
                    break;
                }
                i++;
            }
        } else {
            break;
        }
    }
    return i;
}

static char *lower_dup(sg_arena *arena, const char *s, size_t n)
{
    char *out = sg_arena_strndup(arena, s, n);
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return out;
}

static size_t token_end(const char *s, size_t len, size_t i)
{
    while (i < len && token_char((unsigned char)s[i]))
        i++;
    return i;
}

void sg_mime_content_type(const char *value, size_t len, sg_arena *arena, const char **type, const char **subtype,
                          sg_mime_param **params, size_t *nparams)
{
    *type = *subtype = NULL;
    *params = NULL;
    *nparams = 0;
    size_t i = skip_cfws(value, len, 0);
    size_t t0 = i, t1 = token_end(value, len, i);
    i = skip_cfws(value, len, t1);
    if (t1 > t0 && i < len && value[i] == '/') {
        i = skip_cfws(value, len, i + 1);
        size_t s0 = i, s1 = token_end(value, len, i);
        if (s1 > s0) {
            *type = lower_dup(arena, value + t0, t1 - t0);
            *subtype = lower_dup(arena, value + s0, s1 - s0);
        }
        i = s1;
    }
    /* parameters: ';' attribute '=' value, as many as are well formed */
    size_t cap = 0;
    for (size_t k = i; k < len; k++)
        cap += value[k] == ';';
    if (cap == 0)
        return;
    sg_mime_param *ps = sg_arena_alloc(arena, cap * sizeof *ps);
    size_t n = 0;
    while (i < len && n < cap) {
        const char *semi = memchr(value + i, ';', len - i);
        if (!semi)
            break;
        i = skip_cfws(value, len, (size_t)(semi - value) + 1);
        size_t a0 = i, a1 = token_end(value, len, i);
        i = skip_cfws(value, len, a1);
        if (a1 == a0 || i >= len || value[i] != '=')
            continue;
        i = skip_cfws(value, len, i + 1);
        char *v;
        if (i < len && value[i] == '"') {
            v = sg_arena_alloc(arena, len - i + 1);
            size_t o = 0;
            for (i++; i < len && value[i] != '"'; i++) {
                if (value[i] == '\\' && i + 1 < len)
                    i++;
                v[o++] = value[i];
            }
            v[o] = '\0';
            if (i < len)
                i++;
        } else {
            size_t v0 = i, v1 = token_end(value, len, i);
            v = sg_arena_strndup(arena, value + v0, v1 - v0);
            i = v1;
        }
        ps[n].name = lower_dup(arena, value + a0, a1 - a0);
        ps[n].value = v;
        n++;
    }
    *params = ps;
    *nparams = n;
}

static const char *param(const sg_mime_part *p, const char *name)
{
    for (size_t i = 0; i < p->nparams; i++)
        if (strcmp(p->params[i].name, name) == 0)
            return p->params[i].value;
    return NULL;
}

/* ---- splitting ---- */

static size_t add_part(sg_mime *m)
{
    if (m->count == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 16;
        sg_mime_part *n = sg_arena_alloc(m->arena, ncap * sizeof *n);
        if (m->count)
            memcpy(n, m->parts, m->count * sizeof *n);
        m->parts = n;
        m->cap = ncap;
    }
    memset(&m->parts[m->count], 0, sizeof m->parts[0]);
    return m->count++;
}

static void parse_part(sg_mime *m, sg_message *hdr, unsigned depth, size_t parent, bool digest_child);

/* Where the line starting at `at` ends (at its '\n', or at `end`). */
static size_t line_end(const char *s, size_t at, size_t end)
{
    const char *nl = memchr(s + at, '\n', end - at);
    return nl ? (size_t)(nl - s) : end;
}

/* 1: delimiter, 2: close delimiter, 0: neither. */
static int delimiter(const char *s, size_t at, size_t end, const char *boundary, size_t blen)
{
    if (end - at < blen + 2 || s[at] != '-' || s[at + 1] != '-' || memcmp(s + at + 2, boundary, blen) != 0)
        return 0;
    size_t after = at + 2 + blen;
    return after + 1 < end && s[after] == '-' && s[after + 1] == '-' ? 2 : 1;
}

/* The end of content before a delimiter line at `at` (the CRLF or LF before it belongs to it). */
static size_t before_delimiter(const char *s, size_t from, size_t at)
{
    if (at > from && s[at - 1] == '\n') {
        at--;
        if (at > from && s[at - 1] == '\r')
            at--;
    }
    return at;
}

/* RFC 2046 §5.1.1: splits part `self`'s body at its boundary; false when no delimiter is found. */
static bool split_multipart(sg_mime *m, size_t self, const char *boundary)
{
    const char *s = m->parts[self].body;
    size_t len = m->parts[self].body_len, blen = strlen(boundary);
    unsigned depth = m->parts[self].depth;
    bool digest = strcmp(m->parts[self].subtype, "digest") == 0;
    size_t at = 0, start = 0;
    bool in_part = false, found = false;
    while (at < len) {
        size_t le = line_end(s, at, len);
        int d = delimiter(s, at, le, boundary, blen);
        if (d) {
            size_t content_end = before_delimiter(s, start, at);
            if (!found) {
                m->parts[self].preamble = s;
                m->parts[self].preamble_len = content_end;
            } else if (in_part) {
                if (m->count >= m->limits.max_parts) {
                    m->limit_hit = "mime-part-limit";
                    return true;
                }
                sg_message *hdr = sg_message_parse(s + start, content_end - start, m->arena);
                parse_part(m, hdr, depth + 1, self, digest);
            }
            found = true;
            start = le < len ? le + 1 : len;
            in_part = d == 1;
            if (d == 2) {
                m->parts[self].epilogue = s + start;
                m->parts[self].epilogue_len = len - start;
                return true;
            }
        }
        at = le + 1;
    }
    if (in_part && m->count < m->limits.max_parts) { /* no close delimiter: the last part runs to the end */
        sg_message *hdr = sg_message_parse(s + start, len - start, m->arena);
        parse_part(m, hdr, depth + 1, self, digest);
    } else if (in_part) {
        m->limit_hit = "mime-part-limit";
    }
    return found;
}

static void parse_part(sg_mime *m, sg_message *hdr, unsigned depth, size_t parent, bool digest_child)
{
    size_t self = add_part(m);
    sg_mime_part *p = &m->parts[self];
    p->headers = hdr;
    p->depth = depth;
    p->parent = parent;
    size_t off = sg_message_body_offset(hdr);
    p->body = sg_message_data(hdr) + off;
    p->body_len = sg_message_size(hdr) - off;
    const char *const *v;
    if (sg_message_header_raw_values(hdr, "content-type", &v) > 0)
        sg_mime_content_type(v[0], strlen(v[0]), m->arena, &p->type, &p->subtype, &p->params, &p->nparams);
    if (!p->type) { /* RFC 2045 §5.2; RFC 2046 §5.1.5 in a digest */
        p->type = digest_child ? "message" : "text";
        p->subtype = digest_child ? "rfc822" : "plain";
    }
    p->encoding = "7bit";
    if (sg_message_header_raw_values(hdr, "content-transfer-encoding", &v) > 0) {
        size_t i = skip_cfws(v[0], strlen(v[0]), 0), e = token_end(v[0], strlen(v[0]), i);
        if (e > i)
            p->encoding = lower_dup(m->arena, v[0] + i, e - i);
    }
    bool room = depth < m->limits.max_depth;
    if (strcmp(p->type, "multipart") == 0) {
        const char *boundary = param(p, "boundary");
        if (boundary && *boundary && !room) {
            m->limit_hit = "mime-depth-limit";
        } else if (boundary && *boundary) {
            p->multipart = true;
            if (!split_multipart(m, self, boundary))
                m->parts[self].multipart = false; /* no delimiter at all: text */
        }
    } else if (strcmp(p->type, "message") == 0 && strcmp(p->subtype, "rfc822") == 0) {
        if (!room) {
            m->limit_hit = "mime-depth-limit";
        } else if (m->count >= m->limits.max_parts) {
            m->limit_hit = "mime-part-limit";
        } else {
            p->message = true;
            const char *body = p->body;
            size_t body_len = p->body_len;
            parse_part(m, sg_message_parse(body, body_len, m->arena), depth + 1, self, false);
        }
    }
    m->parts[self].end = m->count;
}

sg_mime *sg_mime_parse(sg_message *msg, const sg_mime_limits *limits, sg_arena *arena)
{
    sg_mime *m = sg_arena_calloc(arena, sizeof *m);
    m->arena = arena;
    m->limits.max_depth = limits && limits->max_depth ? limits->max_depth : SG_MIME_DEFAULT_MAX_DEPTH;
    m->limits.max_parts = limits && limits->max_parts ? limits->max_parts : SG_MIME_DEFAULT_MAX_PARTS;
    m->limits.max_scan = limits && limits->max_scan ? limits->max_scan : SG_MIME_DEFAULT_MAX_SCAN;
    parse_part(m, msg, 0, 0, false);
    for (int k = 0; k < 2; k++) {
        m->content[k] = sg_arena_calloc(arena, m->count * sizeof *m->content[k]);
        m->content_len[k] = sg_arena_calloc(arena, m->count * sizeof *m->content_len[k]);
    }
    return m;
}

size_t sg_mime_count(const sg_mime *mime)
{
    return mime->count;
}

const sg_mime_part *sg_mime_part_at(const sg_mime *mime, size_t index)
{
    return index < mime->count ? &mime->parts[index] : NULL;
}

const char *sg_mime_limit_hit(const sg_mime *mime)
{
    return mime->limit_hit;
}

/* ---- decoding (RFC 2045 §6) ---- */

char *sg_mime_decode_base64(const char *in, size_t len, sg_arena *arena, size_t *out_len)
{
    char *out = sg_arena_alloc_bytes(arena, SG_BASE64_DECODED_MAX(len) + 1);
    sg_base64_decode(in, len, SG_BASE64_LENIENT, out, out_len); /* §6.8 */
    out[*out_len] = '\0';
    return out;
}

char *sg_mime_decode_qp(const char *in, size_t len, sg_arena *arena, size_t *out_len)
{
    char *out = sg_arena_alloc_bytes(arena, len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '=') {
            size_t j = i + 1;
            while (j < len && (in[j] == ' ' || in[j] == '\t'))
                j++;
            if (j < len && (in[j] == '\n' || (in[j] == '\r' && j + 1 < len && in[j + 1] == '\n'))) {
                i = in[j] == '\r' ? j + 1 : j; /* §6.7 rule 5: soft line break */
                continue;
            }
            if (j == len) {
                i = len;
                continue;
            }
            if (i + 2 < len && sg_hex_value((unsigned char)in[i + 1]) >= 0 && sg_hex_value((unsigned char)in[i + 2]) >= 0) {
                out[o++] = (char)(sg_hex_value((unsigned char)in[i + 1]) * 16 + sg_hex_value((unsigned char)in[i + 2]));
                i += 2;
                continue;
            }
        } else if (c == ' ' || c == '\t') {
            /* §6.7 rule 3: trailing whitespace on a line is transport padding */
            size_t j = i;
            while (j < len && (in[j] == ' ' || in[j] == '\t'))
                j++;
            if (j == len || in[j] == '\n' || (in[j] == '\r' && j + 1 < len && in[j + 1] == '\n')) {
                i = j - 1;
                continue;
            }
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* Text that needs no conversion: the charset is UTF-8 or US-ASCII (of which
 * UTF-8 is a superset) and the bytes are valid UTF-8. */
static bool already_utf8(const char *charset, const char *s, size_t n)
{
    if (strcasecmp(charset, "utf-8") != 0 && strcasecmp(charset, "us-ascii") != 0 && strcasecmp(charset, "ascii") != 0)
        return false;
    return sg_utf8_invalid_at(s, n) == n;
}

const char *sg_mime_content(sg_mime *mime, size_t index, bool to_utf8, size_t *len)
{
    if (index >= mime->count) {
        *len = 0;
        return "";
    }
    int k = to_utf8 ? 1 : 0;
    if (mime->content[k][index]) {
        *len = mime->content_len[k][index];
        return mime->content[k][index];
    }
    const sg_mime_part *p = &mime->parts[index];
    const char *out;
    size_t n;
    /* only the first max_scan bytes of a part's body are looked at (mime.h) */
    size_t body_len = p->body_len < mime->limits.max_scan ? p->body_len : mime->limits.max_scan;
    if (to_utf8) {
        out = sg_mime_content(mime, index, false, &n);
        const char *charset = param(p, "charset");
        if (strcmp(p->type, "text") == 0 && charset && *charset && !already_utf8(charset, out, n)) {
            size_t cn;
            const char *conv = sg_charset_to_utf8(charset, out, n, mime->arena, &cn);
            if (conv) {
                out = conv;
                n = cn;
            }
        }
    } else if (strcmp(p->encoding, "base64") == 0) {
        out = sg_mime_decode_base64(p->body, body_len, mime->arena, &n);
    } else if (strcmp(p->encoding, "quoted-printable") == 0) {
        out = sg_mime_decode_qp(p->body, body_len, mime->arena, &n);
    } else { /* 7bit, 8bit, binary: the bytes as they are, not copied */
        out = p->body;
        n = body_len;
    }
    mime->content[k][index] = out;
    mime->content_len[k][index] = n;
    *len = n;
    return out;
}

/* Pigeonhole's :text reads text/html as the text it shows: tags (and the
 * contents of script and style elements) removed, the common entities
 * decoded. */
static const char *html_text(const char *s, size_t len, sg_arena *arena, size_t *out_len)
{
    static const struct {
        const char *name;
        const char *text;
    } entities[] = {{"amp;", "&"}, {"lt;", "<"}, {"gt;", ">"}, {"quot;", "\""}, {"apos;", "'"}, {"nbsp;", " "}};
    char *out = sg_arena_alloc_bytes(arena, len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] == '<') {
            bool skip = (len - i > 7 && strncasecmp(s + i, "<script", 7) == 0) ||
                        (len - i > 6 && strncasecmp(s + i, "<style", 6) == 0);
            const char *close = skip ? (s[i + 2] == 'c' || s[i + 2] == 'C' ? "</script" : "</style") : NULL;
            const char *gt = memchr(s + i, '>', len - i);
            i = gt ? (size_t)(gt - s) + 1 : len;
            if (close) {
                size_t cl = strlen(close);
                while (i + cl <= len && strncasecmp(s + i, close, cl) != 0)
                    i++;
                gt = i < len ? memchr(s + i, '>', len - i) : NULL;
                i = gt ? (size_t)(gt - s) + 1 : len;
            }
            continue;
        }
        if (s[i] == '&') {
            bool done = false;
            for (size_t k = 0; k < sizeof entities / sizeof entities[0] && !done; k++) {
                size_t n = strlen(entities[k].name);
                if (len - i > n && strncmp(s + i + 1, entities[k].name, n) == 0) {
                    out[o++] = entities[k].text[0];
                    i += n + 1;
                    done = true;
                }
            }
            if (done)
                continue;
        }
        out[o++] = s[i++];
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

const char *sg_mime_text(sg_mime *mime, size_t index, size_t *len)
{
    const char *s = sg_mime_content(mime, index, true, len);
    const sg_mime_part *p = sg_mime_part_at(mime, index);
    if (p && strcmp(p->type, "text") == 0 && strcmp(p->subtype, "html") == 0)
        s = html_text(s, *len, mime->arena, len);
    return s;
}
