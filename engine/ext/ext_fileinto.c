/* ext_fileinto.c - the "fileinto" extension (RFC 5228 §4.1). */
#include <string.h>

#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "engine/ext/ext_special_use.h"

/* Tags other extensions add: checked here, as the registry has no per-tag hook. */
static void fileinto_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    const sg_bound_tag *t = sg_bound_tag_find(b, "specialuse");
    if (t)
        sg_special_use_check_tag(v, t->param);
}

static void fileinto_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    sg_action a;
    memset(&a, 0, sizeof a);
    a.kind = SG_ACT_FILEINTO;
    a.loc = node->loc;
    a.mailbox = sg_interp_string(in, sg_positional_arg(b, 0)).data;
    const sg_bound_tag *use = sg_bound_tag_find(b, "specialuse");
    if (use && use->param) {
        /* RFC 8579 §4: the mailbox with that attribute, else the fallback named */
        a.specialuse = sg_interp_string(in, use->param).data;
        a.mailbox = sg_special_use_mailbox(in, node, a.specialuse, a.mailbox);
        if (!a.mailbox)
            return; /* an invalid attribute: a runtime error */
    }
    a.copy = sg_bound_tag_find(b, "copy") != NULL;
    a.create = sg_bound_tag_find(b, "create") != NULL;
    a.flags = sg_action_flags(in, b);
    sg_result_add(sg_interp_result(in), &a);
}

static const sg_command_def fileinto_commands[] = {
    {.name = "fileinto", .nrequired = 1, .npositional = 1, .positional = {{SG_T_STRING, "mailbox"}},
     .validate = fileinto_hook, .id = SG_CMD_FILEINTO, .exec = fileinto_exec},
};

const sg_extension sg_ext_fileinto = {
    .name = "fileinto", .commands = fileinto_commands, .ncommands = SG_COUNT(fileinto_commands)};
