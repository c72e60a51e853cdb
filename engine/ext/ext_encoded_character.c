/* ext_encoded_character.c - the "encoded-character" extension (RFC 5228 §2.4.2.4). */
#include "engine/ext/ext_encoded_character.h"

#include <string.h>

#include "base/hex.h"
#include "base/utf8.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

const sg_extension sg_ext_encoded_character = {.name = "encoded-character"};

static bool prefix_ci(const char *s, const char *prefix, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != prefix[i])
            return false;
    }
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses "${hex:...}" or "${unicode:...}" at s[i]; on success writes the decoded
 * bytes to out (and *outlen) and returns the length consumed, else 0.
 * *bad_unicode is set for a well-formed sequence with an out-of-range value. */
static size_t decode_one(const char *s, size_t len, size_t i, char *out, size_t *outlen, bool *bad_unicode)
{
    static const char hexp[] = "${hex:", unip[] = "${unicode:";
    bool unicode;
    size_t j;
    if (len - i >= 6 && prefix_ci(s + i, hexp, 6))
        unicode = false, j = i + 6;
    else if (len - i >= 10 && prefix_ci(s + i, unip, 10))
        unicode = true, j = i + 10;
    else
        return 0;
    size_t n = 0, groups = 0;
    for (;;) {
        while (j < len && is_blank(s[j]))
            j++;
        if (j >= len)
            return 0;
        if (s[j] == '}')
            break;
        size_t start = j;
        uint32_t value = 0;
        bool overflow = false;
        while (j < len && sg_hex_value((unsigned char)s[j]) >= 0) {
            if (value > 0x0FFFFFFF)
                overflow = true;
            value = (value << 4) | (uint32_t)sg_hex_value((unsigned char)s[j]);
            j++;
        }
        size_t digits = j - start;
        if (digits == 0)
            return 0;
        if (j < len && !is_blank(s[j]) && s[j] != '}')
            return 0;
        if (!unicode) {
            if (digits > 2)
                return 0;
            out[n++] = (char)value;
        } else {
            if (overflow || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
                *bad_unicode = true;
                value = 0xFFFD;
            }
            n += sg_utf8_encode(value, out + n);
        }
        groups++;
    }
    if (groups == 0)
        return 0;
    *outlen = n;
    return j + 1 - i;
}

void sg_encoded_character_decode(struct sg_validator *v, sg_string *str)
{
    const char *s = str->data;
    size_t len = str->len;
    const char *first = memchr(s, '$', len);
    if (!first)
        return;
    /* A decoded sequence is never longer than its encoding, so len bytes suffice. */
    char *out = sg_arena_alloc(v->script->arena, len + 1);
    size_t n = (size_t)(first - s);
    memcpy(out, s, n);
    bool changed = false;
    for (size_t i = n; i < len;) {
        size_t dlen = 0, used = 0;
        bool bad = false;
        if (s[i] == '$' && i + 1 < len && s[i + 1] == '{')
            used = decode_one(s, len, i, out + n, &dlen, &bad);
        if (used) {
            if (bad)
                sg_error(v->diags, str->loc, "encoded-character",
                         "invalid Unicode value in \"%.*s\" (allowed: 0-D7FF and E000-10FFFF, "
                         "RFC 5228 §2.4.2.4)",
                         (int)(used > 60 ? 60 : used), s + i);
            n += dlen;
            i += used;
            changed = true;
            continue;
        }
        out[n++] = s[i++];
    }
    if (changed) {
        out[n] = '\0';
        str->data = out;
        str->len = (uint32_t)n;
    }
}
