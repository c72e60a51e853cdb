/* edit_distance.h - the Levenshtein distance of two short names, for "did
 * you mean" hints (unknown Sieve commands, unknown configuration keys).
 *
 * Takes: two NUL-terminated strings. Returns: the number of single-byte
 * insertions, deletions and substitutions that turn one into the other, or
 * 99 when either is longer than 32 bytes (no hint is useful then). */
#ifndef SG_EDIT_DISTANCE_H
#define SG_EDIT_DISTANCE_H

#include <stddef.h>

size_t sg_edit_distance(const char *a, const char *b);

#endif
