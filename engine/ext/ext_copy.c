/* ext_copy.c - the "copy" extension (RFC 3894): ":copy" on redirect and
 * fileinto keeps the implicit keep. */
#include "engine/core/registry.h"

static const sg_tag_extension copy_tags[] = {
    {"redirect", {.name = "copy"}},
    {"fileinto", {.name = "copy"}},
};

const sg_extension sg_ext_copy = {.name = "copy", .tags = copy_tags, .ntags = SG_COUNT(copy_tags)};
