/* address.h - syntax of outbound addresses in scripts.
 *
 * Takes: a string. Returns: whether it is a "sieve-address" (RFC 5228 §2.4.2.3:
 * addr-spec or phrase "<" addr-spec ">", no route, no group), and why not;
 * the addr-spec as it is decided on and sent.
 * Local parts and domains may hold UTF-8 (RFC 6532).
 */
#ifndef SG_ADDRESS_H
#define SG_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

/* On success returns true and, when spec is not NULL (room for len + 1
 * bytes), writes the addr-spec inside without its comments and folding white
 * space (RFC 5322 §3.4.1 allows CFWS around the local part and the domain:
 * "stephan @example.org", "Name <a@b (work)>" are stephan@example.org and
 * a@b), NUL-terminated, its length in *spec_len: the one form that is
 * decided on and sent. On failure sets *why to a short reason. */
bool sg_address_parse_sieve(const char *s, size_t len, char *spec, size_t *spec_len, const char **why);

#endif
