/* hex.h - hexadecimal digits: writing bytes as hex (percent-encoding,
 * quoted-printable, random ids), reading one digit, and random hex for
 * Message-IDs and MIME boundaries.
 *
 * Takes: bytes or a character. Returns: digits in the caller's buffer, a
 * digit's value. Nothing is allocated; no state. */
#ifndef SG_HEX_H
#define SG_HEX_H

#include <stdbool.h>
#include <stddef.h>

/* The two digits of byte c into out[0], out[1] (no NUL). */
void sg_hex_byte(unsigned char c, bool upper, char out[2]);

/* The 2n digits of data[0..n) and a NUL into out (2n + 1 bytes). */
void sg_hex_encode(const void *data, size_t n, bool upper, char *out);

/* The value of one hex digit (either case), or -1. */
int sg_hex_value(unsigned char c);

/* nhex (at most 64) random lower-case digits and a NUL into out: from
 * getentropy(3), else a mix of the clock, the pid and a stack address
 * (unique enough for a Message-ID or a boundary, never a secret). */
void sg_random_hex(char *out, size_t nhex);

#endif
