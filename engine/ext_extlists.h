/* ext_extlists.h - what the base "redirect" needs of the "extlists"
 * extension (RFC 6134): its ":list" form. */
#ifndef SG_EXT_EXTLISTS_H
#define SG_EXT_EXTLISTS_H

#include "interp.h"

/* "redirect :list NAME": one redirect per member of the list, each through
 * sg_result_add (so the redirect limit and, in the plan, the forwarding
 * policy apply to every address). A list that does not exist, or a member
 * that is not an address, is a runtime error. */
void sg_extlists_redirect(sg_interp *in, const sg_node *node, const sg_bound *b);

#endif
