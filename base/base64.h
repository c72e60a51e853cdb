/* base64.h - the one base64 codec (RFC 4648 §4), for MIME bodies and encoded
 * words (engine/mail/mime.c, rfc2047.c, mailtext.c), SRS hashes
 * (engine/deliver/srs.c) and IMAP folder names (engine/deliver/maildir_name.c).
 *
 * Takes: bytes, or base64 text and how strict to be. Returns: text or bytes
 * in the caller's buffer (sizes below); nothing is allocated. */
#ifndef SG_BASE64_H
#define SG_BASE64_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    SG_BASE64_PADDED = 0, /* RFC 4648 §4: "+/" and '=' padding to a multiple of 4 */
    SG_BASE64_IMAP,       /* RFC 3501 §5.1.3 modified BASE64: "+," and no padding */
} sg_base64_style;

/* Bytes needed for the text of n bytes, with its NUL. */
#define SG_BASE64_ENCODED_SIZE(n) (((n) + 2) / 3 * 4 + 1)

/* Writes the text of data[0..n) and a NUL into out (SG_BASE64_ENCODED_SIZE(n)
 * bytes); returns its length. */
size_t sg_base64_encode(const void *data, size_t n, sg_base64_style style, char *out);

typedef enum {
    /* RFC 2045 §6.8 (bodies): a character outside the alphabet (line breaks
     * and others) is skipped, the first '=' ends the data. Never fails. */
    SG_BASE64_LENIENT = 0,
    /* RFC 2047 §4.1 (encoded words): at most two '=' and only at the end,
     * which may be missing; false for any other character or a lone final
     * character (6 bits). */
    SG_BASE64_STRICT,
} sg_base64_mode;

/* Bytes that decoding len characters can give at most. */
#define SG_BASE64_DECODED_MAX(len) ((len) / 4 * 3 + 3)

/* Decodes in[0..len) into out (SG_BASE64_DECODED_MAX(len) bytes); *outlen
 * gets the count. Bits left over at the end (fewer than 8) are dropped. On
 * false, out holds garbage and *outlen is 0. */
bool sg_base64_decode(const char *in, size_t len, sg_base64_mode mode, void *out, size_t *outlen);

#endif
