/* ext_fcc.h - the parts of RFC 8580 ("fcc") that vacation and notify call:
 * the registry has no per-tag hook, so their hooks and exec functions call
 * these for ":fcc" and its qualifiers (:create, :flags, :specialuse). */
#ifndef SG_EXT_FCC_H
#define SG_EXT_FCC_H

#include <stdbool.h>

#include "engine/core/interp.h"
#include "engine/core/result.h"
#include "engine/core/validate.h"

/* Compile time: a qualifier without :fcc or without its extension, an empty
 * mailbox name, an invalid literal :specialuse attribute. */
void sg_fcc_validate(sg_validator *v, const sg_node *node, const sg_bound *b);
/* Run time: fills a->fcc_*; false after a runtime error (an invalid attribute). */
bool sg_fcc_apply(sg_interp *in, const sg_node *node, const sg_bound *b, sg_action *a);

#endif
