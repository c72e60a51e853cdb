/* ext_mailbox.h - the part of RFC 5490 ("mailbox") that special-use calls. */
#ifndef SG_EXT_MAILBOX_H
#define SG_EXT_MAILBOX_H

#include <stdbool.h>

#include "engine/core/interp.h"

/* Whether the run's mailbox store holds `name` (without a store: INBOX alone). */
bool sg_interp_mailbox_exists(sg_interp *in, const char *name);

#endif
