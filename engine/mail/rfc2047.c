/* rfc2047.c - decoding of MIME encoded words (RFC 2047) to UTF-8; see rfc2047.h.
 *
 * Three steps over one header value:
 *   1. find the encoded words and decode their B or Q text to bytes (§4);
 *   2. convert runs of adjacent words in the same charset together, so a
 *      character split across two words survives (§5 allows the split of the
 *      octets, not of characters, but mailers do it), with iconv;
 *   3. copy the value, replacing each word that converted and dropping the
 *      whitespace between two such words (§6.2).
 * A word whose text, charset or conversion fails is copied as it is written
 * (where Dovecot drops bad base64 and substitutes U+FFFD). Lenient like
 * Pigeonhole: words glued to surrounding text are decoded too, as are empty
 * words and Q text with a stray '='.
 */
#include "engine/mail/rfc2047.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/hex.h"
#include "base/utf8.h"
#include "engine/mail/encword.h"

/* ---- a growable byte buffer (malloc, freed before returning) ---- */

typedef struct {
    char *s;
    size_t len, cap;
} buf;

static void buf_reserve(buf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
        cap *= 2;
    b->s = sg_xrealloc(b->s, cap);
    b->cap = cap;
}

/* b->s + off, also for a buffer that never got any bytes */
static const char *buf_at(const buf *b, size_t off)
{
    return b->s ? b->s + off : "";
}

static void buf_add(buf *b, const char *s, size_t n)
{
    if (n == 0)
        return;
    buf_reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
}

/* ---- step 1: B and Q (RFC 2047 §4) ---- */

/* §4.2: "_" is 0x20, "=XX" an octet; an "=" without two hex digits is kept
 * literally (lenient, as Dovecot). Never fails. */
static void decode_q(const char *t, size_t n, buf *out)
{
    if (n == 0)
        return;
    buf_reserve(out, n); /* Q never grows */
    char *o = out->s + out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '_') {
            *o++ = ' ';
        } else if (c == '=' && i + 2 < n && sg_hex_value((unsigned char)t[i + 1]) >= 0 &&
                   sg_hex_value((unsigned char)t[i + 2]) >= 0) {
            *o++ = (char)(sg_hex_value((unsigned char)t[i + 1]) * 16 + sg_hex_value((unsigned char)t[i + 2]));
            i += 2;
        } else {
            *o++ = (char)c;
        }
    }
    out->len = (size_t)(o - out->s);
}

/* §4.1 (base64, RFC 2045 §6.8). Missing padding is accepted; a character
 * outside the alphabet, data after "=" or a lone final sextet is not. */
static bool decode_b(const char *t, size_t n, buf *out)
{
    size_t got;
    buf_reserve(out, SG_BASE64_DECODED_MAX(n));
    if (!sg_base64_decode(t, n, SG_BASE64_STRICT, out->s + out->len, &got))
        return false;
    out->len += got;
    return true;
}

/* ---- step 2: charsets ---- */

static bool ascii_ieq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* The iconv descriptors opened during one decode call, so a value with many
 * words in a few charsets opens each charset once (unknown ones included). */
#define CONV_SLOTS 4

typedef struct {
    struct {
        char name[64];
        iconv_t cd; /* (iconv_t)-1: unknown to iconv */
    } slot[CONV_SLOTS];
    size_t used, next;
} converters;

static iconv_t converter(converters *cv, const char *charset, size_t cslen)
{
    if (cslen >= sizeof cv->slot[0].name)
        return (iconv_t)-1;
    for (size_t i = 0; i < cv->used; i++)
        if (ascii_ieq(charset, cslen, cv->slot[i].name))
            return cv->slot[i].cd;
    size_t i;
    if (cv->used < CONV_SLOTS) {
        i = cv->used++;
    } else { /* replace the oldest */
        i = cv->next;
        cv->next = (cv->next + 1) % CONV_SLOTS;
        if (cv->slot[i].cd != (iconv_t)-1)
            iconv_close(cv->slot[i].cd);
    }
    for (size_t k = 0; k < cslen; k++) { /* stored lower-case, for ascii_ieq */
        unsigned char c = (unsigned char)charset[k];
        cv->slot[i].name[k] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    cv->slot[i].name[cslen] = '\0';
    cv->slot[i].cd = iconv_open("UTF-8", cv->slot[i].name);
    return cv->slot[i].cd;
}

static void converters_close(converters *cv)
{
    for (size_t i = 0; i < cv->used; i++)
        if (cv->slot[i].cd != (iconv_t)-1)
            iconv_close(cv->slot[i].cd);
}

/* Converts in[0..n) from `charset` to UTF-8 appended to `out`. On failure
 * (unknown charset, invalid or incomplete sequence) `out` is left as it was. */
static bool to_utf8(converters *cv, const char *charset, size_t cslen, const char *in, size_t n, buf *out)
{
    if (ascii_ieq(charset, cslen, "utf-8") || ascii_ieq(charset, cslen, "utf8") ||
        ascii_ieq(charset, cslen, "us-ascii")) {
        if (sg_utf8_invalid_at(in, n) != n)
            return false;
        buf_add(out, in, n);
        return true;
    }
    iconv_t cd = converter(cv, charset, cslen);
    if (cd == (iconv_t)-1)
        return false;
    iconv(cd, NULL, NULL, NULL, NULL); /* back to the initial shift state */
    size_t saved = out->len;
    char *src = (char *)in;
    size_t left = n;
    bool ok = true;
    while (ok && left > 0) {
        buf_reserve(out, left * 4 + 16);
        char *dst = out->s + out->len;
        size_t room = out->cap - out->len;
        size_t r = iconv(cd, &src, &left, &dst, &room);
        out->len = (size_t)(dst - out->s);
        if (r == (size_t)-1 && errno == E2BIG)
            buf_reserve(out, (out->cap - out->len) * 2 + 64); /* always grows */
        else if (r == (size_t)-1)
            ok = false; /* EILSEQ, or EINVAL: incomplete at the end */
    }
    while (ok) { /* write any closing shift sequence (e.g. ISO-2022-JP) */
        buf_reserve(out, 16);
        char *dst = out->s + out->len;
        size_t room = out->cap - out->len;
        size_t r = iconv(cd, NULL, NULL, &dst, &room);
        out->len = (size_t)(dst - out->s);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG)
            buf_reserve(out, (out->cap - out->len) * 2 + 64);
        else
            ok = false;
    }
    if (ok && sg_utf8_invalid_at(out->s + saved, out->len - saved) != out->len - saved)
        ok = false;
    if (!ok)
        out->len = saved;
    return ok;
}

/* ---- the words of one value ---- */

typedef struct {
    size_t start, end;         /* the word in the input */
    const char *cs;            /* charset */
    size_t cs_len;
    size_t payload, plen;      /* decoded octets in the payload buffer */
    size_t conv, clen;         /* UTF-8 in the converted buffer, when ok */
    bool ok;                   /* converted; emitted as conv */
    bool in_run;               /* in a run converted as one piece, not its first: emits nothing */
} word;

typedef struct {
    word *w;
    size_t n, cap;
} words;

static bool only_wsp(const char *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Step 1: every well-formed word whose B/Q text decodes. */
static void find_words(const char *in, size_t len, words *ws, buf *payload)
{
    size_t i = 0;
    while (i + 1 < len) {
        const char *p = memchr(in + i, '=', len - i - 1);
        if (!p)
            break;
        i = (size_t)(p - in);
        sg_encword ew;
        if (in[i + 1] != '?' || !sg_encword_scan(in + i, len - i, &ew)) {
            i++;
            continue;
        }
        size_t before = payload->len;
        bool ok = true;
        if (ew.encoding == 'Q')
            decode_q(ew.text, ew.text_len, payload);
        else
            ok = decode_b(ew.text, ew.text_len, payload);
        if (!ok) {
            payload->len = before;
            i += ew.len;
            continue;
        }
        if (ws->n == ws->cap) {
            ws->cap = ws->cap ? ws->cap * 2 : 8;
            ws->w = sg_xrealloc(ws->w, ws->cap * sizeof *ws->w);
        }
        word *w = &ws->w[ws->n++];
        memset(w, 0, sizeof *w);
        w->start = i;
        w->end = i + ew.len;
        w->cs = ew.charset;
        w->cs_len = ew.charset_len;
        w->payload = before;
        w->plen = payload->len - before;
        i += ew.len;
    }
}

static bool same_charset(const word *a, const word *b)
{
    if (a->cs_len != b->cs_len)
        return false;
    for (size_t i = 0; i < a->cs_len; i++) {
        unsigned char x = (unsigned char)a->cs[i], y = (unsigned char)b->cs[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* Step 2: a run is words in one charset separated only by whitespace. Its
 * payloads are contiguous in `payload`, so it converts as one piece; if that
 * fails, each word is tried alone. */
static void convert_words(converters *cv, const char *in, words *ws, const buf *payload, buf *conv)
{
    size_t i = 0;
    while (i < ws->n) {
        size_t j = i + 1;
        while (j < ws->n && same_charset(&ws->w[i], &ws->w[j]) &&
               only_wsp(in, ws->w[j - 1].end, ws->w[j].start))
            j++;
        word *head = &ws->w[i];
        size_t start = conv->len;
        size_t plen = ws->w[j - 1].payload + ws->w[j - 1].plen - head->payload;
        if (j - i > 1 && to_utf8(cv, head->cs, head->cs_len, buf_at(payload, head->payload), plen, conv)) {
            head->ok = true;
            head->conv = start;
            head->clen = conv->len - start;
            for (size_t k = i + 1; k < j; k++)
                ws->w[k].ok = ws->w[k].in_run = true;
        } else {
            for (size_t k = i; k < j; k++) {
                word *w = &ws->w[k];
                w->conv = conv->len;
                w->ok = to_utf8(cv, w->cs, w->cs_len, buf_at(payload, w->payload), w->plen, conv);
                w->clen = conv->len - w->conv;
            }
        }
        i = j;
    }
}

/* Step 3. Whitespace between two converted words is dropped (§6.2). */
static void emit(const char *in, size_t len, const words *ws, const buf *conv, buf *out)
{
    size_t at = 0;
    bool prev_ok = false;
    for (size_t k = 0; k < ws->n; k++) {
        const word *w = &ws->w[k];
        if (!(w->ok && prev_ok && only_wsp(in, at, w->start)))
            buf_add(out, in + at, w->start - at);
        if (w->in_run)
            ;
        else if (w->ok)
            buf_add(out, buf_at(conv, w->conv), w->clen);
        else
            buf_add(out, in + w->start, w->end - w->start);
        at = w->end;
        prev_ok = w->ok;
    }
    buf_add(out, in + at, len - at);
}

const char *sg_rfc2047_decode(const char *in, size_t len, sg_arena *arena, size_t *out_len)
{
    *out_len = len;
    if (len < 8)
        return in; /* the shortest word, "=?a?q??=", has 8 octets */
    words ws = {0};
    buf payload = {0}, conv = {0}, out = {0};
    find_words(in, len, &ws, &payload);
    const char *result = in;
    if (ws.n) {
        converters cv = {0};
        convert_words(&cv, in, &ws, &payload, &conv);
        converters_close(&cv);
        bool any = false;
        for (size_t k = 0; k < ws.n; k++)
            any = any || ws.w[k].ok;
        if (any) {
            emit(in, len, &ws, &conv, &out);
            result = sg_arena_strndup(arena, out.s ? out.s : "", out.len);
            *out_len = out.len;
        }
    }
    free(ws.w);
    free(payload.s);
    free(conv.s);
    free(out.s);
    return result;
}

const char *sg_charset_to_utf8(const char *charset, const char *in, size_t n, sg_arena *arena, size_t *out_len)
{
    converters cv = {0};
    buf out = {0};
    bool ok = to_utf8(&cv, charset, strlen(charset), in, n, &out);
    converters_close(&cv);
    const char *result = ok ? sg_arena_strndup(arena, out.s ? out.s : "", out.len) : NULL;
    *out_len = ok ? out.len : 0;
    free(out.s);
    return result;
}
