/* encword.h - recognizes the shape of one RFC 2047 encoded word (internal).
 *
 * Takes: text that starts with "=?". Returns: whether an encoded word
 * "=?charset[*lang]?B|Q?text?=" starts there, and its parts. Only the syntax
 * is checked here; decoding is rfc2047.c's job. Shared by rfc2047.c (decoding)
 * and addrlist.c (so a display name's encoded word is one atom even when its
 * text holds specials such as ',').
 */
#ifndef SG_ENCWORD_H
#define SG_ENCWORD_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sg_encword {
    const char *charset; /* without the RFC 2231 "*language" suffix */
    size_t charset_len;
    char encoding; /* 'B' or 'Q' (upper-cased) */
    const char *text;
    size_t text_len;
    size_t len; /* of the whole word, "=?" to "?=" */
} sg_encword;

/* charset = token (RFC 2047 §2); lenient: '.', ':' and '*' are allowed
 * (charset names such as "ANSI_X3.4-1968"), '?', '=', controls and the other
 * specials are not. '/' is not either: "x//TRANSLIT" would be an iconv option. */
static inline bool sg_encword_charset_char(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7F)
        return false;
    switch (c) {
    case '?': case '=': case '(': case ')': case '<': case '>':
    case '@': case ',': case ';': case '"': case '[': case ']': case '\\': case '/':
        return false;
    default:
        return true;
    }
}

/* encoded-text = 1*<printable ASCII except "?" and SPACE> (RFC 2047 §2);
 * an empty text is accepted, as Dovecot does. Stops at the first '?', so
 * scanning is linear even when many candidates fail. */
static inline bool sg_encword_scan(const char *s, size_t len, sg_encword *w)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len < 2 || u[0] != '=' || u[1] != '?')
        return false;
    size_t i = 2;
    while (i < len && sg_encword_charset_char(u[i]))
        i++;
    if (i == 2 || i >= len || u[i] != '?')
        return false;
    size_t cs_end = i;
    /* RFC 2231 §5: "charset*language" */
    for (size_t k = 2; k < i; k++) {
        if (u[k] == '*') {
            cs_end = k;
            break;
        }
    }
    if (cs_end == 2)
        return false;
    i++;
    if (i + 1 >= len || u[i + 1] != '?')
        return false;
    char enc = (char)u[i];
    if (enc == 'b' || enc == 'q')
        enc = (char)(enc - 'a' + 'A');
    if (enc != 'B' && enc != 'Q')
        return false;
    i += 2;
    size_t text = i;
    while (i < len && u[i] > 0x20 && u[i] < 0x7F && u[i] != '?')
        i++;
    if (i + 1 >= len || u[i] != '?' || u[i + 1] != '=')
        return false;
    w->charset = s + 2;
    w->charset_len = cs_end - 2;
    w->encoding = enc;
    w->text = s + text;
    w->text_len = i - text;
    w->len = i + 2;
    return true;
}

#endif
