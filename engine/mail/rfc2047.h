/* rfc2047.h - decoding of MIME encoded words in header values (RFC 2047 §2-§6),
 * any charset iconv knows, to UTF-8.
 *
 * Takes: an unfolded header value. Returns: the decoded text in the arena.
 * Whitespace between two adjacent encoded words is dropped (§6.2). Malformed
 * or unknown-charset words are left exactly as they are, never an error.
 */
#ifndef SG_RFC2047_H
#define SG_RFC2047_H

#include <stddef.h>

#include "base/arena.h"

/* Returns `in` itself when there is nothing to decode. */
const char *sg_rfc2047_decode(const char *in, size_t len, sg_arena *arena, size_t *out_len);

/* Converts n octets in `charset` to UTF-8 with iconv (the same conversion
 * the encoded words get). Returns the NUL-terminated text in the arena, or
 * NULL when the charset is unknown or the octets are not valid in it. */
const char *sg_charset_to_utf8(const char *charset, const char *in, size_t n, sg_arena *arena, size_t *out_len);

#endif
