/* atext.h - the RFC 5322 §3.2.3 atext character class, the one definition
 * behind dot-atoms in addresses (engine/mail/address.c, addrlist.c,
 * addrpart.c; policy/decide.c) and Message-IDs (base/msgid.c).
 *
 * Takes: one byte. Returns: whether it is in the class. */
#ifndef SG_ATEXT_H
#define SG_ATEXT_H

#include <stdbool.h>

/* atext = ALPHA / DIGIT / "!#$%&'*+-/=?^_`{|}~"; false for NUL. */
bool sg_is_atext(unsigned char c);

/* atext as RFC 6532 §3.2 extends it: every byte >= 0x80 (UTF-8) too. */
bool sg_is_atext_utf8(unsigned char c);

#endif
