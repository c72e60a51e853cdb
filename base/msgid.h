/* msgid.h - Message-IDs (RFC 5322 §3.6.4 msg-id) for the mail sievegate
 * writes: bounces (engine/enforce/bounce.c), MDNs, vacation replies and
 * notifications (engine/deliver/).
 *
 * Takes: the id a caller was given (may be NULL), the left part of a new one
 * and the host. Returns: "<...>" in the arena. */
#ifndef SG_MSGID_H
#define SG_MSGID_H

#include "base/arena.h"

/* The given id when one is left of it, else a new one:
 * - given: only its atext, '.', '@', '[' and ']' are kept (at most 200),
 *   "@HOST" is added when it has no '@': "<GIVEN>" or "<GIVEN@HOST>";
 * - new: "<LEFT.RANDOM@HOST>", RANDOM 24 random hex digits (base/hex.h).
 * host must be a clean host name (engine/mail/mailtext.h sg_mt_clean_host). */
const char *sg_message_id(sg_arena *arena, const char *given, const char *left, const char *host);

#endif
