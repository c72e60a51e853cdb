/* ext_mime.h - the parts of RFC 5703 that the base tests call: ":mime" on
 * header, address and exists. */
#ifndef SG_EXT_MIME_H
#define SG_EXT_MIME_H

#include <stdbool.h>

#include "engine/core/interp.h"
#include "engine/core/validate.h"

/* Whether the test has ":mime" (then sg_mime_test answers it). */
bool sg_mime_tagged(const sg_bound *b);
/* RFC 5703 §4: header/address/exists (`id`: SG_TEST_*) on the current MIME
 * part, or with :anychild on it and every part inside it. */
bool sg_mime_test(sg_interp *in, const sg_node *node, const sg_bound *b, int id);
/* RFC 5703 §4.1, §4.2: :anychild, :type, :subtype, :contenttype and :param need :mime. */
void sg_mime_check_tags(sg_validator *v, const sg_node *node, const sg_bound *b);

#endif
