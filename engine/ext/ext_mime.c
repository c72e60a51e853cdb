/* ext_mime.c - the extensions of RFC 5703: "foreverypart" (with "break"),
 * "mime" (:mime, :anychild, :type, :subtype, :contenttype, :param on header,
 * address and exists) and "extracttext".
 *
 * Takes: the commands' and tests' bound arguments and the message's MIME
 * parts (engine/mail/mime.h), walked through the interpreter's current part.
 * Returns: loop iterations, test answers and variables set; compile-time
 * errors for a break or an extracttext outside a loop, an unknown loop name
 * and loops nested deeper than SG_FOREVERYPART_MAX_NESTING.
 */
#include "engine/ext/ext_mime.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/mail/addrlist.h"
#include "engine/mail/addrpart.h"
#include "engine/core/ids.h"
#include "engine/core/registry.h"

/* Pigeonhole's limit of nested loops (SIEVE_MAX_LOOP_DEPTH). */
#define SG_FOREVERYPART_MAX_NESTING 4

/* ---- validation: where a node stands among the loops ---- */

typedef struct {
    const sg_node *names[64]; /* the enclosing foreverypart nodes, outermost first */
    unsigned depth;
} loops;

/* Finds `target` under `list`, filling the loops that enclose it. */
static bool enclosing(const sg_node *list, const sg_node *target, loops *l)
{
    for (const sg_node *n = list; n; n = n->next) {
        if (n == target)
            return true;
        if (!n->has_block)
            continue;
        bool loop = strcmp(n->name, "foreverypart") == 0;
        if (loop && l->depth < SG_COUNT(l->names))
            l->names[l->depth] = n;
        if (loop)
            l->depth++;
        if (enclosing(n->block, target, l))
            return true;
        if (loop)
            l->depth--;
    }
    return false;
}

static const char *loop_name(const sg_node *n)
{
    for (const sg_arg *a = n->args; a; a = a->next)
        if (a->kind == SG_ARG_TAG && strcmp(a->u.tag.name, "name") == 0 && a->next && a->next->kind == SG_ARG_STRING)
            return a->next->u.string.data;
    return NULL;
}

static void foreverypart_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)b;
    loops l = {.depth = 0};
    enclosing(v->script->commands, node, &l);
    if (l.depth + 1 > SG_FOREVERYPART_MAX_NESTING)
        sg_error(v->diags, node->loc, "limit-loop-nesting",
                 "foreverypart loops are nested too deeply (more than %u)", SG_FOREVERYPART_MAX_NESTING);
}

/* RFC 5703 §3.2: break only inside a loop, and a name must be an enclosing loop's. */
static void break_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    loops l = {.depth = 0};
    enclosing(v->script->commands, node, &l);
    const sg_bound_tag *t = sg_bound_tag_find(b, "name");
    if (l.depth == 0) {
        sg_error(v->diags, node->loc, "break-outside-loop", "'break' is only allowed inside a foreverypart loop");
        return;
    }
    if (!t || !t->param || t->param->kind != SG_ARG_STRING)
        return;
    const char *want = t->param->u.string.data;
    for (unsigned i = 0; i < l.depth && i < SG_COUNT(l.names); i++) {
        const char *have = loop_name(l.names[i]);
        if (have && strcmp(have, want) == 0)
            return;
    }
    sg_error(v->diags, sg_arg_loc(t->param), "unknown-loop",
             "'break :name \"%s\"': no enclosing foreverypart loop has that name", want);
}

/* RFC 5703 §7: extracttext is only allowed inside a foreverypart loop. */
static void extracttext_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)b;
    loops l = {.depth = 0};
    enclosing(v->script->commands, node, &l);
    if (l.depth == 0)
        sg_error(v->diags, node->loc, "extracttext-outside-loop",
                 "'extracttext' is only allowed inside a foreverypart loop");
}

bool sg_mime_tagged(const sg_bound *b)
{
    return sg_bound_tag_find(b, "mime") != NULL;
}

void sg_mime_check_tags(sg_validator *v, const sg_node *node, const sg_bound *b)
{
    static const char *const need_mime[] = {"anychild", "type", "subtype", "contenttype", "param"};
    (void)node;
    if (sg_bound_tag_find(b, "mime"))
        return;
    for (size_t i = 0; i < SG_COUNT(need_mime); i++) {
        const sg_bound_tag *t = sg_bound_tag_find(b, need_mime[i]);
        if (t)
            sg_error(v->diags, sg_arg_loc(t->arg), "missing-tag", "':%s' needs ':mime' (RFC 5703 §4)",
                     need_mime[i]);
    }
}

/* ---- run time ---- */

static void foreverypart_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    const sg_bound_tag *t = sg_bound_tag_find(b, "name");
    const char *name = t && t->param ? sg_interp_string(in, t->param).data : NULL;
    sg_mime *mime = sg_interp_mime(in);
    size_t cur = sg_interp_current_part(in);
    size_t end = sg_mime_part_at(mime, cur)->end;
    /* §3: depth first; at the top level the message itself is the first
     * part (as Pigeonhole), in a nested loop the parts inside the current one */
    size_t first = sg_interp_loop_depth(in) == 0 ? cur : cur + 1;
    for (size_t i = first; i < end; i++)
        if (!sg_interp_loop_body(in, node->block, i, name))
            break;
}

static void break_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    const sg_bound_tag *t = sg_bound_tag_find(b, "name");
    sg_interp_break(in, t && t->param ? sg_interp_string(in, t->param).data : NULL);
}

/* §7: the current part's content, decoded (text: in UTF-8, HTML as text),
 * or "" for a multipart or message/rfc822 part. As Pigeonhole, other parts
 * give their decoded octets and :first N keeps the first N octets (not cut
 * inside a UTF-8 character). */
static void extracttext_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_strview name = sg_interp_string(in, sg_positional_arg(b, 0));
    sg_mime *mime = sg_interp_mime(in);
    size_t cur = sg_interp_current_part(in);
    const sg_mime_part *p = sg_mime_part_at(mime, cur);
    sg_strview value = {"", 0};
    if (!p->multipart && !p->message)
        value.data = sg_mime_text(mime, cur, &value.len);
    const sg_bound_tag *first = sg_bound_tag_find(b, "first");
    if (first && first->param && first->param->u.number.value < value.len) {
        size_t n = (size_t)first->param->u.number.value;
        while (n > 0 && ((unsigned char)value.data[n] & 0xC0) == 0x80)
            n--;
        value.len = n;
    }
    sg_interp_var_set(in, name.data, (sg_strview){sg_arena_strndup(sg_interp_arena(in), value.data, value.len),
                                                  value.len});
}

/* The values a :mime header test compares, for one part and one field name. */
static size_t part_values(sg_interp *in, const sg_mime_part *p, const char *field, const sg_bound *b,
                          const char *const **out)
{
    const sg_bound_tag *type = sg_bound_tag_find(b, "type"), *subtype = sg_bound_tag_find(b, "subtype"),
                       *ct = sg_bound_tag_find(b, "contenttype"), *param = sg_bound_tag_find(b, "param");
    if (!type && !subtype && !ct && !param)
        return sg_message_header_values(p->headers, field, out);
    const char *const *raw;
    size_t n = sg_message_header_raw_values(p->headers, field, &raw);
    sg_arena *arena = sg_interp_arena(in);
    sg_strview *pnames = NULL;
    size_t npnames = param && param->param ? sg_interp_strings(in, param->param, &pnames) : 0;
    size_t cap = n * (param ? 8 : 1) + 1, count = 0;
    const char **vals = sg_arena_alloc(arena, cap * sizeof *vals);
    for (size_t i = 0; i < n; i++) {
        const char *t, *s;
        sg_mime_param *ps;
        size_t nps;
        sg_mime_content_type(raw[i], strlen(raw[i]), arena, &t, &s, &ps, &nps);
        if (param) {
            /* A parameter the field does not have is "" (as Pigeonhole). */
            for (size_t j = 0; j < npnames; j++) {
                bool found = false;
                for (size_t k = 0; k <= nps; k++) {
                    bool hit = k < nps && strcasecmp(ps[k].name, pnames[j].data) == 0;
                    if (!hit && (k < nps || found))
                        continue;
                    if (count + 1 >= cap) {
                        const char **grown = sg_arena_alloc(arena, cap * 2 * sizeof *grown);
                        memcpy(grown, vals, count * sizeof *grown);
                        vals = grown;
                        cap *= 2;
                    }
                    vals[count++] = hit ? ps[k].value : "";
                    found = true;
                }
            }
            continue;
        }
        /* §4.2: a malformed value gives "" for the parts that are missing */
        if (type)
            vals[count++] = t ? t : "";
        else if (subtype)
            vals[count++] = s ? s : "";
        else {
            char *both = sg_arena_alloc(arena, (t ? strlen(t) + strlen(s) : 0) + 2);
            if (t)
                sprintf(both, "%s/%s", t, s);
            else
                both[0] = '\0';
            vals[count++] = both;
        }
    }
    vals[count] = NULL;
    *out = vals;
    return count;
}

bool sg_mime_test(sg_interp *in, const sg_node *node, const sg_bound *b, int id)
{
    (void)node;
    sg_mime *mime = sg_interp_mime(in);
    size_t cur = sg_interp_current_part(in);
    /* §4.1: :anychild tests the current part and every part inside it */
    size_t end = sg_bound_tag_find(b, "anychild") ? sg_mime_part_at(mime, cur)->end : cur + 1;
    sg_strview *names;
    size_t nnames = sg_interp_strings(in, sg_positional_arg(b, 0), &names);
    sg_matcher m;
    if (id != SG_TEST_EXISTS)
        sg_interp_matcher(in, b, sg_positional_arg(b, 1), &m);
    size_t count = 0;
    for (size_t i = cur; i < end; i++) {
        const sg_mime_part *p = sg_mime_part_at(mime, i);
        if (id == SG_TEST_EXISTS) {
            bool all = true;
            for (size_t k = 0; k < nnames && all; k++) {
                const char *const *v;
                all = sg_message_header_values(p->headers, names[k].data, &v) > 0;
            }
            if (all)
                return true;
            continue;
        }
        for (size_t k = 0; k < nnames; k++) {
            const char *const *values;
            if (id == SG_TEST_ADDRESS) {
                size_t n = sg_message_header_raw_values(p->headers, names[k].data, &values);
                for (size_t v = 0; v < n; v++) {
                    sg_mailbox *list;
                    size_t nmb = sg_addrlist_parse(values[v], strlen(values[v]), sg_interp_arena(in), &list);
                    if (sg_match_mailboxes(in, b, &m, list, nmb, &count))
                        return true;
                }
                continue;
            }
            size_t n = part_values(in, p, names[k].data, b, &values);
            if (m.match == SG_MATCH_COUNT) {
                count += n;
                continue;
            }
            for (size_t v = 0; v < n; v++)
                if (sg_interp_match(in, &m, values[v], strlen(values[v])))
                    return true;
        }
    }
    return id != SG_TEST_EXISTS && m.match == SG_MATCH_COUNT && sg_interp_match_count(in, &m, count);
}

/* ---- tables ---- */

#define OPTION 1
static const sg_tag_extension mime_tags[] = {
    {"header", {.name = "mime"}},
    {"header", {.name = "anychild"}},
    {"header", {.name = "type", .group = OPTION}},
    {"header", {.name = "subtype", .group = OPTION}},
    {"header", {.name = "contenttype", .group = OPTION}},
    {"header", {.name = "param", .param = SG_T_STRING_LIST, .param_name = "parameter names", .group = OPTION}},
    {"address", {.name = "mime"}},
    {"address", {.name = "anychild"}},
    {"exists", {.name = "mime"}},
    {"exists", {.name = "anychild"}},
};

const sg_extension sg_ext_mime = {.name = "mime", .tags = mime_tags, .ntags = SG_COUNT(mime_tags)};

static const sg_tag_def name_tag[] = {
    {.name = "name", .param = SG_T_STRING, .param_name = "loop name"},
};

static const sg_command_def foreverypart_commands[] = {
    {.name = "foreverypart", .block = true, .tags = name_tag, .ntags = 1, .validate = foreverypart_hook,
     .id = SG_CMD_FOREVERYPART, .exec = foreverypart_exec},
    {.name = "break", .tags = name_tag, .ntags = 1, .validate = break_hook, .id = SG_CMD_BREAK,
     .exec = break_exec},
};

const sg_extension sg_ext_foreverypart = {
    .name = "foreverypart", .commands = foreverypart_commands, .ncommands = SG_COUNT(foreverypart_commands)};

static const sg_tag_def extracttext_tags[] = {
    {.name = "first", .param = SG_T_NUMBER, .param_name = "number of characters"},
};

static const sg_command_def extracttext_commands[] = {
    {.name = "extracttext", .nrequired = 1, .npositional = 1, .positional = {{SG_T_STRING, "varname"}},
     .tags = extracttext_tags, .ntags = SG_COUNT(extracttext_tags), .validate = extracttext_hook,
     .id = SG_CMD_EXTRACTTEXT, .exec = extracttext_exec},
};

const sg_extension sg_ext_extracttext = {
    .name = "extracttext", .commands = extracttext_commands, .ncommands = SG_COUNT(extracttext_commands)};
