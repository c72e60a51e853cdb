/* sg_test_util.h - shared helpers for the cmocka unit tests.
 *
 * A case is a script held as a C string plus the exact expected outcome:
 * diagnostics rendered one per line as "LINE:COLUMN: error|warning: MESSAGE [code]\n"
 * (empty string = valid), and optionally the AST rendered compactly.
 * Table-driven tests loop over all cases, print every failing case by name,
 * then fail once at the end, so a single run shows every mismatch.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h> and <cmocka.h>.
 */
#ifndef SG_TEST_UTIL_H
#define SG_TEST_UTIL_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "grammar/diag.h"
#include "grammar/parse.h"

/* ---- growable string ---- */

typedef struct {
    char *s;
    size_t len, cap;
} sgt_buf;

static inline void sgt_buf_add(sgt_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            abort();
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static inline void sgt_buf_str(sgt_buf *b, const char *s)
{
    sgt_buf_add(b, s, strlen(s));
}

static inline void sgt_buf_fmt(sgt_buf *b, const char *fmt, ...) SG_PRINTF(2, 3);
static inline void sgt_buf_fmt(sgt_buf *b, const char *fmt, ...)
{
    char tmp[1200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    sgt_buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Returns the text (never NULL); the caller frees it. */
static inline char *sgt_buf_take(sgt_buf *b)
{
    char *s = b->s;
    if (!s) {
        s = calloc(1, 1);
        if (!s)
            abort();
    }
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

/* Appends bytes C-escaped (\n \r \t \" \\ \xHH for other control bytes and NUL;
 * bytes >= 0x80 are kept so UTF-8 stays readable). */
static inline void sgt_buf_escaped(sgt_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\n': sgt_buf_str(b, "\\n"); break;
        case '\r': sgt_buf_str(b, "\\r"); break;
        case '\t': sgt_buf_str(b, "\\t"); break;
        case '"': sgt_buf_str(b, "\\\""); break;
        case '\\': sgt_buf_str(b, "\\\\"); break;
        default:
            if (c < 0x20 || c == 0x7F)
                sgt_buf_fmt(b, "\\x%02X", c);
            else
                sgt_buf_add(b, (const char *)&c, 1);
        }
    }
}

/* ---- diagnostics ---- */

/* Sorts the diagnostics and renders them, one per line. Caller frees. */
static inline char *sgt_render_diags(sg_diags *d)
{
    sgt_buf b = {0};
    sg_diags_sort(d);
    for (size_t i = 0; i < d->count; i++) {
        const sg_diag *g = &d->items[i];
        sgt_buf_fmt(&b, "%" PRIu32 ":%" PRIu32 ": %s: %s [%s]\n", g->loc.line, g->loc.column,
                    g->severity == SG_SEV_ERROR ? "error" : "warning", g->message, g->code);
    }
    return sgt_buf_take(&b);
}

/* ---- AST ---- */

static inline void sgt_render_nodes(sgt_buf *b, const sg_node *n, bool locs, bool tests);

static inline void sgt_render_string(sgt_buf *b, const sg_string *s, bool locs)
{
    sgt_buf_str(b, "\"");
    sgt_buf_escaped(b, s->data, s->len);
    sgt_buf_str(b, "\"");
    if (locs)
        sgt_buf_fmt(b, "@%" PRIu32 ":%" PRIu32, s->loc.line, s->loc.column);
}

static inline void sgt_render_node(sgt_buf *b, const sg_node *n, bool locs, bool is_test)
{
    sgt_buf_str(b, n->name);
    if (locs)
        sgt_buf_fmt(b, "@%" PRIu32 ":%" PRIu32, n->loc.line, n->loc.column);
    for (const sg_arg *a = n->args; a; a = a->next) {
        sgt_buf_str(b, " ");
        switch (a->kind) {
        case SG_ARG_STRING: sgt_render_string(b, &a->u.string, locs); break;
        case SG_ARG_NUMBER:
            sgt_buf_fmt(b, "%" PRIu64, a->u.number.value);
            if (locs)
                sgt_buf_fmt(b, "@%" PRIu32 ":%" PRIu32, sg_arg_loc(a).line, sg_arg_loc(a).column);
            break;
        case SG_ARG_TAG:
            sgt_buf_fmt(b, ":%s", a->u.tag.name);
            if (locs)
                sgt_buf_fmt(b, "@%" PRIu32 ":%" PRIu32, sg_arg_loc(a).line, sg_arg_loc(a).column);
            break;
        case SG_ARG_STRING_LIST:
            sgt_buf_str(b, "[");
            for (uint32_t i = 0; i < a->u.list.count; i++) {
                if (i)
                    sgt_buf_str(b, ", ");
                sgt_render_string(b, &a->u.list.items[i], locs);
            }
            sgt_buf_str(b, "]");
            if (locs)
                sgt_buf_fmt(b, "@%" PRIu32 ":%" PRIu32, sg_arg_loc(a).line, sg_arg_loc(a).column);
            break;
        }
    }
    if (n->tests) {
        sgt_buf_str(b, n->has_test_list ? " (" : " ");
        sgt_render_nodes(b, n->tests, locs, true);
        if (n->has_test_list)
            sgt_buf_str(b, ")");
    }
    if (is_test)
        return;
    if (n->has_block) {
        sgt_buf_str(b, " {");
        if (n->block) {
            sgt_buf_str(b, " ");
            sgt_render_nodes(b, n->block, locs, false);
        }
        sgt_buf_str(b, " }");
    } else {
        sgt_buf_str(b, ";");
    }
}

static inline void sgt_render_nodes(sgt_buf *b, const sg_node *n, bool locs, bool tests)
{
    for (; n; n = n->next) {
        sgt_render_node(b, n, locs, tests);
        if (n->next)
            sgt_buf_str(b, tests ? ", " : " ");
    }
}

/* Renders the commands of a script close to Sieve syntax, e.g.
 * `if anyof (true, not false) { keep; } else { discard; }`; with `locs` every
 * node, argument and string is followed by "@LINE:COLUMN". Caller frees. */
static inline char *sgt_render_ast(const sg_script *script, bool locs)
{
    sgt_buf b = {0};
    sgt_render_nodes(&b, script->commands, locs, false);
    return sgt_buf_take(&b);
}

/* ---- running a script ---- */

typedef struct {
    sg_script *script;
    sg_diags diags;
    char *rendered; /* the sorted, rendered diagnostics */
} sgt_result;

/* Parses `len` bytes (0: strlen) of `src`; with `validate` also runs sg_validate
 * (always, as the CLI does, even after syntax errors). `limits` may be NULL. */
static inline void sgt_run(sgt_result *r, const char *src, size_t len, const sg_limits *limits, bool validate)
{
    if (len == 0)
        len = strlen(src);
    sg_diags_init(&r->diags, 0);
    r->script = sg_parse("test.sieve", src, len, limits, &r->diags);
    if (validate) {
        sg_registry *reg = sg_registry_new();
        sg_validate(reg, r->script, limits, &r->diags);
        sg_registry_free(reg);
    }
    r->rendered = sgt_render_diags(&r->diags);
}

static inline void sgt_result_free(sgt_result *r)
{
    free(r->rendered);
    sg_diags_clear(&r->diags);
    sg_script_free(r->script);
    r->script = NULL;
    r->rendered = NULL;
}

/* Parses (and optionally validates) and returns the rendered diagnostics. Caller frees. */
static inline char *sgt_diags_of(const char *src, size_t len, const sg_limits *limits, bool validate)
{
    sgt_result r;
    sgt_run(&r, src, len, limits, validate);
    char *out = r.rendered;
    r.rendered = NULL;
    sgt_result_free(&r);
    return out;
}

/* ---- comparing, with readable failure reports ---- */

static inline void sgt_print_escaped(const char *label, const char *s, size_t n)
{
    sgt_buf b = {0};
    sgt_buf_escaped(&b, s, n > 600 ? 600 : n);
    char *t = sgt_buf_take(&b);
    if (n > 600)
        print_error("    %-9s \"%s\"... (%zu bytes in all)\n", label, t, n);
    else
        print_error("    %-9s \"%s\"\n", label, t);
    free(t);
}

/* Compares one outcome of a case; on mismatch prints the case name, its script
 * and both values, and counts the failure (the test fails at the end). */
static inline bool sgt_expect(int *failures, const char *casename, const char *what, const char *script,
                              size_t script_len, const char *expected, const char *actual)
{
    if (strcmp(expected, actual) == 0)
        return true;
    (*failures)++;
    print_error("FAILED case '%s' (%s)\n", casename, what);
    sgt_print_escaped("script:", script, script_len ? script_len : strlen(script));
    sgt_print_escaped("expected:", expected, strlen(expected));
    sgt_print_escaped("actual:", actual, strlen(actual));
    return false;
}

static inline void sgt_finish(int failures, size_t ncases)
{
    if (failures)
        fail_msg("%d of %zu checks failed (see FAILED lines above)", failures, ncases);
}

/* The generic case: a script and its exact rendered diagnostics. */
typedef struct {
    const char *name;
    const char *script;
    const char *expected; /* rendered diagnostics; "" = valid */
    size_t len;           /* script length when it holds NUL bytes; 0 = strlen */
} sgt_case;

/* Runs a table of generic cases; returns the number of failures. */
static inline int sgt_run_table(const sgt_case *cases, size_t n, const sg_limits *limits, bool validate)
{
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char *got = sgt_diags_of(cases[i].script, cases[i].len, limits, validate);
        sgt_expect(&failures, cases[i].name, "diagnostics", cases[i].script, cases[i].len, cases[i].expected,
                   got);
        free(got);
    }
    return failures;
}

/* Length of a string literal that holds NUL bytes (for the `len` fields). */
#define SGT_LEN(lit) (sizeof(lit) - 1)

#endif
