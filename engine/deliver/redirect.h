/* redirect.h - the redirected copy of a message and its envelope sender
 * (docs/policy.md, "What an allowed forward carries";
 * cli.md: hostname, redirect_envelope_from, srs_secret, srs_domain).
 *
 * Takes: the message bytes, the script's owner, the target, the submission
 * configuration (submit.h). Returns: the copy and the envelope sender in the
 * caller's arena, or false / NULL with one sentence in err. No value can add
 * a header field (addresses holding control characters are refused).
 */
#ifndef SG_REDIRECT_H
#define SG_REDIRECT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "engine/deliver/submit.h"

/* The redirected copy of a message: every Return-Path field removed (with its
 * continuation lines), then prepended
 *   Received: by HOST (sievegate)<EOL>\tfor <TARGET>; DATE<EOL>
 *   X-Sieve-Redirected-From: OWNER<EOL>
 * where EOL is the message's own line ending (that of its first line), HOST
 * the cleaned hostname (letters, digits, '.', '-'; NULL = gethostname()), DATE
 * RFC 5322 in UTC (now 0 = the current time). All other bytes are unchanged
 * (DKIM survives). Both fields are 7-bit: a TARGET that is not printable
 * ASCII drops the "for <TARGET>" clause, an OWNER that is not is written as
 * RFC 2047 encoded words. False, with err, when OWNER or TARGET is empty or
 * holds a control character (CR, LF, ...): nothing could add a header field. */
bool sg_redirect_prepare(const char *data, size_t len, const char *owner, const char *target, const char *hostname,
                         time_t now, sg_arena *arena, const char **out, size_t *outlen, char *err, size_t errlen);

/* The envelope sender of a redirected copy per cfg->envelope_from. A null
 * sender ("" or "<>") stays null ("") in every mode. NULL, with err, for a
 * sender or owner with a control character, or "srs" without a secret and
 * domain. Result in arena. */
const char *sg_redirect_envelope_from(const sg_submit_config *cfg, const char *sender, const char *owner, time_t now,
                                      sg_arena *arena, char *err, size_t errlen);

#endif
