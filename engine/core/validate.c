/* validate.c - see validate.h. */
#include "engine/core/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/edit_distance.h"
#include "engine/ext/ext_encoded_character.h"
#include "engine/ext/ext_ihave.h"
#include "engine/ext/ext_variables.h"
#include "engine/core/ids.h"

static const char *type_name(sg_type t)
{
    switch (t) {
    case SG_T_STRING: return "a string";
    case SG_T_STRING_LIST: return "a string list";
    case SG_T_NUMBER: return "a number";
    default: return "nothing";
    }
}

static const char *arg_name(const sg_arg *a)
{
    switch (a->kind) {
    case SG_ARG_STRING: return "a string";
    case SG_ARG_STRING_LIST: return "a string list";
    case SG_ARG_NUMBER: return "a number";
    default: return "a tag";
    }
}

static bool type_accepts(sg_type t, const sg_arg *a)
{
    switch (t) {
    case SG_T_STRING: return a->kind == SG_ARG_STRING;
    case SG_T_STRING_LIST: return a->kind == SG_ARG_STRING || a->kind == SG_ARG_STRING_LIST;
    case SG_T_NUMBER: return a->kind == SG_ARG_NUMBER;
    default: return false;
    }
}

static const char *kind_word(const sg_command_def *def)
{
    return def->is_test ? "test" : "command";
}

bool sg_validator_enabled(const sg_validator *v, const char *extension)
{
    int i = sg_registry_extension_index(v->reg, extension);
    return i >= 0 && v->enabled[i];
}

static bool owner_enabled(const sg_validator *v, const sg_extension *owner)
{
    if (!owner->name || owner->implicit)
        return true;
    int i = sg_registry_index_of(v->reg, owner);
    return i >= 0 && v->enabled[i];
}

const sg_bound_tag *sg_bound_tag_find(const sg_bound *b, const char *name)
{
    for (uint8_t i = 0; i < b->ntags; i++)
        if (strcmp(b->tags[i].def->name, name) == 0)
            return &b->tags[i];
    return NULL;
}

/* ---- "did you mean": the closest known name within edit distance 2 ---- */

typedef struct {
    const char *name;
    bool is_test;
    const char *best;
    size_t best_dist;
} suggestion;

static void consider(void *data, const sg_command_def *def)
{
    suggestion *s = data;
    if (def->is_test != s->is_test)
        return;
    size_t d = sg_edit_distance(s->name, def->name);
    if (d < s->best_dist) {
        s->best_dist = d;
        s->best = def->name;
    }
}

static void unknown_name(sg_validator *v, const sg_node *node, bool as_test)
{
    suggestion s = {node->name, as_test, NULL, 3};
    sg_registry_each_command(v->reg, consider, &s);
    if (s.best)
        sg_error(v->diags, node->loc, as_test ? "unknown-test" : "unknown-command",
                 "unknown %s '%s' (did you mean '%s'?)", as_test ? "test" : "command", node->name,
                 s.best);
    else
        sg_error(v->diags, node->loc, as_test ? "unknown-test" : "unknown-command",
                 "unknown %s '%s'", as_test ? "test" : "command", node->name);
}

/* ---- arguments (RFC 5228 §2.6) ---- */

static void missing_require(sg_validator *v, sg_loc loc, const char *what, const sg_extension *owner)
{
    sg_error(v->diags, loc, "missing-require",
             "%s requires the \"%s\" extension: add require \"%s\"; at the top of the script", what,
             owner->name, owner->name);
}

/* Reads the argument a tag takes; returns it or NULL after an error. */
static const sg_arg *tag_param(sg_validator *v, const sg_arg *tag, sg_type type, const char *pname,
                               const sg_arg **next)
{
    const sg_arg *p = tag->next;
    if (!p || p->kind == SG_ARG_TAG || !type_accepts(type, p)) {
        sg_error(v->diags, p && p->kind != SG_ARG_TAG ? sg_arg_loc(p) : sg_arg_loc(tag), "bad-argument",
                 "tag ':%s' must be followed by %s (%s)%s%s", tag->u.tag.name, type_name(type), pname,
                 p && p->kind != SG_ARG_TAG ? ", not " : "", p && p->kind != SG_ARG_TAG ? arg_name(p) : "");
        if (p && p->kind != SG_ARG_TAG)
            *next = p->next;
        return NULL;
    }
    *next = p->next;
    return p;
}

static bool set_class(sg_validator *v, const sg_arg *tag, const sg_class_member **slot,
                      const sg_class_member *m, const char *what)
{
    if (*slot) {
        if (*slot == m)
            sg_error(v->diags, sg_arg_loc(tag), "duplicate-tag", "duplicate tag ':%s'", tag->u.tag.name);
        else
            sg_error(v->diags, sg_arg_loc(tag), "conflicting-tags",
                     "only one %s may be given (':%s' and ':%s')", what, (*slot)->name, tag->u.tag.name);
        return false;
    }
    *slot = m;
    return true;
}

static void bind_comparator(sg_validator *v, sg_bound *b, const sg_arg *tag, const sg_arg *name)
{
    if (b->comparator_given) {
        sg_error(v->diags, sg_arg_loc(tag), "duplicate-tag", "duplicate tag ':comparator'");
        return;
    }
    b->comparator_given = true;
    const char *cname = name->u.string.data;
    char lower[64];
    size_t n = strlen(cname);
    if (n >= sizeof lower) {
        sg_error(v->diags, sg_arg_loc(name), "unknown-comparator", "unknown comparator \"%.40s...\"", cname);
        return;
    }
    for (size_t i = 0; i <= n; i++)
        lower[i] = (cname[i] >= 'A' && cname[i] <= 'Z') ? (char)(cname[i] + 32) : cname[i];
    const sg_extension *owner = NULL;
    const sg_class_member *m = sg_registry_member(v->reg, SG_CLASS_COMPARATOR, lower, &owner);
    if (!m) {
        sg_error(v->diags, sg_arg_loc(name), "unknown-comparator",
                 "unknown comparator \"%s\" (known: \"i;octet\", \"i;ascii-casemap\", \"i;ascii-numeric\")",
                 cname);
        return;
    }
    if (!owner_enabled(v, owner)) {
        char what[96];
        snprintf(what, sizeof what, "comparator \"%s\"", lower);
        missing_require(v, sg_arg_loc(name), what, owner);
    }
    b->comparator = m;
}

static const sg_tag_def *own_tag(const sg_command_def *def, const char *name)
{
    for (size_t i = 0; i < def->ntags; i++)
        if (strcmp(def->tags[i].name, name) == 0)
            return &def->tags[i];
    return NULL;
}

/* Returns false when the tag is unknown: what follows it cannot be interpreted. */
static bool bind_tag(sg_validator *v, const sg_node *node, sg_bound *b, const sg_arg *tag,
                     const sg_arg **next)
{
    const sg_command_def *def = node->def;
    const char *name = tag->u.tag.name;
    const sg_extension *owner = NULL;
    char what[96];

    const sg_tag_def *td = own_tag(def, name);
    if (!td) {
        const sg_tag_extension *te = sg_registry_tag_extension(v->reg, def->name, name, &owner);
        if (te) {
            td = &te->tag;
            if (!owner_enabled(v, owner)) {
                snprintf(what, sizeof what, "tag ':%s' on '%s'", name, def->name);
                missing_require(v, sg_arg_loc(tag), what, owner);
            }
        }
    }
    if (td) {
        const sg_arg *param = NULL;
        if (td->param != SG_T_NONE) {
            param = tag_param(v, tag, td->param, td->param_name, next);
            if (!param)
                return true;
        }
        for (uint8_t i = 0; i < b->ntags; i++) {
            if (b->tags[i].def == td) {
                sg_error(v->diags, sg_arg_loc(tag), "duplicate-tag", "duplicate tag ':%s'", name);
                return true;
            }
            if (td->group && b->tags[i].def->group == td->group) {
                sg_error(v->diags, sg_arg_loc(tag), "conflicting-tags",
                         "tags ':%s' and ':%s' cannot be used together", b->tags[i].def->name, name);
                return true;
            }
        }
        if (!b->tags) /* most arguments are positional or class tags: allocate on the first own tag */
            b->tags = sg_arena_alloc(v->script->arena, node->nargs * sizeof *b->tags);
        b->tags[b->ntags++] = (sg_bound_tag){td, tag, param};
        return true;
    }

    if ((def->accepts & SG_ACCEPTS_COMPARATOR) && strcmp(name, "comparator") == 0) {
        const sg_arg *p = tag_param(v, tag, SG_T_STRING, "comparator name", next);
        if (p)
            bind_comparator(v, b, tag, p);
        return true;
    }
    static const struct {
        unsigned flag;
        sg_tag_class cls;
        const char *what;
    } classes[] = {
        {SG_ACCEPTS_MATCH, SG_CLASS_MATCH, "match type"},
        {SG_ACCEPTS_ADDRPART, SG_CLASS_ADDRPART, "address part"},
    };
    for (size_t c = 0; c < SG_COUNT(classes); c++) {
        if (!(def->accepts & classes[c].flag))
            continue;
        const sg_class_member *m = sg_registry_member(v->reg, classes[c].cls, name, &owner);
        if (!m)
            continue;
        if (!owner_enabled(v, owner)) {
            snprintf(what, sizeof what, "%s ':%s'", classes[c].what, name);
            missing_require(v, sg_arg_loc(tag), what, owner);
        }
        const sg_arg *param = NULL;
        if (m->param != SG_T_NONE && !(param = tag_param(v, tag, m->param, m->param_name, next)))
            return true;
        if (param && m->check_param && param->kind == SG_ARG_STRING &&
            !(sg_validator_enabled(v, "variables") && strstr(param->u.string.data, "${"))) {
            const char *why = m->check_param(param->u.string.data);
            if (why)
                sg_error(v->diags, sg_arg_loc(param), "bad-argument", "%s", why);
        }
        if (classes[c].cls == SG_CLASS_MATCH) {
            if (set_class(v, tag, &b->match, m, "match type"))
                b->match_param = param;
        } else {
            set_class(v, tag, &b->addrpart, m, "address part");
        }
        return true;
    }
    sg_error(v->diags, sg_arg_loc(tag), "unknown-tag", "unknown tag ':%s' for %s '%s'", name, kind_word(def),
             def->name);
    return false;
}

/* Where the tag `name` stands among the node's arguments. */
static sg_loc tag_loc(const sg_node *node, const char *name)
{
    for (const sg_arg *a = node->args; a; a = a->next)
        if (a->kind == SG_ARG_TAG && strcmp(a->u.tag.name, name) == 0)
            return sg_arg_loc(a);
    return node->loc;
}

static void bind_arguments(sg_validator *v, sg_node *node, sg_bound *b)
{
    const sg_command_def *def = node->def;
    bool seen_positional = false;
    uint32_t extra = 0;
    const sg_arg *first_extra = NULL;

    for (const sg_arg *a = node->args; a;) {
        const sg_arg *next = a->next;
        if (a->kind == SG_ARG_TAG) {
            if (seen_positional)
                sg_error(v->diags, sg_arg_loc(a), "tag-order",
                         "tag ':%s' must come before the positional arguments of '%s' (RFC 5228 §2.6.2)",
                         a->u.tag.name, def->name);
            if (!bind_tag(v, node, b, a, &next))
                return; /* the rest would only produce follow-on errors */
        } else {
            seen_positional = true;
            if (b->npositional < def->npositional) {
                const sg_positional *p = &def->positional[b->npositional];
                if (!type_accepts(p->type, a))
                    sg_error(v->diags, sg_arg_loc(a), "bad-argument", "'%s' expects %s as %s, not %s", def->name,
                             type_name(p->type), p->name, arg_name(a));
                if (b->npositional++ == 0)
                    b->first_positional = a;
            } else {
                if (!first_extra)
                    first_extra = a;
                extra++;
            }
        }
        a = next;
    }
    if (first_extra) {
        if (def->npositional == 0)
            sg_error(v->diags, sg_arg_loc(first_extra), "too-many-arguments", "'%s' takes no arguments, but got %s",
                     def->name, arg_name(first_extra));
        else
            sg_error(v->diags, sg_arg_loc(first_extra), "too-many-arguments",
                     "too many arguments for '%s': it takes %u, got %u", def->name, def->npositional,
                     def->npositional + extra);
    }
    /* RFC 4790 §9.1: i;ascii-numeric only orders and tests equality (and so
     * cannot search, draft-murchison-sieve-regex-07 §3). */
    if (b->comparator && b->comparator->no_substring && b->match &&
        (b->match->id == SG_MATCH_CONTAINS || b->match->id == SG_MATCH_MATCHES || b->match->id == SG_MATCH_REGEX))
        sg_error(v->diags, tag_loc(node, b->match->name), "comparator-mismatch",
                 "comparator \"%s\" cannot be used with ':%s'", b->comparator->name, b->match->name);
    if (b->match && b->match->check_keys && b->npositional == def->npositional && b->npositional > 0)
        b->match->check_keys(v, b, sg_positional_arg(b, b->npositional - 1u));
    if (b->npositional < def->nrequired) {
        const sg_positional *p = &def->positional[b->npositional];
        sg_error(v->diags, node->loc, "missing-argument", "'%s' is missing its %s argument (%s)", def->name,
                 p->name, type_name(p->type));
    }
}

/* ---- commands, tests, blocks (RFC 5228 §3) ---- */

static void validate_list(sg_validator *v, sg_node *list, bool top_level);
static void validate_test(sg_validator *v, sg_node *node);

static void walk_children(sg_validator *v, sg_node *node)
{
    /* Tests given to a command that takes none were reported already (usually a missing ';'). */
    if (!node->def || node->def->subtests != SG_SUB_NONE)
        for (sg_node *t = node->tests; t; t = t->next)
            validate_test(v, t);
    if (!node->has_block)
        return;
    /* RFC 5463 §4 and Pigeonhole: the block of a test known false when the
     * script is compiled (e.g. ihave of an unknown extension) is not checked. */
    if (node->def && (node->def->id == SG_CMD_IF || node->def->id == SG_CMD_ELSIF) &&
        sg_static_test_value(v, node->tests) == 0)
        return;
    if (v->block_depth + 1 > v->limits->max_nesting) {
        /* Reported once, at the command whose block is one too deep; what is inside is not checked. */
        sg_error(v->diags, node->end, "limit-nesting", "blocks are nested too deeply (more than limit max_nesting %u)",
                 v->limits->max_nesting);
        return;
    }
    v->block_depth++;
    validate_list(v, node->block, false);
    v->block_depth--;
}

static void check_tests(sg_validator *v, sg_node *node)
{
    const sg_command_def *def = node->def;
    switch (def->subtests) {
    case SG_SUB_NONE:
        if (node->tests) {
            if (node->tests->loc.line > node->loc.line && !def->is_test)
                sg_error(v->diags, node->tests->loc, "unexpected-test",
                         "'%s' does not take a test: is a ';' missing after '%s' on line %u?", def->name,
                         def->name, node->loc.line);
            else
                sg_error(v->diags, node->tests->loc, "unexpected-test", "'%s' does not take a test",
                         def->name);
        }
        break;
    case SG_SUB_TEST:
        if (!node->tests)
            sg_error(v->diags, node->loc, "missing-test", "'%s' needs a test", def->name);
        else if (node->has_test_list)
            sg_error(v->diags, node->tests->loc, "unexpected-test-list",
                     "'%s' takes one test, not a test list (use allof or anyof to combine tests)",
                     def->name);
        break;
    case SG_SUB_TESTLIST:
        if (!node->tests)
            sg_error(v->diags, node->loc, "missing-test", "'%s' needs a test list in parentheses",
                     def->name);
        else if (!node->has_test_list)
            sg_error(v->diags, node->tests->loc, "missing-test-list",
                     "'%s' needs a test list in parentheses, e.g. %s (test1, test2)", def->name, def->name);
        break;
    }
    if (!def->is_test) {
        if (def->block && !node->has_block)
            sg_error(v->diags, node->end, "missing-block", "'%s' needs a block: '{' ... '}'", def->name);
        else if (!def->block && node->has_block)
            sg_error(v->diags, node->end, "unexpected-block", "'%s' does not take a block", def->name);
    }
}

/* Returns the node's definition when it resolves to the expected kind. */
static const sg_command_def *lookup(sg_validator *v, const char *name, const sg_extension **owner)
{
    size_t slot = ((uintptr_t)name >> 3) % SG_COUNT(v->lookup_cache);
    if (v->lookup_cache[slot].name == name) {
        *owner = v->lookup_cache[slot].owner;
        return v->lookup_cache[slot].def;
    }
    const sg_command_def *def = sg_registry_command(v->reg, name, owner);
    v->lookup_cache[slot].name = name;
    v->lookup_cache[slot].def = def;
    v->lookup_cache[slot].owner = *owner;
    return def;
}

static const sg_command_def *resolve(sg_validator *v, sg_node *node, bool as_test)
{
    const sg_extension *owner = NULL;
    const sg_command_def *def = lookup(v, node->name, &owner);
    if (!def) {
        unknown_name(v, node, as_test);
        return NULL;
    }
    if (def->is_test != as_test) {
        if (as_test)
            sg_error(v->diags, node->loc, "not-a-test", "'%s' is a command, not a test", node->name);
        else
            sg_error(v->diags, node->loc, "not-a-command",
                     "'%s' is a test, not a command (tests go after if, elsif, allof, anyof or not)",
                     node->name);
        return NULL;
    }
    if (!owner_enabled(v, owner)) {
        char what[96];
        snprintf(what, sizeof what, "%s '%s'", kind_word(def), node->name);
        missing_require(v, node->loc, what, owner);
    }
    return def;
}

static void validate_node(sg_validator *v, sg_node *node, bool as_test)
{
    const sg_command_def *def = resolve(v, node, as_test);
    if (!def) {
        walk_children(v, node);
        return;
    }
    node->def = def;
    if (node->nargs > v->limits->max_arguments) {
        sg_error(v->diags, node->loc, "limit-arguments",
                 "too many arguments for '%s' (%u > limit max_arguments %u)", node->name, node->nargs,
                 v->limits->max_arguments);
        walk_children(v, node);
        return;
    }
    /* Nodes without arguments (if, else, stop, keep...) share one empty binding. */
    static const sg_bound no_arguments;
    sg_bound none = no_arguments;
    sg_bound *b = node->nargs ? sg_arena_calloc(v->script->arena, sizeof *b) : &none;
    bind_arguments(v, node, b);
    const sg_bound *bound = node->nargs ? b : &no_arguments;
    node->bound = bound;
    check_tests(v, node);
    if (def->validate)
        def->validate(v, node, bound);
    walk_children(v, node);
}

static void validate_test(sg_validator *v, sg_node *node)
{
    if (++v->test_depth > v->limits->max_nesting) {
        if (v->test_depth == v->limits->max_nesting + 1)
            sg_error(v->diags, node->loc, "limit-nesting",
                     "tests are nested too deeply (more than limit max_nesting %u)", v->limits->max_nesting);
    } else {
        validate_node(v, node, true);
    }
    v->test_depth--;
}

static bool is_name(const sg_node *n, const char *name)
{
    return n && strcmp(n->name, name) == 0;
}

static void validate_list(sg_validator *v, sg_node *list, bool top_level)
{
    const sg_node *prev = NULL;
    bool only_requires = top_level;
    for (sg_node *n = list; n; n = n->next) {
        if (is_name(n, "require")) {
            if (!top_level)
                sg_error(v->diags, n->loc, "misplaced-require",
                         "'require' is only allowed at the top level of the script, not inside a block");
            else if (!only_requires)
                sg_error(v->diags, n->loc, "misplaced-require",
                         "'require' must come before any other command (RFC 5228 §3.2)");
        } else {
            only_requires = false;
        }
        if ((is_name(n, "elsif") || is_name(n, "else")) && !is_name(prev, "if") && !is_name(prev, "elsif") &&
            !v->after_syntax_error)
            sg_error(v->diags, n->loc, "orphan-else", "'%s' must follow 'if' or 'elsif'", n->name);
        validate_node(v, n, false);
        prev = n;
    }
}

/* Enables the extensions named by every top-level require (RFC 5228 §3.2), so
 * that later commands can be checked against them; unknown names are reported
 * by the require command's own hook. */
static void collect_requires(sg_validator *v, sg_node *list)
{
    for (sg_node *n = list; n; n = n->next) {
        if (!is_name(n, "require"))
            continue;
        for (const sg_arg *a = n->args; a; a = a->next) {
            uint32_t count;
            const sg_string *items = sg_arg_strings(a, &count);
            for (uint32_t i = 0; i < count; i++) {
                int idx = sg_registry_extension_index(v->reg, items[i].data);
                if (idx >= 0) {
                    v->enabled[idx] = true;
                    const char *implied = sg_registry_extension_at(v->reg, (size_t)idx)->implies;
                    int j = implied ? sg_registry_extension_index(v->reg, implied) : -1;
                    if (j >= 0)
                        v->enabled[j] = true;
                }
            }
        }
    }
}

/* Calls fn on every string argument of the script. */
static void each_string(sg_validator *v, sg_node *list, void (*fn)(sg_validator *, sg_string *))
{
    for (sg_node *n = list; n; n = n->next) {
        for (sg_arg *a = n->args; a; a = a->next) {
            if (a->kind == SG_ARG_STRING)
                fn(v, &a->u.string);
            else if (a->kind == SG_ARG_STRING_LIST)
                for (uint32_t i = 0; i < a->u.list.count; i++)
                    fn(v, &a->u.list.items[i]);
        }
        each_string(v, n->tests, fn);
        each_string(v, n->block, fn);
    }
}

void sg_validator_set_data(sg_validator *v, sg_node *node, const void *data)
{
    (void)v;
    /* Bindings of nodes with arguments are the validator's own arena copies. */
    if (node->nargs && node->bound)
        ((sg_bound *)(uintptr_t)node->bound)->data = data;
}

bool sg_validate(const sg_registry *reg, sg_script *script, const sg_limits *limits, sg_diags *diags)
{
    return sg_validate_with(reg, script, limits, diags, NULL);
}

bool sg_validate_with(const sg_registry *reg, sg_script *script, const sg_limits *limits, sg_diags *diags,
                      struct sg_includes *includes)
{
    sg_limits defaults;
    if (!limits) {
        sg_limits_default(&defaults);
        limits = &defaults;
    }
    sg_validator v;
    memset(&v, 0, sizeof v);
    v.reg = reg;
    v.includes = includes;
    v.limits = limits;
    v.diags = diags;
    v.script = script;
    v.after_syntax_error = diags->errors > 0;
    v.enabled = sg_arena_calloc(script->arena, sg_registry_extension_count(reg) * sizeof *v.enabled);
    collect_requires(&v, script->commands);
    /* RFC 5228 §2.4.2.4: decoding applies to every string once the capability is required. */
    if (sg_validator_enabled(&v, "encoded-character"))
        each_string(&v, script->commands, sg_encoded_character_decode);
    if (sg_validator_enabled(&v, "variables"))
        each_string(&v, script->commands, sg_variables_check_string);
    validate_list(&v, script->commands, true);
    script->enabled = v.enabled;
    /* Usable only without any error, the parser's included. */
    return diags->errors == 0;
}
