/* ext_ihave.c - the "ihave" extension (RFC 5463): the "ihave" test and the
 * "error" command.
 *
 * Takes: the capability list of an ihave test, the message of an error
 * command. Returns: at compile time, which extensions a successful ihave
 * enables for the rest of the script (RFC 5463 §4 item 1) and whether the
 * test is known false (then the guarded block is not validated, see
 * ext_ihave.h); at run time the same answer, and a runtime error carrying the
 * script's message for "error" (§5). */
#include <string.h>

#include "engine/ext/ext_ihave.h"
#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

/* RFC 5463 §4: extensions that change how scripts are read cannot be
 * enabled by ihave; the test fails for them. */
static bool ihave_excluded(const char *name)
{
    return strcmp(name, "variables") == 0 || strcmp(name, "encoded-character") == 0 ||
           strcmp(name, "ihave") == 0;
}

/* All capabilities known (case-sensitive, as require and Pigeonhole) and allowed. */
static bool ihave_all(const sg_registry *reg, const sg_string *items, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        if (ihave_excluded(items[i].data) || sg_registry_extension_index(reg, items[i].data) < 0)
            return false;
    return true;
}

/* RFC 5463 §4: the strings are constants; a successful ihave enables its
 * extensions from here to the end of the script (§4 item 1); a failing one
 * enables none of them (item 4). */
static void ihave_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    uint32_t count;
    const sg_string *items = sg_arg_strings(sg_positional_arg(b, 0), &count);
    bool vars = sg_validator_enabled(v, "variables");
    for (uint32_t i = 0; i < count; i++)
        if (vars && strstr(items[i].data, "${")) {
            sg_error(v->diags, items[i].loc, "bad-argument",
                     "ihave needs constant capability names, not \"%s\" (RFC 5463 §4)", items[i].data);
            return;
        }
    if (!ihave_all(v->reg, items, count))
        return;
    for (uint32_t i = 0; i < count; i++)
        v->enabled[sg_registry_extension_index(v->reg, items[i].data)] = true;
}

int sg_static_test_value(const sg_validator *v, const sg_node *t)
{
    if (!t || !t->def)
        return -1;
    switch (t->def->id) {
    case SG_TEST_TRUE:
        return 1;
    case SG_TEST_FALSE:
        return 0;
    case SG_TEST_NOT: {
        int x = sg_static_test_value(v, t->tests);
        return x < 0 ? -1 : !x;
    }
    case SG_TEST_ALLOF:
    case SG_TEST_ANYOF: {
        /* allof is false if any is false, anyof true if any is true. */
        int decisive = t->def->id == SG_TEST_ANYOF;
        bool all_known = true;
        for (const sg_node *s = t->tests; s; s = s->next) {
            int x = sg_static_test_value(v, s);
            if (x == decisive)
                return decisive;
            all_known = all_known && x >= 0;
        }
        return all_known ? !decisive : -1;
    }
    case SG_TEST_IHAVE: {
        if (!t->bound)
            return -1;
        uint32_t count;
        const sg_string *items = sg_arg_strings(sg_positional_arg(t->bound, 0), &count);
        return ihave_all(v->reg, items, count);
    }
    default:
        return -1;
    }
}

static bool ihave_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    uint32_t count;
    const sg_string *items = sg_arg_strings(sg_positional_arg(b, 0), &count);
    for (uint32_t i = 0; i < count; i++)
        if (ihave_excluded(items[i].data) || !sg_interp_enabled(in, items[i].data))
            return false;
    return true;
}

/* RFC 5463 §5: the run ends with a runtime error carrying the message. */
static void error_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    sg_strview msg = sg_interp_string(in, sg_positional_arg(b, 0));
    sg_interp_error(in, node, "error", "%s", msg.data);
}

static const sg_command_def ihave_commands[] = {
    {.name = "ihave", .is_test = true, .nrequired = 1, .npositional = 1,
     .positional = {{SG_T_STRING_LIST, "capabilities"}}, .validate = ihave_hook, .id = SG_TEST_IHAVE,
     .test = ihave_test},
    {.name = "error", .nrequired = 1, .npositional = 1, .positional = {{SG_T_STRING, "message"}},
     .id = SG_CMD_ERROR, .exec = error_exec},
};

const sg_extension sg_ext_ihave = {
    .name = "ihave",
    .commands = ihave_commands,
    .ncommands = SG_COUNT(ihave_commands),
};
