/* address.h - syntax of outbound addresses in scripts.
 *
 * Takes: a string. Returns: whether it is a "sieve-address" (RFC 5228 §2.4.2.3:
 * addr-spec or phrase "<" addr-spec ">", no route, no group), and why not.
 * Local parts and domains may hold UTF-8 (RFC 6532).
 */
#ifndef SG_ADDRESS_H
#define SG_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

/* On success returns true and, when non-NULL, sets *spec and *spec_len to the
 * addr-spec inside; on failure sets *why to a short reason. */
bool sg_address_parse_sieve(const char *s, size_t len, const char **spec, size_t *spec_len,
                            const char **why);

#endif
