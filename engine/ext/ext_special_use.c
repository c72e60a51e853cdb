/* ext_special_use.c - the "special-use" extension (RFC 8579):
 * "fileinto :specialuse" and "specialuse_exists".
 *
 * Takes: the run's mailbox store (sg_run_options.mailboxes), which knows the
 * special-use attributes (RFC 6154) of the mailboxes. Returns: the test's
 * answer; for fileinto, the action's mailbox is the one holding the attribute
 * when the store has one (§4), else the fallback mailbox the script names,
 * and the action keeps the attribute (sg_action.specialuse) for the plan.
 * A literal attribute that is not "\" atom is a compile-time error; one built
 * from variables a runtime error (§3, §4, as Pigeonhole).
 */
#include "engine/ext/ext_special_use.h"

#include <stdio.h>
#include <string.h>

#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/mailbox_store.h"
#include "engine/core/registry.h"
#include "engine/core/result.h"
#include "engine/core/validate.h"
#include "engine/ext/ext_mailbox.h"

static bool literal(const sg_validator *v, const sg_string *s)
{
    return !(sg_validator_enabled(v, "variables") && strstr(s->data, "${"));
}

static void check_uses(sg_validator *v, const char *what, const sg_arg *a)
{
    uint32_t count;
    const sg_string *items = sg_arg_strings(a, &count);
    for (uint32_t i = 0; items && i < count; i++)
        if (literal(v, &items[i]) && !sg_special_use_valid(items[i].data))
            sg_error(v->diags, items[i].loc, "invalid-special-use",
                     "%s: \"%s\" is not a special-use attribute (a '\\' and a name, e.g. \"\\\\Junk\")", what,
                     items[i].data);
}

/* RFC 8579 §3: "specialuse_exists [<mailbox: string>] <special-use-attrs: string-list>" */
static void exists_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    const sg_arg *first = sg_positional_arg(b, 0), *second = sg_positional_arg(b, 1);
    if (second && first && first->kind == SG_ARG_STRING_LIST && first->u.list.count != 1)
        sg_error(v->diags, sg_arg_loc(first), "bad-argument",
                 "specialuse_exists: with two arguments the first is one mailbox name, not a string list");
    check_uses(v, "specialuse_exists", second ? second : first);
}

/* ":specialuse" on fileinto: the registry has no per-tag hook, so fileinto's
 * hook (ext_fileinto.c) calls this for a literal attribute. */
void sg_special_use_check_tag(sg_validator *v, const sg_arg *param)
{
    if (param && param->kind == SG_ARG_STRING)
        check_uses(v, "fileinto :specialuse", param);
}

static bool runtime_use_ok(sg_interp *in, const sg_node *node, const char *what, const char *use)
{
    if (sg_special_use_valid(use))
        return true;
    sg_interp_error(in, node, "invalid-special-use", "%s: \"%s\" is not a special-use attribute", what, use);
    return false;
}

static bool specialuse_exists_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    const sg_arg *first = sg_positional_arg(b, 0), *second = sg_positional_arg(b, 1);
    const char *mailbox = second ? sg_interp_string(in, first).data : NULL;
    sg_strview *uses;
    size_t n = sg_interp_strings(in, second ? second : first, &uses);
    for (size_t i = 0; i < n; i++)
        if (!runtime_use_ok(in, node, "specialuse_exists", uses[i].data))
            return false;
    const sg_mailbox_store *s = sg_interp_options(in)->mailboxes;
    if (mailbox && !sg_interp_mailbox_exists(in, mailbox))
        return false; /* §3: a mailbox that does not exist has no attributes */
    /* §3: true when the mailbox (any mailbox, without one) has every attribute */
    for (size_t i = 0; i < n; i++)
        if (!s || !s->has_special_use(s->ctx, mailbox, uses[i].data, NULL))
            return false;
    return true;
}

/* RFC 8579 §4: the mailbox with the attribute, else the fallback. Called by
 * fileinto (ext_fileinto.c) when the tag is present. */
const char *sg_special_use_mailbox(sg_interp *in, const sg_node *node, const char *use, const char *fallback)
{
    if (!runtime_use_ok(in, node, "fileinto :specialuse", use))
        return NULL;
    const sg_mailbox_store *s = sg_interp_options(in)->mailboxes;
    const char *found = NULL;
    if (s && s->has_special_use(s->ctx, NULL, use, &found) && found)
        return found;
    return fallback;
}

static const sg_tag_extension special_use_tags[] = {
    {"fileinto", {.name = "specialuse", .param = SG_T_STRING, .param_name = "special-use attribute"}},
};

static const sg_command_def special_use_commands[] = {
    {.name = "specialuse_exists", .is_test = true, .nrequired = 1, .npositional = 2,
     .positional = {{SG_T_STRING_LIST, "mailbox or special-use attributes"}, {SG_T_STRING_LIST, "special-use attributes"}},
     .validate = exists_hook, .id = SG_TEST_SPECIALUSE_EXISTS, .test = specialuse_exists_test},
};

const sg_extension sg_ext_special_use = {.name = "special-use",
                                         .commands = special_use_commands,
                                         .ncommands = SG_COUNT(special_use_commands),
                                         .tags = special_use_tags,
                                         .ntags = SG_COUNT(special_use_tags)};
