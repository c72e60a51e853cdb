/* ext_comparator_numeric.c - the "comparator-i;ascii-numeric" extension
 * (RFC 4790 §9.1, RFC 5228 §2.7.3). */
#include "engine/core/ids.h"
#include "engine/core/registry.h"

static const sg_class_member numeric_member[] = {
    {.cls = SG_CLASS_COMPARATOR, .name = "i;ascii-numeric", .id = SG_CMP_ASCII_NUMERIC, .no_substring = true}};

const sg_extension sg_ext_comparator_ascii_numeric = {
    .name = "comparator-i;ascii-numeric", .members = numeric_member, .nmembers = 1};
