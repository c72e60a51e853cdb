/* ext_enotify.c - the "enotify" extension (RFC 5435) with the mailto method
 * (RFC 5436): the notify action, the valid_notify_method and
 * notify_method_capability tests, and the ":encodeurl" modifier of "set"
 * (RFC 5435 §6; applied in ext_variables.c in its precedence order).
 *
 * Takes: the bound arguments of a validated node. Returns: located compile
 * errors and warnings for literal arguments; at run time a SG_ACT_NOTIFY action
 * holding the parsed mailto URI (engine/mail/mailto.h), or a runtime error when an
 * argument built from variables is invalid (RFC 5435 §3.2). */
#include <string.h>
#include <strings.h>

#include "engine/mail/address.h"
#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/mail/mailto.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "engine/ext/ext_fcc.h"

/* A literal the validator can check now (not built from variables). */
static const sg_string *literal(sg_validator *v, const sg_arg *a)
{
    if (!a || a->kind != SG_ARG_STRING)
        return NULL;
    if (sg_validator_enabled(v, "variables") && strstr(a->u.string.data, "${"))
        return NULL;
    return &a->u.string;
}

static bool importance_valid(const char *s)
{
    return (s[0] == '1' || s[0] == '2' || s[0] == '3') && s[1] == '\0';
}

/* RFC 5436 §2.3: ":from" must have email address syntax. */
static bool from_valid(const char *s, size_t len, const char **why)
{
    return sg_address_parse_sieve(s, len, NULL, NULL, why);
}

static void notify_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    sg_fcc_validate(v, node, b); /* RFC 8580 */
    const sg_arg *method_arg = sg_positional_arg(b, 0);
    const sg_string *method = literal(v, method_arg);
    bool is_mailto = false;
    if (method) {
        sg_mailto m;
        const char *err = NULL;
        sg_method_status st = sg_notify_method_parse(method->data, method->len, v->script->arena, &m, &err);
        if (st != SG_METHOD_OK) {
            sg_error(v->diags, method->loc, "invalid-notify-method", "notify method \"%s\": %s", method->data, err);
        } else {
            is_mailto = true;
            for (size_t i = 0; i < m.nwarnings; i++)
                sg_warning(v->diags, method->loc, "notify-method", "notify method: %s", m.warnings[i]);
        }
    }
    const sg_bound_tag *t = sg_bound_tag_find(b, "from");
    const sg_string *from = t ? literal(v, t->param) : NULL;
    const char *why = NULL;
    if (from && !from_valid(from->data, from->len, &why))
        sg_error(v->diags, from->loc, "invalid-address", "invalid :from address \"%s\" for notify: %s", from->data,
                 why);
    t = sg_bound_tag_find(b, "importance");
    const sg_string *imp = t ? literal(v, t->param) : NULL;
    if (imp && !importance_valid(imp->data))
        sg_error(v->diags, imp->loc, "bad-argument",
                 "invalid :importance \"%s\" for notify (RFC 5435 §3.4: \"1\", \"2\" or \"3\")", imp->data);
    t = sg_bound_tag_find(b, "options");
    if (t && t->param) {
        const sg_string *items = t->param->kind == SG_ARG_STRING ? &t->param->u.string : t->param->u.list.items;
        size_t n = t->param->kind == SG_ARG_STRING ? 1 : t->param->u.list.count;
        bool all_valid = true;
        for (size_t i = 0; i < n; i++) {
            if (sg_validator_enabled(v, "variables") && strstr(items[i].data, "${"))
                continue;
            if (!sg_notify_option_valid(items[i].data, items[i].len)) {
                all_valid = false;
                sg_error(v->diags, items[i].loc, "bad-argument",
                         "invalid notify option \"%s\" (RFC 5435 §3.5: \"name=value\")", items[i].data);
            }
        }
        if (all_valid && is_mailto && n > 0)
            sg_warning(v->diags, sg_arg_loc(t->param), "notify-options",
                       "the mailto method accepts no options; they are ignored (RFC 5436 §2.5)");
    }
}

static const char *tag_string(sg_interp *in, const sg_bound *b, const char *name)
{
    const sg_bound_tag *t = sg_bound_tag_find(b, name);
    return t && t->param ? sg_interp_string(in, t->param).data : NULL;
}

/* RFC 5435 §3: checks the expanded arguments again (they may come from
 * variables); an invalid one is a runtime error. */
static void notify_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    sg_arena *arena = sg_interp_arena(in);
    sg_action a;
    memset(&a, 0, sizeof a);
    a.kind = SG_ACT_NOTIFY;
    a.loc = node->loc;
    sg_strview method = sg_interp_string(in, sg_positional_arg(b, 0));
    sg_mailto *m = sg_arena_alloc(arena, sizeof *m);
    const char *err = NULL;
    if (sg_notify_method_parse(method.data, method.len, arena, m, &err) != SG_METHOD_OK) {
        sg_interp_error(in, node, "invalid-notify-method", "notify method \"%.200s\": %s", method.data, err);
        return;
    }
    a.method = method.data;
    a.mailto = m;
    a.from = tag_string(in, b, "from");
    const char *why = NULL;
    if (a.from && !from_valid(a.from, strlen(a.from), &why)) {
        sg_interp_error(in, node, "invalid-address", "invalid :from address \"%.200s\" for notify: %s", a.from, why);
        return;
    }
    a.importance = tag_string(in, b, "importance");
    if (!a.importance) {
        a.importance = "2"; /* RFC 5435 §3.4 */
    } else if (!importance_valid(a.importance)) {
        sg_interp_error(in, node, "bad-argument", "invalid :importance \"%.20s\" for notify", a.importance);
        return;
    }
    const sg_bound_tag *t = sg_bound_tag_find(b, "options");
    if (t && t->param) {
        sg_strview *items;
        size_t n = sg_interp_strings(in, t->param, &items);
        const char **opts = sg_arena_alloc(arena, (n ? n : 1) * sizeof *opts);
        for (size_t i = 0; i < n; i++) {
            if (!sg_notify_option_valid(items[i].data, items[i].len)) {
                sg_interp_error(in, node, "bad-argument", "invalid notify option \"%.200s\"", items[i].data);
                return;
            }
            opts[i] = items[i].data;
        }
        a.options = opts;
        a.noptions = n;
    }
    a.message = tag_string(in, b, "message");
    if (!sg_fcc_apply(in, node, b, &a)) /* RFC 8580 */
        return;
    sg_result_add(sg_interp_result(in), &a);
}

/* RFC 5435 §4: true when every URI is a supported and valid method, checked
 * exactly as notify checks its method. */
static bool valid_notify_method_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_strview *uris;
    size_t n = sg_interp_strings(in, sg_positional_arg(b, 0), &uris);
    for (size_t i = 0; i < n; i++) {
        sg_mailto m;
        const char *err;
        if (sg_notify_method_parse(uris[i].data, uris[i].len, sg_interp_arena(in), &m, &err) != SG_METHOD_OK)
            return false;
    }
    return true;
}

/* RFC 5435 §5, RFC 5436 §2.2: "online" is "maybe" for mailto (nobody here
 * knows whether the recipients are logged in); an invalid or unsupported URI
 * or an unknown capability fails the test, never an error. */
static bool notify_method_capability_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_strview uri = sg_interp_string(in, sg_positional_arg(b, 0));
    sg_strview cap = sg_interp_string(in, sg_positional_arg(b, 1));
    sg_mailto m;
    const char *err;
    if (sg_notify_method_parse(uri.data, uri.len, sg_interp_arena(in), &m, &err) != SG_METHOD_OK)
        return false;
    if (cap.len != 6 || strncasecmp(cap.data, "online", 6) != 0)
        return false;
    sg_matcher mt;
    sg_interp_matcher(in, b, sg_positional_arg(b, 2), &mt);
    if (mt.match == SG_MATCH_COUNT)
        return sg_interp_match_count(in, &mt, 1);
    return sg_interp_match(in, &mt, "maybe", 5);
}

static const sg_tag_def notify_tags[] = {
    {.name = "from", .param = SG_T_STRING, .param_name = "address"},
    {.name = "importance", .param = SG_T_STRING, .param_name = "importance"},
    {.name = "options", .param = SG_T_STRING_LIST, .param_name = "option list"},
    {.name = "message", .param = SG_T_STRING, .param_name = "message"},
};

static const sg_command_def enotify_commands[] = {
    {.name = "notify", .nrequired = 1, .npositional = 1, .positional = {{SG_T_STRING, "method"}},
     .tags = notify_tags, .ntags = SG_COUNT(notify_tags), .validate = notify_hook, .id = SG_CMD_NOTIFY,
     .exec = notify_exec},
    {.name = "valid_notify_method", .is_test = true, .nrequired = 1, .npositional = 1,
     .positional = {{SG_T_STRING_LIST, "notification-uris"}}, .id = SG_TEST_VALID_NOTIFY_METHOD,
     .test = valid_notify_method_test},
    {.name = "notify_method_capability", .is_test = true, .nrequired = 3, .npositional = 3,
     .positional = {{SG_T_STRING, "notification-uri"}, {SG_T_STRING, "notification-capability"},
                    {SG_T_STRING_LIST, "key-list"}},
     .accepts = SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR, .id = SG_TEST_NOTIFY_METHOD_CAPABILITY,
     .test = notify_method_capability_test},
};

/* RFC 5435 §6: available when both "variables" and "enotify" are required
 * ("set" itself needs variables). */
static const sg_tag_extension enotify_tags[] = {
    {"set", {.name = "encodeurl"}},
};

const sg_extension sg_ext_enotify = {.name = "enotify",
                                     .commands = enotify_commands,
                                     .ncommands = SG_COUNT(enotify_commands),
                                     .tags = enotify_tags,
                                     .ntags = SG_COUNT(enotify_tags)};
