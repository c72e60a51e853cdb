/* ext_fileinto.c - the "fileinto" extension (RFC 5228 §4.1). */
#include <string.h>

#include "ids.h"
#include "interp.h"
#include "registry.h"

static void fileinto_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    sg_action a;
    memset(&a, 0, sizeof a);
    a.kind = SG_ACT_FILEINTO;
    a.loc = node->loc;
    a.mailbox = sg_interp_string(in, sg_positional_arg(b, 0)).data;
    a.copy = sg_bound_tag_find(b, "copy") != NULL;
    a.create = sg_bound_tag_find(b, "create") != NULL;
    a.flags = sg_action_flags(in, b);
    sg_result_add(sg_interp_result(in), &a);
}

static const sg_command_def fileinto_commands[] = {
    {.name = "fileinto", .nrequired = 1, .npositional = 1, .positional = {{SG_T_STRING, "mailbox"}},
     .id = SG_CMD_FILEINTO, .exec = fileinto_exec},
};

const sg_extension sg_ext_fileinto = {
    .name = "fileinto", .commands = fileinto_commands, .ncommands = SG_COUNT(fileinto_commands)};
