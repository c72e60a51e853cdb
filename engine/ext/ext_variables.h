/* ext_variables.h - the "variables" extension (RFC 5229). */
#ifndef SG_EXT_VARIABLES_H
#define SG_EXT_VARIABLES_H

#include "grammar/ast.h"

struct sg_validator;

/* Validation of every string when "variables" is required: a reference to a
 * namespace ("${ns.name}") is an error, since no extension here defines one
 * (RFC 5229 §3). */
void sg_variables_check_string(struct sg_validator *v, sg_string *s);

#endif
