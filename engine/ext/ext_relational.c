/* ext_relational.c - the "relational" extension (RFC 5231): the match types
 * :value and :count with an operator "gt" "ge" "lt" "le" "eq" "ne". */
#include <stddef.h>

#include "engine/core/compare.h"
#include "engine/core/ids.h"
#include "engine/core/registry.h"

static const char *check_relop(const char *param)
{
    return sg_relop_parse(param) == SG_REL_NONE
               ? "invalid relational operator (expected \"gt\", \"ge\", \"lt\", \"le\", \"eq\" or \"ne\")"
               : NULL;
}

static const sg_class_member relational_members[] = {
    {.cls = SG_CLASS_MATCH, .name = "value", .param = SG_T_STRING, .param_name = "relational operator",
     .id = SG_MATCH_VALUE, .check_param = check_relop},
    {.cls = SG_CLASS_MATCH, .name = "count", .param = SG_T_STRING, .param_name = "relational operator",
     .id = SG_MATCH_COUNT, .check_param = check_relop},
};

const sg_extension sg_ext_relational = {
    .name = "relational", .members = relational_members, .nmembers = SG_COUNT(relational_members)};
