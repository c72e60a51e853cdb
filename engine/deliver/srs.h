/* srs.h - the Sender Rewriting Scheme for the envelope sender of a redirected
 * copy (redirect_envelope_from = srs; cli.md: srs_secret, srs_domain).
 *
 * Takes: the secret, our domain, the original sender and the time. Returns:
 * the rewritten sender in the arena. */
#ifndef SG_SRS_H
#define SG_SRS_H

#include <time.h>

#include "base/arena.h"

/* SRS forward rewriting as libsrs2 (postsrsd 1.x, Mail::SRS) does it, hash
 * length 4, separator '=', standard base64 hash, base32 day timestamp
 * (now 0 = the current time):
 *   local@host            -> SRS0=HHHH=TT=host=local@DOMAIN
 *   SRS0=rest@host        -> SRS1=HHHH=host==rest@DOMAIN
 *   SRS1=HHHH=h1==rest@h2 -> SRS1=HHHH=h1==rest@DOMAIN
 * HHHH is HMAC-SHA1(secret, lowercased fields) in base64. A sender without
 * '@', or already in DOMAIN (ASCII case-insensitive), is returned unchanged. */
const char *sg_srs_forward(const char *secret, const char *domain, const char *sender, time_t now, sg_arena *arena);

#endif
