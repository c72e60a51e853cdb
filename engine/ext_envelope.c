/* ext_envelope.c - the "envelope" extension (RFC 5228 §5.4). */
#include <string.h>
#include <strings.h>

#include "ids.h"
#include "registry.h"
#include "validate.h"

/* RFC 5228 §5.4 defines "from" and "to"; anything else is an error here, as
 * in Pigeonhole, because it could never match. */
static void envelope_hook(sg_validator *v, sg_node *node, sg_bound *b)
{
    (void)node;
    const sg_arg *a = b->positional[0];
    if (!a || (a->kind != SG_ARG_STRING && a->kind != SG_ARG_STRING_LIST))
        return;
    const sg_string *items = a->kind == SG_ARG_STRING ? &a->u.string : a->u.list.items;
    uint32_t count = a->kind == SG_ARG_STRING ? 1 : a->u.list.count;
    for (uint32_t i = 0; i < count; i++) {
        const char *p = items[i].data;
        if (strcasecmp(p, "from") == 0 || strcasecmp(p, "to") == 0)
            continue;
        if (sg_validator_enabled(v, "variables") && strstr(p, "${"))
            continue;
        sg_error(v->diags, items[i].loc, "unknown-envelope-part",
                 "unknown envelope part \"%s\" (expected \"from\" or \"to\")", p);
    }
}

static const sg_command_def envelope_commands[] = {
    {"envelope", true, 2, 2, {{SG_T_STRING_LIST, "envelope-part"}, {SG_T_STRING_LIST, "key-list"}},
     SG_SUB_NONE, false, SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR | SG_ACCEPTS_ADDRPART, NULL, 0, envelope_hook,
     SG_TEST_ENVELOPE},
};

const sg_extension sg_ext_envelope = {
    .name = "envelope", .commands = envelope_commands, .ncommands = SG_COUNT(envelope_commands)};
