/* ext_fcc.c - the "fcc" extension (RFC 8580): ":fcc" on vacation (RFC 5230)
 * and notify (RFC 5435), with ":create" (needs "mailbox"), ":flags" (needs
 * "imap4flags") and ":specialuse" (needs "special-use") qualifying it.
 *
 * Takes: the bound tags of a vacation or notify command (their hooks and
 * exec functions call in here: the registry has no per-tag hook). Returns:
 * compile errors for a qualifier without :fcc or without its extension, an
 * invalid literal mailbox name or attribute; at run time the action's fcc_*
 * fields, which delivery uses to file a copy of the message it sent. Without
 * :flags the copy is stored with no flags (the imap4flags internal variable
 * belongs to the incoming message, RFC 5232 §3).
 */
#include "engine/ext/ext_fcc.h"

#include <string.h>

#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/result.h"
#include "engine/core/validate.h"
#include "engine/ext/ext_fcc.h"
#include "engine/ext/ext_special_use.h"

static const struct {
    const char *tag, *extension;
} qualifiers[] = {{"create", "mailbox"}, {"flags", "imap4flags"}, {"specialuse", "special-use"}};

void sg_fcc_validate(sg_validator *v, const sg_node *node, const sg_bound *b)
{
    const sg_bound_tag *fcc = sg_bound_tag_find(b, "fcc");
    for (size_t i = 0; i < SG_COUNT(qualifiers); i++) {
        const sg_bound_tag *t = sg_bound_tag_find(b, qualifiers[i].tag);
        if (!t)
            continue;
        sg_loc loc = t->arg ? sg_arg_loc(t->arg) : node->loc;
        if (!fcc)
            sg_error(v->diags, loc, "missing-tag", ":%s is only valid with :fcc (RFC 8580 section 3)",
                     qualifiers[i].tag);
        else if (!sg_validator_enabled(v, qualifiers[i].extension))
            sg_error(v->diags, loc, "missing-require",
                     ":%s with :fcc requires the \"%s\" extension: add require \"%s\"; at the top of the script",
                     qualifiers[i].tag, qualifiers[i].extension, qualifiers[i].extension);
    }
    if (fcc && fcc->param && fcc->param->kind == SG_ARG_STRING && fcc->param->u.string.len == 0)
        sg_error(v->diags, sg_arg_loc(fcc->param), "bad-argument", ":fcc needs a mailbox name, not \"\"");
    const sg_bound_tag *use = sg_bound_tag_find(b, "specialuse");
    if (fcc && use && sg_validator_enabled(v, "special-use"))
        sg_special_use_check_tag(v, use->param);
}

/* Fills a->fcc_*; false after a runtime error (an invalid attribute). */
bool sg_fcc_apply(sg_interp *in, const sg_node *node, const sg_bound *b, sg_action *a)
{
    const sg_bound_tag *fcc = sg_bound_tag_find(b, "fcc");
    if (!fcc || !fcc->param)
        return true;
    a->fcc = sg_interp_string(in, fcc->param).data;
    a->fcc_create = sg_bound_tag_find(b, "create") != NULL;
    if (sg_bound_tag_find(b, "flags"))
        a->fcc_flags = sg_action_flags(in, b);
    const sg_bound_tag *use = sg_bound_tag_find(b, "specialuse");
    if (use && use->param) {
        a->fcc_specialuse = sg_interp_string(in, use->param).data;
        a->fcc = sg_special_use_mailbox(in, node, a->fcc_specialuse, a->fcc);
        if (!a->fcc)
            return false;
    }
    return true;
}

#define FCC_TAGS(cmd)                                                                                          \
    {cmd, {.name = "fcc", .param = SG_T_STRING, .param_name = "mailbox"}},                                     \
        {cmd, {.name = "create", .param = SG_T_NONE}},                                                         \
        {cmd, {.name = "flags", .param = SG_T_STRING_LIST, .param_name = "flag list"}},                        \
        {cmd, {.name = "specialuse", .param = SG_T_STRING, .param_name = "special-use attribute"}}

static const sg_tag_extension fcc_tags[] = {FCC_TAGS("vacation"), FCC_TAGS("notify")};

const sg_extension sg_ext_fcc = {.name = "fcc", .tags = fcc_tags, .ntags = SG_COUNT(fcc_tags)};
