/* ext_envelope.c - the "envelope" extension (RFC 5228 §5.4). */
#include <string.h>
#include <strings.h>

#include "engine/mail/addrlist.h"
#include "engine/mail/addrpart.h"
#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

/* RFC 5228 §5.4 defines "from" and "to"; anything else is an error here, as
 * in Pigeonhole, because it could never match. */
static void envelope_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    uint32_t count;
    const sg_string *items = sg_arg_strings(sg_positional_arg(b, 0), &count); /* none: a type error already */
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

/* RFC 5228 §5.4: "from" is the MAIL FROM path (null: the empty string),
 * "to" the RCPT TO path of this delivery. */
static bool envelope_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_matcher m;
    sg_interp_matcher(in, b, sg_positional_arg(b, 1), &m);
    sg_strview *parts;
    size_t nparts = sg_interp_strings(in, sg_positional_arg(b, 0), &parts);
    const sg_envelope *env = sg_interp_envelope(in);
    size_t count = 0;
    for (size_t i = 0; i < nparts; i++) {
        const char *path = strcasecmp(parts[i].data, "from") == 0 ? env->from
                           : strcasecmp(parts[i].data, "to") == 0 ? env->to
                                                                  : NULL;
        if (!path)
            continue;
        sg_mailbox mb;
        if (!sg_envelope_address_parse(path, sg_interp_arena(in), &mb))
            continue;
        if (sg_match_mailboxes(in, b, &m, &mb, 1, &count))
            return true;
    }
    return m.match == SG_MATCH_COUNT && sg_interp_match_count(in, &m, count);
}

static const sg_command_def envelope_commands[] = {
    {.name = "envelope", .is_test = true, .nrequired = 2, .npositional = 2,
     .positional = {{SG_T_STRING_LIST, "envelope-part"}, {SG_T_STRING_LIST, "key-list"}},
     .accepts = SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR | SG_ACCEPTS_ADDRPART, .validate = envelope_hook,
     .id = SG_TEST_ENVELOPE, .test = envelope_test},
};

const sg_extension sg_ext_envelope = {
    .name = "envelope", .commands = envelope_commands, .ncommands = SG_COUNT(envelope_commands)};
