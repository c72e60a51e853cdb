/* ext_imap4flags.c - the "imap4flags" extension (RFC 5232): setflag, addflag,
 * removeflag on the internal variable or a named one, the hasflag test, and
 * :flags on keep and fileinto (sg_action_flags in interp.c reads it). */
#include <string.h>
#include <strings.h>

#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

/* RFC 5232 §3: with two arguments the first names a variable, which needs "variables". */
static void flag_command_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    if (b->npositional < 2)
        return;
    if (sg_positional_arg(b, 0)->kind != SG_ARG_STRING)
        sg_error(v->diags, sg_arg_loc(sg_positional_arg(b, 0)), "bad-argument", "'%s' expects a single variable name, not a list",
                 node->name);
    else if (!sg_validator_enabled(v, "variables"))
        sg_error(v->diags, sg_arg_loc(sg_positional_arg(b, 0)), "missing-require",
                 "a variable name in '%s' requires the \"variables\" extension: add require \"variables\"; at the top "
                 "of the script",
                 node->name);
}

static void hasflag_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    if (b->npositional == 2 && !sg_validator_enabled(v, "variables"))
        sg_error(v->diags, sg_arg_loc(sg_positional_arg(b, 0)), "missing-require",
                 "variable names in '%s' require the \"variables\" extension: add require \"variables\"; at the top of "
                 "the script",
                 node->name);
}

static sg_flags current(sg_interp *in, const sg_strview *var)
{
    if (!var)
        return sg_interp_flags(in);
    sg_strview value = sg_interp_var_get(in, var->data);
    return sg_flags_from(in, &value, 1);
}

static void store(sg_interp *in, const sg_strview *var, sg_flags f)
{
    if (!var) {
        sg_interp_set_flags(in, f);
        return;
    }
    size_t len = 0;
    for (size_t i = 0; i < f.count; i++)
        len += strlen(f.items[i]) + 1;
    char *s = sg_arena_alloc(sg_interp_arena(in), len + 1);
    size_t n = 0;
    for (size_t i = 0; i < f.count; i++) {
        if (i)
            s[n++] = ' ';
        size_t l = strlen(f.items[i]);
        memcpy(s + n, f.items[i], l);
        n += l;
    }
    s[n] = '\0';
    sg_interp_var_set(in, var->data, (sg_strview){s, n});
}

static void flag_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    sg_strview var, *items;
    const sg_strview *target = NULL;
    const sg_arg *list = sg_positional_arg(b, 0);
    if (b->npositional == 2) {
        var = sg_interp_string(in, sg_positional_arg(b, 0));
        target = &var;
        list = sg_positional_arg(b, 1);
    }
    size_t n = sg_interp_strings(in, list, &items);
    sg_flags given = sg_flags_from(in, items, n);
    if (node->def->id == SG_CMD_SETFLAG) {
        store(in, target, given);
        return;
    }
    sg_flags now = current(in, target);
    sg_flags out = {sg_arena_alloc(sg_interp_arena(in), (now.count + given.count + 1) * sizeof(char *)), 0};
    for (size_t i = 0; i < now.count; i++) {
        bool removed = false;
        for (size_t k = 0; node->def->id == SG_CMD_REMOVEFLAG && k < given.count && !removed; k++)
            removed = strcasecmp(now.items[i], given.items[k]) == 0;
        if (!removed)
            out.items[out.count++] = now.items[i];
    }
    if (node->def->id == SG_CMD_ADDFLAG) {
        for (size_t k = 0; k < given.count; k++) {
            bool seen = false;
            for (size_t i = 0; i < out.count && !seen; i++)
                seen = strcasecmp(out.items[i], given.items[k]) == 0;
            if (!seen)
                out.items[out.count++] = given.items[k];
        }
    }
    store(in, target, out);
}

/* RFC 5232 §4: any flag of the variables matches any of the given flags. */
static bool hasflag_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    const sg_arg *keys = b->npositional == 2 ? sg_positional_arg(b, 1) : sg_positional_arg(b, 0);
    sg_matcher m;
    sg_interp_matcher(in, b, keys, &m);
    /* Keys are flag lists too: "\\Seen \\Flagged" is two flags. */
    sg_flags kf = sg_flags_from(in, m.keys, m.nkeys);
    sg_strview *split = sg_arena_alloc(sg_interp_arena(in), (kf.count + 1) * sizeof *split);
    for (size_t i = 0; i < kf.count; i++)
        split[i] = (sg_strview){kf.items[i], strlen(kf.items[i])};
    m.keys = split;
    m.nkeys = kf.count;

    sg_strview *vars = NULL;
    size_t nvars = b->npositional == 2 ? sg_interp_strings(in, sg_positional_arg(b, 0), &vars) : 0;
    size_t count = 0;
    for (size_t v = 0; v < (nvars ? nvars : 1); v++) {
        sg_flags f = current(in, nvars ? &vars[v] : NULL);
        if (m.match == SG_MATCH_COUNT) {
            count += f.count;
            continue;
        }
        for (size_t i = 0; i < f.count; i++)
            if (sg_interp_match(in, &m, f.items[i], strlen(f.items[i])))
                return true;
    }
    return m.match == SG_MATCH_COUNT && sg_interp_match_count(in, &m, count);
}

#define FLAG_COMMAND(cmd, ident)                                                                            \
    {.name = cmd, .nrequired = 1, .npositional = 2,                                                         \
     .positional = {{SG_T_STRING_LIST, "variable name or flags"}, {SG_T_STRING_LIST, "flags"}},             \
     .validate = flag_command_hook, .id = ident, .exec = flag_exec}

static const sg_command_def imap4flags_commands[] = {
    FLAG_COMMAND("setflag", SG_CMD_SETFLAG),
    FLAG_COMMAND("addflag", SG_CMD_ADDFLAG),
    FLAG_COMMAND("removeflag", SG_CMD_REMOVEFLAG),
    {.name = "hasflag", .is_test = true, .nrequired = 1, .npositional = 2,
     .positional = {{SG_T_STRING_LIST, "variable list or flags"}, {SG_T_STRING_LIST, "flags"}},
     .accepts = SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR, .validate = hasflag_hook, .id = SG_TEST_HASFLAG,
     .test = hasflag_test},
};

static const sg_tag_extension imap4flags_tags[] = {
    {"keep", {.name = "flags", .param = SG_T_STRING_LIST, .param_name = "flag list"}},
    {"fileinto", {.name = "flags", .param = SG_T_STRING_LIST, .param_name = "flag list"}},
};

const sg_extension sg_ext_imap4flags = {
    .name = "imap4flags",
    .commands = imap4flags_commands,
    .ncommands = SG_COUNT(imap4flags_commands),
    .tags = imap4flags_tags,
    .ntags = SG_COUNT(imap4flags_tags),
};
