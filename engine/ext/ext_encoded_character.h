/* ext_encoded_character.h - RFC 5228 §2.4.2.4 "${hex:...}" and "${unicode:...}". */
#ifndef SG_EXT_ENCODED_CHARACTER_H
#define SG_EXT_ENCODED_CHARACTER_H

#include "grammar/ast.h"

struct sg_validator;

/* Replaces well-formed encodings in `s` (in the script's arena); reports
 * out-of-range Unicode values as errors at their position. */
void sg_encoded_character_decode(struct sg_validator *v, sg_string *s);

#endif
