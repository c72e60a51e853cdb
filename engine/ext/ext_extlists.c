/* ext_extlists.c - the "extlists" extension (RFC 6134): the ":list" match
 * type, the "valid_ext_list" test and "redirect :list".
 *
 * Takes: the run's list store (sg_run_options.lists, engine/core/list_store.h;
 * NULL: no list exists). Returns: compile-time errors for literal list names
 * that are not list names, valid_ext_list answers, and for redirect :list one
 * redirect action per member. The :list matching itself is in
 * interp.c (sg_interp_match), as every match type is.
 */
#include "engine/ext/ext_extlists.h"

#include <string.h>

#include "engine/mail/address.h"
#include "engine/core/ids.h"
#include "engine/core/list_store.h"
#include "engine/core/registry.h"
#include "engine/core/result.h"
#include "engine/core/validate.h"

/* A literal list name must be a URI or a ':'-prefixed short name (RFC 6134 §2);
 * one built from variables is checked when the script runs. */
static void check_list_names(sg_validator *v, const sg_arg *names, const char *what)
{
    uint32_t count;
    const sg_string *items = sg_arg_strings(names, &count);
    for (uint32_t i = 0; i < count; i++) {
        if (sg_validator_enabled(v, "variables") && strstr(items[i].data, "${"))
            continue;
        if (!sg_list_name_valid(items[i].data, items[i].len) || strlen(items[i].data) != items[i].len)
            sg_error(v->diags, items[i].loc, "invalid-list-name",
                     "invalid list name \"%s\" for %s: a list is named by a URI or a ':'-prefixed name", items[i].data,
                     what);
    }
}

static void list_check_keys(sg_validator *v, const sg_bound *b, const sg_arg *keys)
{
    (void)b;
    check_list_names(v, keys, ":list");
}

static void valid_ext_list_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    const sg_arg *a = sg_positional_arg(b, 0);
    if (a)
        check_list_names(v, a, "valid_ext_list");
}

void sg_extlists_check_redirect(sg_validator *v, const sg_bound *b)
{
    const sg_arg *a = sg_positional_arg(b, 0);
    if (a)
        check_list_names(v, a, "redirect :list");
}

/* RFC 6134 §2: true when every named list is supported and can be read. */
static bool valid_ext_list_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    const sg_list_store *ls = sg_interp_options(in)->lists;
    sg_strview *names;
    size_t n = sg_interp_strings(in, sg_positional_arg(b, 0), &names);
    for (size_t i = 0; i < n; i++)
        if (!ls || !sg_list_name_valid(names[i].data, names[i].len) || strlen(names[i].data) != names[i].len ||
            !ls->valid(ls->ctx, names[i].data))
            return false;
    return true;
}

/* RFC 6134 §2: "redirect :list" sends to every member of the list. */
void sg_extlists_redirect(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    sg_strview name = sg_interp_string(in, sg_positional_arg(b, 0));
    const sg_list_store *ls = sg_interp_options(in)->lists;
    const char *const *members = NULL;
    size_t n = 0;
    if (!ls || !sg_list_name_valid(name.data, name.len) || strlen(name.data) != name.len ||
        !ls->members(ls->ctx, name.data, &members, &n)) {
        sg_interp_error(in, node, "unknown-list", "redirect: no external list \"%s\"", name.data);
        return;
    }
    bool copy = sg_bound_tag_find(b, "copy") != NULL;
    for (size_t i = 0; i < n; i++) {
        const char *why;
        size_t spec_len;
        char *spec = sg_arena_alloc_bytes(sg_interp_arena(in), strlen(members[i]) + 1);
        if (!sg_address_parse_sieve(members[i], strlen(members[i]), spec, &spec_len, &why)) {
            sg_interp_error(in, node, "invalid-address", "redirect: list \"%s\" holds an invalid address \"%s\": %s",
                            name.data, members[i], why);
            return;
        }
        sg_action a;
        memset(&a, 0, sizeof a);
        a.kind = SG_ACT_REDIRECT;
        a.loc = node->loc;
        a.address = spec;
        a.copy = copy;
        if (!sg_result_add(sg_interp_result(in), &a))
            return;
    }
}

static const sg_class_member extlists_members[] = {
    {.cls = SG_CLASS_MATCH, .name = "list", .id = SG_MATCH_LIST, .check_keys = list_check_keys},
};

static const sg_tag_extension extlists_tags[] = {
    {"redirect", {.name = "list", .param = SG_T_NONE}},
};

static const sg_command_def extlists_commands[] = {
    {.name = "valid_ext_list", .is_test = true, .nrequired = 1, .npositional = 1,
     .positional = {{SG_T_STRING_LIST, "list names"}}, .validate = valid_ext_list_hook,
     .id = SG_TEST_VALID_EXT_LIST, .test = valid_ext_list_test},
};

const sg_extension sg_ext_extlists = {
    .name = "extlists",
    .members = extlists_members,
    .nmembers = SG_COUNT(extlists_members),
    .commands = extlists_commands,
    .ncommands = SG_COUNT(extlists_commands),
    .tags = extlists_tags,
    .ntags = SG_COUNT(extlists_tags),
};
