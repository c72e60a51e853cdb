/* lint.c - see lint.h. */
#include "engine/core/lint.h"

#include <string.h>

#include "base/arena.h"
#include "engine/core/ids.h"
#include "engine/core/include.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "engine/mail/address.h"
#include "engine/mail/mailto.h"
#include "policy/decide.h"

typedef struct policy_check {
    const sg_policy *policy;
    const char *owner;
    sg_arena *arena;
} policy_check;

/* One literal target's verdict as a located diagnostic (redirect and notify word it alike). */
static void warn_decision(const policy_check *pc, const sg_string *s, const char *target, sg_fwd_mechanism mech,
                          const char *what, sg_diags *diags)
{
    sg_fwd_request req = {pc->owner, target, mech, NULL, 0, false};
    sg_fwd_decision d;
    sg_fwd_decide(pc->policy, &req, pc->arena, &d);
    if (d.verdict == SG_FWD_BLOCK_BOUNCE || d.verdict == SG_FWD_BLOCK_SILENT)
        sg_warning(diags, s->loc, "policy-block", "forwarding to %s will be blocked: %s", d.target, d.reason);
    else if (d.verdict == SG_FWD_SKIP)
        sg_warning(diags, s->loc, "policy-skip", "forwarding to %s will never happen: %s", d.target, d.reason);
    else if (d.verdict == SG_FWD_INVALID)
        sg_error(diags, s->loc, "invalid-address", "%s \"%s\" cannot be forwarded: %s", what, target, d.reason);
}

/* policy.md: a notify with a mailto method is forwarding to each of its
 * recipients (the path, ?to= and ?cc=). */
static void check_notify(const policy_check *pc, const sg_node *n, bool variables, sg_diags *diags)
{
    const sg_arg *a = sg_positional_arg(n->bound, 0);
    if (!a || a->kind != SG_ARG_STRING || (variables && strstr(a->u.string.data, "${")))
        return;
    sg_mailto m;
    const char *err;
    if (sg_notify_method_parse(a->u.string.data, a->u.string.len, pc->arena, &m, &err) != SG_METHOD_OK)
        return; /* validation reported it */
    for (size_t k = 0; k < m.nrcpts; k++)
        warn_decision(pc, &a->u.string, m.rcpts[k].address, SG_FWD_NOTIFY, "notify recipient", diags);
}

static void check_forwards(const policy_check *pc, const sg_node *list, bool variables, sg_diags *diags)
{
    for (const sg_node *n = list; n; n = n->next) {
        if (n->def && n->def->id == SG_CMD_NOTIFY && n->bound)
            check_notify(pc, n, variables, diags);
        if (n->def && n->def->id == SG_CMD_REDIRECT && n->bound) {
            const sg_arg *a = sg_positional_arg(n->bound, 0);
            if (a && a->kind == SG_ARG_STRING && !(variables && strstr(a->u.string.data, "${"))) {
                bool copy = sg_bound_tag_find(n->bound, "copy") != NULL;
                /* decided on the address delivery decides on: without a display
                 * name, comments and folding white space (engine/mail/address.h) */
                char *spec = sg_arena_alloc_bytes(pc->arena, a->u.string.len + 1);
                size_t spec_len;
                const char *why;
                if (sg_address_parse_sieve(a->u.string.data, a->u.string.len, spec, &spec_len, &why))
                    warn_decision(pc, &a->u.string, spec, copy ? SG_FWD_REDIRECT_COPY : SG_FWD_REDIRECT,
                                  "redirect target", diags); /* else validation reported it */
            }
        }
        check_forwards(pc, n->block, variables, diags);
    }
}

bool sg_lint_script(const sg_lint *l, const char *name, char *buf, size_t len, sg_diags *diags)
{
    size_t errors = diags->errors;
    sg_script *script = sg_parse_buffer(name, buf, len, l->limits, diags);
    if (sg_validate_with(l->reg, script, l->limits, diags, l->includes) && l->policy) {
        policy_check pc = {l->policy, l->owner, sg_arena_new()};
        int var = sg_registry_extension_index(l->reg, "variables");
        check_forwards(&pc, script->commands, var >= 0 && script->enabled[var], diags);
        sg_arena_free(pc.arena);
    }
    sg_script_free(script);
    sg_diags_sort(diags);
    return diags->errors == errors;
}
