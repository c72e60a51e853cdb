/* addrlist.h - RFC 5322 §3.4 address lists in header fields, for the
 * "address" and "envelope" tests (RFC 5228 §5.1, §2.7.4).
 *
 * Takes: a raw (not RFC 2047-decoded) header value. Returns: every mailbox in
 * it, in order, including the members of groups; an empty group
 * ("undisclosed-recipients:;") yields none. Handles display names, comments,
 * quoted local parts, obsolete routes ("<@a,@b:user@c>"), and several addresses
 * separated by commas. A part that is not a valid address is returned with
 * valid = false and its raw text, so ":all" can still see it but
 * ":localpart"/":domain" never match it (RFC 5228 §5.1).
 */
#ifndef SG_ADDRLIST_H
#define SG_ADDRLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

typedef struct sg_mailbox {
    bool valid;
    const char *local;  /* unquoted local part ("a b" for "\"a b\"@x"); NULL when invalid */
    const char *domain; /* as written (no case change); NULL when invalid or absent */
    const char *raw;    /* trimmed text of this list element */
} sg_mailbox;

/* Returns the number of mailboxes; *out gets an arena array. Never fails. */
size_t sg_addrlist_parse(const char *value, size_t len, sg_arena *arena, sg_mailbox **out);

/* Parses one envelope address (RFC 5321 path without the angle brackets, or
 * with them): "" and "<>" give a null path (returns true, *mb valid with
 * local = domain = ""); "postmaster" alone is valid with domain = NULL. The
 * result equals mb->valid; mb->raw is the path without its angle brackets. */
bool sg_envelope_address_parse(const char *value, sg_arena *arena, sg_mailbox *mb);

struct sg_message;
/* The first valid address of a header field of the message, as local@domain
 * (in arena), or NULL. */
const char *sg_message_first_address(struct sg_message *msg, const char *field, sg_arena *arena);

#endif
