/* ext_editheader.c - the "editheader" extension (RFC 5293): addheader and
 * deleteheader.
 *
 * Takes: the command's arguments and the run's sg_editheader_config. Changes:
 * the message's header overlay (engine/mail/message.h), so that later tests see the
 * edits (§7) and later actions carry them (the interpreter snapshots the
 * header into each action; delivery and redirect write that snapshot).
 * Protected fields (§6) are left alone silently; a field name that is not
 * valid is a compile-time error when literal, a runtime error otherwise
 * (§4, §5); a value is cleaned (no CR/LF can end the field early), RFC 2047
 * encoded when it is not printable ASCII and folded (§4).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/mail/mailtext.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

/* RFC 5293 §6 "MUST NOT permit attempts to delete Received and Auto-Submitted";
 * sievegate refuses adding them too (a forged trace or auto-reply marker), and
 * protects its own loop marker, which the forwarding policy relies on. */
static const char *const always_protected[] = {"received", "auto-submitted", "x-sieve-redirected-from"};

static bool literal(const sg_validator *v, const sg_arg *a)
{
    return a && a->kind == SG_ARG_STRING && !(sg_validator_enabled(v, "variables") && strstr(a->u.string.data, "${"));
}

static void check_name(sg_validator *v, const char *cmd, const sg_arg *a)
{
    if (!literal(v, a))
        return;
    if (!sg_header_name_valid(a->u.string.data, a->u.string.len)) {
        sg_error(v->diags, a->u.string.loc, "invalid-header-name", "%s: \"%s\" is not a valid header field name%s",
                 cmd, a->u.string.data, memchr(a->u.string.data, ':', a->u.string.len) ? " (leave out the ':')" : "");
        return;
    }
    /* §6: the change will be ignored; say so now, as Pigeonhole warns */
    for (size_t i = 0; i < SG_COUNT(always_protected); i++)
        if (strcasecmp(a->u.string.data, always_protected[i]) == 0)
            sg_warning(v->diags, a->u.string.loc, "protected-header",
                       "%s: the %s field is protected: this change will be ignored (RFC 5293 section 6)", cmd,
                       a->u.string.data);
}

/* §4: a literal value is checked now; SG_EDITHEADER_DEFAULT_MAX_SIZE is the
 * least a configuration may set, so it is safe to apply at compile time. */
static void addheader_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    check_name(v, "addheader", sg_positional_arg(b, 0));
    const sg_arg *value = sg_positional_arg(b, 1);
    if (literal(v, value) && memchr(value->u.string.data, '\0', value->u.string.len))
        sg_error(v->diags, value->u.string.loc, "invalid-header-value", "addheader: the value holds a NUL character");
}

/* §5: ":last" needs ":index". */
static void deleteheader_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    check_name(v, "deleteheader", sg_positional_arg(b, 0));
    const sg_bound_tag *last = sg_bound_tag_find(b, "last");
    if (last && !sg_bound_tag_find(b, "index"))
        sg_error(v->diags, last->arg ? sg_arg_loc(last->arg) : node->loc, "missing-tag",
                 "deleteheader: :last needs :index (RFC 5293 section 5)");
}

/* ---- run time ---- */

static bool name_in(const char *list, const char *name)
{
    if (!list)
        return false;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *s = p;
        while (*p && *p != ' ' && *p != '\t' && *p != ',')
            p++;
        if ((size_t)(p - s) == n && strncasecmp(s, name, n) == 0)
            return true;
    }
    return false;
}

/* §6: whether the field may be added (add) or deleted (!add). Subject always may. */
static bool allowed(sg_interp *in, const char *name, bool add)
{
    if (strcasecmp(name, "subject") == 0)
        return true;
    for (size_t i = 0; i < SG_COUNT(always_protected); i++)
        if (strcasecmp(name, always_protected[i]) == 0)
            return false;
    const sg_editheader_config *c = sg_interp_options(in)->editheader;
    if (!c)
        return true;
    return !name_in(c->protected_names, name) && !name_in(add ? c->forbid_add : c->forbid_delete, name);
}

/* The bound on changes (SG_EDITHEADER_MAX_EDITS): a runtime error beyond it. */
static bool under_limit(sg_interp *in, const sg_node *node, const char *cmd)
{
    if (sg_message_edit_count(sg_interp_message(in)) < SG_EDITHEADER_MAX_EDITS)
        return true;
    sg_interp_error(in, node, "limit-editheader", "%s: more than %d header changes in one run", cmd,
                    SG_EDITHEADER_MAX_EDITS);
    return false;
}

static bool runtime_name_ok(sg_interp *in, const sg_node *node, const char *cmd, sg_strview name)
{
    if (sg_header_name_valid(name.data, name.len) && strlen(name.data) == name.len)
        return true;
    sg_interp_error(in, node, "invalid-header-name", "%s: \"%s\" is not a valid header field name", cmd, name.data);
    return false;
}

static void addheader_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    sg_strview name = sg_interp_string(in, sg_positional_arg(b, 0));
    sg_strview value = sg_interp_string(in, sg_positional_arg(b, 1));
    if (!runtime_name_ok(in, node, "addheader", name))
        return;
    const sg_editheader_config *c = sg_interp_options(in)->editheader;
    size_t max = c && c->max_header_size ? c->max_header_size : SG_EDITHEADER_DEFAULT_MAX_SIZE;
    if (value.len > max) {
        /* §4 "MUST either flag an error or encode": an error, as Pigeonhole's limit */
        sg_interp_error(in, node, "limit-header-size",
                        "addheader: the value of %s is too large (%zu bytes > sieve_editheader_max_header_size %zu)",
                        name.data, value.len, max);
        return;
    }
    if (!allowed(in, name.data, true))
        return; /* §6: silently ignored */
    if (!under_limit(in, node, "addheader"))
        return;
    sg_arena *arena = sg_interp_arena(in);
    sg_message *msg = sg_interp_message(in);
    /* Line breaks and controls become spaces (no CR/LF injection), then
     * plain words or RFC 2047 encoded words, folded at 78 (RFC 5322 §2.2.3). */
    sg_mtbuf f = sg_mt_new(arena);
    sg_mt_put_unstructured(&f, name.data, sg_mt_clean_text(arena, value.data));
    /* The builder ends lines in CRLF; the message may use LF. */
    const char *eol = sg_message_eol(msg);
    sg_mtbuf out = sg_mt_new(arena);
    size_t len = f.len >= 2 ? f.len - 2 : f.len; /* without the final CRLF */
    for (size_t i = 0; i < len; i++) {
        if (f.s[i] == '\r' && i + 1 < len && f.s[i + 1] == '\n') {
            sg_mt_puts(&out, eol);
            i++;
        } else {
            sg_mt_put(&out, &f.s[i], 1);
        }
    }
    sg_message_add_field(msg, out.s, out.len, sg_bound_tag_find(b, "last") != NULL);
}

static void deleteheader_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    sg_strview name = sg_interp_string(in, sg_positional_arg(b, 0));
    if (!runtime_name_ok(in, node, "deleteheader", name))
        return;
    if (!allowed(in, name.data, false))
        return; /* §6: silently ignored */
    const sg_arg *patterns = sg_positional_arg(b, 1);
    sg_matcher m;
    if (patterns)
        sg_interp_matcher(in, b, patterns, &m);
    const sg_bound_tag *index = sg_bound_tag_find(b, "index");
    /* :index 0 names no field: every one is a candidate, as in Pigeonhole. */
    unsigned long long want = index && index->param ? index->param->u.number.value : 0;
    bool from_end = sg_bound_tag_find(b, "last") != NULL;

    sg_message *msg = sg_interp_message(in);
    size_t n = sg_message_header_count(msg);
    if (n == 0)
        return;
    /* The field values as the "header" test sees them (§5: "as if by the
     * header test"), in order: those of this name, one per field. */
    const char *const *values;
    size_t nvalues = sg_message_header_values(msg, name.data, &values);
    bool *del = sg_arena_calloc(sg_interp_arena(in), n * sizeof *del);
    size_t occurrence = 0;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        const sg_header_field *f = sg_message_header_at(msg, i);
        if (f->name_len != name.len || strncasecmp(f->name, name.data, name.len) != 0)
            continue;
        size_t k = occurrence++; /* 0-based among this name's fields */
        unsigned long long pos = from_end ? nvalues - k : k + 1;
        if (want && pos != want)
            continue;
        if (patterns) {
            const char *v = k < nvalues ? values[k] : "";
            if (m.match == SG_MATCH_COUNT || !sg_interp_match(in, &m, v, strlen(v)))
                continue;
        }
        del[i] = any = true;
    }
    if (any && under_limit(in, node, "deleteheader"))
        sg_message_delete_fields(msg, del);
}

static const sg_tag_def addheader_tags[] = {
    {.name = "last", .param = SG_T_NONE},
};

static const sg_tag_def deleteheader_tags[] = {
    {.name = "index", .param = SG_T_NUMBER, .param_name = "field number"},
    {.name = "last", .param = SG_T_NONE},
};

static const sg_command_def editheader_commands[] = {
    {.name = "addheader", .nrequired = 2, .npositional = 2,
     .positional = {{SG_T_STRING, "field name"}, {SG_T_STRING, "value"}}, .tags = addheader_tags,
     .ntags = SG_COUNT(addheader_tags), .validate = addheader_hook, .id = SG_CMD_ADDHEADER, .exec = addheader_exec},
    {.name = "deleteheader", .nrequired = 1, .npositional = 2,
     .positional = {{SG_T_STRING, "field name"}, {SG_T_STRING_LIST, "value patterns"}},
     .accepts = SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR, .tags = deleteheader_tags,
     .ntags = SG_COUNT(deleteheader_tags), .validate = deleteheader_hook, .id = SG_CMD_DELETEHEADER,
     .exec = deleteheader_exec},
};

const sg_extension sg_ext_editheader = {
    .name = "editheader", .commands = editheader_commands, .ncommands = SG_COUNT(editheader_commands)};
