/* utf8.h - UTF-8 validation, decoding and encoding (RFC 3629). */
#ifndef SG_UTF8_H
#define SG_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns the byte offset of the first invalid sequence, or `len` when valid. */
size_t sg_utf8_invalid_at(const char *s, size_t len);

/* Writes the UTF-8 encoding of `cp` (must be a scalar value) to `out`; returns its length. */
size_t sg_utf8_encode(uint32_t cp, char out[4]);

/* One code point of possibly invalid UTF-8 at s[*i] (advancing *i); an
 * invalid sequence is one U+FFFD a byte. */
uint32_t sg_utf8_next(const unsigned char *s, size_t len, size_t *i);

/* Number of code points in s[0..len) (continuation bytes are not counted). */
size_t sg_utf8_columns(const char *s, size_t len);

#endif
