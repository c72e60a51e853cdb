/* ext_special_use.h - the parts of RFC 8579 ("special-use") that fileinto
 * and fcc call for ":specialuse" (the registry has no per-tag hook). */
#ifndef SG_EXT_SPECIAL_USE_H
#define SG_EXT_SPECIAL_USE_H

#include "engine/core/interp.h"
#include "engine/core/validate.h"

/* Compile time: a literal attribute must be "\" atom (RFC 8579 §3). */
void sg_special_use_check_tag(sg_validator *v, const sg_arg *param);
/* RFC 8579 §4: the mailbox holding `use`, else `fallback`; NULL after a
 * runtime error (an attribute built from variables that is not valid). */
const char *sg_special_use_mailbox(sg_interp *in, const sg_node *node, const char *use, const char *fallback);

#endif
