/* ext_reject.c - the "reject" and "ereject" extensions (RFC 5429). The
 * result rejects combining them with keep, fileinto or redirect (§2.2). */
#include <string.h>

#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"

static void reject_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    sg_action a;
    memset(&a, 0, sizeof a);
    a.kind = SG_ACT_REJECT;
    a.loc = node->loc;
    a.reason = sg_interp_string(in, sg_positional_arg(b, 0)).data;
    a.extended = node->def->id == SG_CMD_EREJECT;
    sg_result_add(sg_interp_result(in), &a);
}

static const sg_command_def reject_commands[] = {
    {.name = "reject", .nrequired = 1, .npositional = 1, .positional = {{SG_T_STRING, "reason"}},
     .id = SG_CMD_REJECT, .exec = reject_exec},
};
static const sg_command_def ereject_commands[] = {
    {.name = "ereject", .nrequired = 1, .npositional = 1, .positional = {{SG_T_STRING, "reason"}},
     .id = SG_CMD_EREJECT, .exec = reject_exec},
};

const sg_extension sg_ext_reject = {.name = "reject", .commands = reject_commands, .ncommands = 1};
const sg_extension sg_ext_ereject = {.name = "ereject", .commands = ereject_commands, .ncommands = 1};
