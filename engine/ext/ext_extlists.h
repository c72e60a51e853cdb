/* ext_extlists.h - what the base "redirect" needs of the "extlists"
 * extension (RFC 6134): its ":list" form. */
#ifndef SG_EXT_EXTLISTS_H
#define SG_EXT_EXTLISTS_H

#include "engine/core/interp.h"
#include "engine/core/validate.h"

/* "redirect :list NAME": one redirect per member of the list, each through
 * sg_result_add (so the redirect limit and, in the plan, the forwarding
 * policy apply to every address). A list that does not exist, or a member
 * that is not an address, is a runtime error. */
void sg_extlists_redirect(sg_interp *in, const sg_node *node, const sg_bound *b);
/* Compile time: a literal list name of "redirect :list" must be a list name. */
void sg_extlists_check_redirect(sg_validator *v, const sg_bound *b);

#endif
