/* ext_include.c - the "include" extension (RFC 6609): "include", "return"
 * and "global".
 *
 * Takes: the commands' arguments; the scripts are found and validated by
 * engine/core/include.c while this script is validated.
 * Returns: at run time, the included script's actions in the same result
 * (engine/core/interp.c runs it with its own variables; "return" is control flow
 * there).
 */
#include <string.h>
#include <strings.h>

#include "engine/core/ids.h"
#include "engine/core/include.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

#define LOCATION 1

/* §3.2: a constant name (variables are never expanded in it) restricted as
 * RFC 5804 §1.6 says; the script is compiled now. */
static void include_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    const sg_arg *a = sg_positional_arg(b, 0);
    if (!a || a->kind != SG_ARG_STRING)
        return;
    const sg_string *s = &a->u.string;
    if (!sg_include_name_valid(s->data) || strlen(s->data) != s->len) {
        sg_error(v->diags, s->loc, "bad-script-name",
                 "invalid script name \"%s\" for include (RFC 5804 §1.6; no '/' and no leading '.')", s->data);
        return;
    }
    sg_includes_compile(v, node, sg_bound_tag_find(b, "global") != NULL, s->data, sg_bound_tag_find(b, "once") != NULL,
                        sg_bound_tag_find(b, "optional") != NULL);
}

static void include_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_interp_include(in, b->data, sg_bound_tag_find(b, "once") != NULL);
}

static bool identifier(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* Whether `name` was used in the script before `until`: set as a local
 * variable or referenced as "${name}". Returns true when found, *reached
 * when `until` was met (the walk stops there). */
static bool used_before(const sg_node *list, const sg_node *until, const char *name, bool *reached)
{
    size_t len = strlen(name);
    for (const sg_node *n = list; n && !*reached; n = n->next) {
        if (n == until) {
            *reached = true;
            return false;
        }
        for (const sg_arg *a = n->args; a; a = a->next) {
            uint32_t count;
            const sg_string *items = sg_arg_strings(a, &count);
            for (uint32_t i = 0; i < count; i++) {
                if (n->def && n->def->id == SG_CMD_SET && a == n->args && strcasecmp(items[i].data, name) == 0)
                    return true;
                for (const char *p = strstr(items[i].data, "${"); p; p = strstr(p + 2, "${"))
                    if (strncasecmp(p + 2, name, len) == 0 && p[2 + len] == '}')
                        return true;
            }
        }
        if (used_before(n->tests, until, name, reached) || used_before(n->block, until, name, reached))
            return true;
    }
    return false;
}

/* §3.4.1: only with "variables" too; each name a constant identifier, not
 * one the script used as a local variable before (an error at upload, as
 * Pigeonhole). */
static void global_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    if (!sg_validator_enabled(v, "variables")) {
        sg_error(v->diags, node->loc, "missing-require",
                 "command 'global' requires the \"variables\" extension too: add require \"variables\"; at the top "
                 "of the script (RFC 6609 §3.4.1)");
        return;
    }
    uint32_t count;
    const sg_string *items = sg_arg_strings(sg_positional_arg(b, 0), &count);
    for (uint32_t i = 0; i < count; i++) {
        bool reached = false;
        if (!identifier(items[i].data))
            sg_error(v->diags, items[i].loc, "bad-variable-name",
                     "invalid global variable name \"%s\" (an identifier: no namespace, no match variable; RFC 6609 "
                     "§3.4.1)",
                     items[i].data);
        else if (used_before(v->script->commands, node, items[i].data, &reached))
            sg_error(v->diags, items[i].loc, "global-after-local",
                     "variable \"%s\" is declared global after its use as a local variable (RFC 6609 §3.4.1)",
                     items[i].data);
    }
}

static void global_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    uint32_t count;
    const sg_string *items = sg_arg_strings(sg_positional_arg(b, 0), &count);
    for (uint32_t i = 0; i < count; i++)
        sg_interp_declare_global(in, items[i].data, items[i].len);
}

static const sg_tag_def include_tags[] = {
    {.name = "personal", .group = LOCATION},
    {.name = "global", .group = LOCATION},
    {.name = "once"},
    {.name = "optional"},
};

static const sg_command_def include_commands[] = {
    {.name = "include", .nrequired = 1, .npositional = 1, .positional = {{SG_T_STRING, "script name"}},
     .tags = include_tags, .ntags = SG_COUNT(include_tags), .validate = include_hook, .id = SG_CMD_INCLUDE,
     .exec = include_exec},
    {.name = "return", .id = SG_CMD_RETURN},
    {.name = "global", .nrequired = 1, .npositional = 1, .positional = {{SG_T_STRING_LIST, "variable names"}},
     .validate = global_hook, .id = SG_CMD_GLOBAL, .exec = global_exec},
};

const sg_extension sg_ext_include = {
    .name = "include", .commands = include_commands, .ncommands = SG_COUNT(include_commands)};
