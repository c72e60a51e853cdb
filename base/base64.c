/* base64.c - see base64.h. */
#include "base/base64.h"

#include <stdint.h>

static const char alphabet_padded[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char alphabet_imap[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

size_t sg_base64_encode(const void *data, size_t n, sg_base64_style style, char *out)
{
    const unsigned char *s = data;
    const char *alphabet = style == SG_BASE64_IMAP ? alphabet_imap : alphabet_padded;
    bool pad = style == SG_BASE64_PADDED;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        if (i + 1 < n)
            out[o++] = alphabet[v >> 6 & 63];
        else if (pad)
            out[o++] = '=';
        if (i + 2 < n)
            out[o++] = alphabet[v & 63];
        else if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

/* The value of a character of the RFC 4648 §4 alphabet, or -1. */
static int value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

bool sg_base64_decode(const char *in, size_t len, sg_base64_mode mode, void *out, size_t *outlen)
{
    unsigned char *o = out;
    size_t n = 0, data = len;
    *outlen = 0;
    if (mode == SG_BASE64_STRICT) {
        while (data > 0 && in[data - 1] == '=')
            data--;
        if (len - data > 2 || data % 4 == 1)
            return false;
    }
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < data; i++) {
        if (mode == SG_BASE64_LENIENT && in[i] == '=')
            break;
        int v = value((unsigned char)in[i]);
        if (v < 0) {
            if (mode == SG_BASE64_STRICT)
                return false;
            continue;
        }
        acc = ((acc << 6) | (uint32_t)v) & 0xFFFFFFu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[n++] = (unsigned char)((acc >> bits) & 0xFF);
        }
    }
    *outlen = n;
    return true;
}
