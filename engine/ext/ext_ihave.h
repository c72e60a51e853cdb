/* ext_ihave.h - what validate.c needs from the "ihave" extension (RFC 5463). */
#ifndef SG_EXT_IHAVE_H
#define SG_EXT_IHAVE_H

#include "engine/core/validate.h"

/* A test whose value is known when the script is compiled: 1 true, 0 false,
 * -1 only known at run time. "true", "false", "ihave" and not/allof/anyof
 * of them; the block of an if/elsif whose test is known false is not
 * validated (RFC 5463 §4, and Pigeonhole does so for any such test). */
int sg_static_test_value(const sg_validator *v, const sg_node *test);

#endif
