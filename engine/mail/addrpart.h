/* addrpart.h - the part of an address a test compares (RFC 5228 §2.7.4),
 * shared by the "address" and "envelope" tests. */
#ifndef SG_ADDRPART_H
#define SG_ADDRPART_H

#include "engine/mail/addrlist.h"
#include "engine/core/interp.h"

/* Tests every mailbox of `list` with the part the bound tags select (default
 * :all) against the matcher; with :count, only adds the number to *count. */
bool sg_match_mailboxes(sg_interp *in, const sg_bound *b, const sg_matcher *m, const sg_mailbox *list, size_t n,
                        size_t *count);

/* The local part as written in an address: quoted when it is not a dot-atom. */
const char *sg_quote_local_part(const char *local, sg_arena *arena);

bool sg_addrpart_all(const sg_mailbox *mb, const char *sep, sg_arena *arena, const char **out, size_t *len);
bool sg_addrpart_localpart(const sg_mailbox *mb, const char *sep, sg_arena *arena, const char **out, size_t *len);
bool sg_addrpart_domain(const sg_mailbox *mb, const char *sep, sg_arena *arena, const char **out, size_t *len);

#endif
