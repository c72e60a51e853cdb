/* limits_config.c - the parser's limits (grammar/parse.h sg_limits) read from
 * the configuration: max_script_size, max_string_length, max_nesting,
 * max_arguments. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/config.h"
#include "grammar/parse.h"

bool sg_config_limits(const sg_config *cfg, sg_limits *limits, char *err, size_t errlen)
{
    static const struct {
        const char *key;
        size_t offset;
        bool is_u32;
    } keys[] = {
        {"max_script_size", offsetof(sg_limits, max_script_size), false},
        {"max_string_length", offsetof(sg_limits, max_string_length), false},
        {"max_nesting", offsetof(sg_limits, max_nesting), true},
        {"max_arguments", offsetof(sg_limits, max_arguments), true},
    };
    sg_limits_default(limits);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = sg_config_get(cfg, keys[i].key);
        if (!v)
            continue;
        size_t n;
        if (!sg_parse_size(v, &n) || n == 0 || (keys[i].is_u32 && n > UINT32_MAX)) {
            snprintf(err, errlen, "invalid value for %s: \"%s\" (expected a positive number)", keys[i].key, v);
            return false;
        }
        if (keys[i].is_u32)
            *(uint32_t *)((char *)limits + keys[i].offset) = (uint32_t)n;
        else
            *(size_t *)((char *)limits + keys[i].offset) = n;
    }
    return true;
}
