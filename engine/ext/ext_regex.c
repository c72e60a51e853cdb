/* ext_regex.c - the "regex" extension (draft-murchison-sieve-regex-07): the
 * ":regex" match type. Matching itself is in compare.c (sg_regex_match), the
 * match variables ${0}..${9} in interp.c (sg_interp_match).
 *
 * Takes: the bound tags of a test using :regex. Returns: compile-time errors
 * for literal patterns that are not valid POSIX extended expressions (or break
 * the guards of compare.h), located at the key. */
#include <string.h>

#include "engine/core/compare.h"
#include "engine/core/ids.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

/* draft-murchison-sieve-regex-07 §3: an invalid literal regular expression is
 * a compile error; one built from variables is only known at run time. */
static void regex_check_keys(sg_validator *v, const sg_bound *b, const sg_arg *keys)
{
    uint32_t count;
    const sg_string *items = sg_arg_strings(keys, &count);
    bool casemap = !b->comparator || b->comparator->id == SG_CMP_ASCII_CASEMAP;
    for (uint32_t i = 0; i < count; i++) {
        if (sg_validator_enabled(v, "variables") && strstr(items[i].data, "${"))
            continue;
        char why[256];
        if (sg_regex_check(items[i].data, items[i].len, casemap, why, sizeof why))
            sg_error(v->diags, items[i].loc, "invalid-regex", "invalid regular expression \"%s\" for :regex: %s",
                     items[i].data, why);
    }
}

static const sg_class_member regex_members[] = {
    {.cls = SG_CLASS_MATCH, .name = "regex", .id = SG_MATCH_REGEX, .check_keys = regex_check_keys},
};

const sg_extension sg_ext_regex = {
    .name = "regex",
    .members = regex_members,
    .nmembers = SG_COUNT(regex_members),
};
