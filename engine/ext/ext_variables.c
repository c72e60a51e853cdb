/* ext_variables.c - the "variables" extension (RFC 5229): "set" with its
 * modifiers, the "string" test. Expansion of "${...}" in strings and the match
 * variables live in interp.c, since every string argument goes through it. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/ext/ext_variables.h"
#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/mail/mailto.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

static bool ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

/* RFC 6609 §3.4.2: "global.NAME" (one identifier) once "include" is required. */
static bool global_namespace(const struct sg_validator *v, const char *name, size_t len)
{
    if (len <= 7 || strncasecmp(name, "global.", 7) != 0 || !sg_validator_enabled(v, "include"))
        return false;
    if (!ident_start(name[7]))
        return false;
    for (size_t i = 8; i < len; i++)
        if (!ident_char(name[i]))
            return false;
    return true;
}

void sg_variables_check_string(struct sg_validator *v, sg_string *s)
{
    for (const char *p = strstr(s->data, "${"); p; p = strstr(p + 2, "${")) {
        const char *q = p + 2;
        if (!ident_start(*q))
            continue;
        while (ident_char(*q))
            q++;
        if (*q != '.')
            continue;
        const char *r = q + 1;
        while (ident_char(*r) || *r == '.')
            r++;
        if (*r == '}' && global_namespace(v, p + 2, (size_t)(r - p - 2)))
            continue;
        if (*r == '}')
            sg_error(v->diags, s->loc, "unknown-namespace",
                     "unknown variable namespace in \"%.*s\" (RFC 5229 §3: no extension here defines one)",
                     (int)(r + 1 - p), p);
    }
}

/* RFC 5229 §4: the name must be an identifier, or digits; namespaces are rejected. */
static void set_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    const sg_arg *name = sg_positional_arg(b, 0);
    if (!name || name->kind != SG_ARG_STRING)
        return;
    const char *s = name->u.string.data;
    bool ok = ident_start(*s);
    const char *p = s;
    while (ok && *p && ident_char(*p))
        p++;
    if (ok && *p == '.' && global_namespace(v, s, strlen(s)))
        return;
    if (ok && *p == '.')
        sg_error(v->diags, sg_arg_loc(name), "unknown-namespace",
                 "cannot set \"%s\": variable namespaces are not supported (RFC 5229 §3)", s);
    else if (!ok || *p)
        sg_error(v->diags, sg_arg_loc(name), "bad-variable-name",
                 "invalid variable name \"%s\" (letters, digits and '_', not starting with a digit)", s);
}

static size_t utf8_length(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* RFC 5229 §4.1: modifiers apply in order of precedence, largest first. */
static void set_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_strview name = sg_interp_string(in, sg_positional_arg(b, 0));
    sg_strview value = sg_interp_string(in, sg_positional_arg(b, 1));
    sg_arena *arena = sg_interp_arena(in);
    char *s = sg_arena_strndup(arena, value.data, value.len);
    size_t len = value.len;
    if (sg_bound_tag_find(b, "lower") || sg_bound_tag_find(b, "upper")) {
        bool up = sg_bound_tag_find(b, "upper") != NULL;
        for (size_t i = 0; i < len; i++) {
            if (up && s[i] >= 'a' && s[i] <= 'z')
                s[i] = (char)(s[i] - 32);
            else if (!up && s[i] >= 'A' && s[i] <= 'Z')
                s[i] = (char)(s[i] + 32);
        }
    }
    if (len && sg_bound_tag_find(b, "lowerfirst") && s[0] >= 'A' && s[0] <= 'Z')
        s[0] = (char)(s[0] + 32);
    if (len && sg_bound_tag_find(b, "upperfirst") && s[0] >= 'a' && s[0] <= 'z')
        s[0] = (char)(s[0] - 32);
    if (sg_bound_tag_find(b, "quotewildcard")) {
        char *q = sg_arena_alloc(arena, len * 2 + 1);
        size_t n = 0;
        for (size_t i = 0; i < len; i++) {
            if (s[i] == '*' || s[i] == '?' || s[i] == '\\')
                q[n++] = '\\';
            q[n++] = s[i];
        }
        q[n] = '\0';
        s = q;
        len = n;
    }
    /* RFC 5435 §6: ":encodeurl" (precedence 15), a tag the enotify extension adds. */
    if (sg_bound_tag_find(b, "encodeurl"))
        s = sg_uri_percent_encode(arena, s, len, &len);
    if (sg_bound_tag_find(b, "length")) {
        char num[32];
        int n = snprintf(num, sizeof num, "%zu", utf8_length(s, len));
        s = sg_arena_strndup(arena, num, (size_t)n);
        len = (size_t)n;
    }
    sg_interp_var_set(in, name.data, (sg_strview){s, len});
}

/* RFC 5229 §5 "string": like header, on the expanded source strings. An
 * empty source counts as no value for :count. */
static bool string_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_matcher m;
    sg_interp_matcher(in, b, sg_positional_arg(b, 1), &m);
    sg_strview *src;
    size_t n = sg_interp_strings(in, sg_positional_arg(b, 0), &src);
    if (m.match == SG_MATCH_COUNT) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            count += src[i].len > 0;
        return sg_interp_match_count(in, &m, count);
    }
    for (size_t i = 0; i < n; i++)
        if (sg_interp_match(in, &m, src[i].data, src[i].len))
            return true;
    return false;
}

#define CASE 1
#define FIRST 2
static const sg_tag_def set_tags[] = {
    {.name = "lower", .group = CASE},
    {.name = "upper", .group = CASE},
    {.name = "lowerfirst", .group = FIRST},
    {.name = "upperfirst", .group = FIRST},
    {.name = "quotewildcard"},
    {.name = "length"},
};

static const sg_command_def variables_commands[] = {
    {.name = "set", .nrequired = 2, .npositional = 2, .positional = {{SG_T_STRING, "name"}, {SG_T_STRING, "value"}},
     .tags = set_tags, .ntags = SG_COUNT(set_tags), .validate = set_hook, .id = SG_CMD_SET, .exec = set_exec},
    {.name = "string", .is_test = true, .nrequired = 2, .npositional = 2,
     .positional = {{SG_T_STRING_LIST, "source"}, {SG_T_STRING_LIST, "key-list"}},
     .accepts = SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR, .id = SG_TEST_STRING, .test = string_test},
};

const sg_extension sg_ext_variables = {
    .name = "variables", .commands = variables_commands, .ncommands = SG_COUNT(variables_commands)};
