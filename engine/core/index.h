/* index.h - the header fields a header, address or date test looks at, with
 * the "index" extension's :index/:last selection (RFC 5260 §6).
 *
 * Takes: the running interpreter, the test's bound tags and its header-name
 * argument. Returns: the values of every named field, in the order of the
 * name list and then of the message; with ":index N" only the N-th of them
 * (":last": counted from the end), none when there is no such field. */
#ifndef SG_INDEX_H
#define SG_INDEX_H

#include "engine/core/interp.h"

/* raw: without RFC 2047 decoding (addresses are parsed first). *values is an
 * arena array; returns the count. */
size_t sg_index_fields(sg_interp *in, const sg_bound *b, const sg_arg *names, bool raw, const char ***values);

/* RFC 5260 §6 when compiling: ":last" needs ":index", and fields count from 1
 * (an ":index 0" is an error, as in Pigeonhole). */
void sg_index_check(sg_validator *v, const sg_node *node, const sg_bound *b);

#endif
