/* interp.c - the tree-walking interpreter; see interp.h. */
#include "engine/core/interp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/core/ids.h"
#include "engine/core/list_store.h"

#define CPU_CHECK_EVERY 256 /* nodes between two looks at the CPU clock */

typedef struct variable {
    const char *name; /* lower-case */
    sg_strview value;
} variable;

typedef struct varstore {
    variable *items;
    size_t count, cap;
} varstore;

/* What belongs to one script of the run (RFC 6609 §3.4: its variables are
 * private), saved while a script it includes runs. */
typedef struct frame {
    const sg_script *script;
    bool variables; /* "variables" required: strings are expanded */
    /* RFC 5229 §3.2 match variables of the last successful :matches */
    sg_strview match[SG_MATCH_VARS];
    unsigned nmatch;
    varstore vars;
    varstore declared; /* RFC 6609 §3.4.1: names declared "global" (values unused) */
} frame;

struct sg_interp {
    const sg_registry *reg;
    sg_message *msg;
    const sg_envelope *env;
    const sg_run_options *opt;
    sg_result *r;
    sg_arena *arena;
    bool stopped;
    bool returned; /* RFC 6609 §3.3: the current script ended by "return" */
    frame f;       /* the script running now */
    varstore globals; /* RFC 6609 §3.4: shared by every script of the run */
    const sg_script **included; /* RFC 6609 §3.2 :once: every script included so far */
    size_t nincluded, capincluded;
    unsigned depth;
    sg_flags flags; /* RFC 5232 internal variable */
    unsigned long steps;
    /* max_cpu_time without a system call for a run that never reaches a
     * check (reading a thread's CPU clock is one; the monotonic clock is
     * not): the CPU clock is first read at the first check, the CPU time
     * before it counted as the whole wall time since wall_start (an upper
     * bound: one thread uses no more CPU than time passes); later checks
     * read it only once the wall time passes the limit. */
    double wall_start;
    double cpu_base;   /* the CPU clock at the first check; <0: not read yet */
    double cpu_before; /* the CPU time counted before cpu_base */
    /* RFC 5703 */
    sg_mime *mime;          /* split on first use */
    size_t part;            /* current part of the innermost foreverypart */
    unsigned loop_depth;
    bool breaking;          /* a break is unwinding to its loop */
    const char *break_name; /* NULL: the innermost loop */
    const sg_node *test_node; /* the test being evaluated, for warnings */
    const sg_node *cmd_node;  /* the command being run, for the trace */
    unsigned trace_matchers;  /* --trace: matchers set up and values compared by the current test */
    unsigned trace_compares;
};

static double clock_now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The CPU time this run has used, or an upper bound of it. */
static double cpu_used(sg_interp *in)
{
    double wall = clock_now(CLOCK_MONOTONIC) - in->wall_start;
    /* this script's thread: a host may run others (lmtp_deliver.c) */
    if (in->cpu_base < 0) {
        in->cpu_base = clock_now(CLOCK_THREAD_CPUTIME_ID);
        in->cpu_before = wall;
        return wall;
    }
    if (wall <= in->opt->max_cpu_seconds)
        return wall;
    return in->cpu_before + clock_now(CLOCK_THREAD_CPUTIME_ID) - in->cpu_base;
}

static bool cpu_exceeded(sg_interp *in, const sg_node *node);

sg_message *sg_interp_message(sg_interp *in) { return in->msg; }
const sg_envelope *sg_interp_envelope(sg_interp *in) { return in->env; }
sg_result *sg_interp_result(sg_interp *in) { return in->r; }
sg_arena *sg_interp_arena(sg_interp *in) { return in->arena; }
const sg_run_options *sg_interp_options(sg_interp *in) { return in->opt; }
sg_flags sg_interp_flags(sg_interp *in) { return in->flags; }
size_t sg_interp_current_part(sg_interp *in) { return in->part; }
unsigned sg_interp_loop_depth(sg_interp *in) { return in->loop_depth; }

sg_mime *sg_interp_mime(sg_interp *in)
{
    if (!in->mime)
        in->mime = sg_mime_parse(in->msg, &in->opt->mime, in->arena);
    return in->mime;
}

void sg_interp_break(sg_interp *in, const char *name)
{
    in->breaking = true;
    in->break_name = name;
}
void sg_interp_set_flags(sg_interp *in, sg_flags flags) { in->flags = flags; }

bool sg_interp_enabled(sg_interp *in, const char *extension)
{
    int i = sg_registry_extension_index(in->reg, extension);
    return i >= 0 && in->f.script->enabled && in->f.script->enabled[i];
}

void sg_interp_error(sg_interp *in, const sg_node *node, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sg_result_fail(in->r, node ? node->loc : (sg_loc){0, 0}, code, "%s", msg);
    in->stopped = true;
}

void sg_interp_warning(sg_interp *in, const sg_node *node, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sg_diag_add(&in->r->warnings, SG_SEV_WARNING, node ? node->loc : (sg_loc){0, 0}, code, fmt, ap);
    va_end(ap);
}

/* ---- variables (RFC 5229) ---- */

static variable *store_find(varstore *st, const char *name, size_t len)
{
    for (size_t i = 0; i < st->count; i++)
        if (strncasecmp(st->items[i].name, name, len) == 0 && st->items[i].name[len] == '\0')
            return &st->items[i];
    return NULL;
}

static variable *store_add(sg_interp *in, varstore *st, const char *name, size_t len)
{
    if (st->count == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 8;
        variable *grown = sg_arena_alloc(in->arena, st->cap * sizeof *grown);
        if (st->count)
            memcpy(grown, st->items, st->count * sizeof *grown);
        st->items = grown;
    }
    variable *v = &st->items[st->count++];
    char *lower = sg_arena_strndup(in->arena, name, len);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    v->name = lower;
    v->value = (sg_strview){"", 0};
    return v;
}

/* The store a name lives in: "global.NAME" (RFC 6609 §3.4.2) and names the
 * script declared global (§3.4.1) are shared, the rest the script's own. */
static varstore *store_of(sg_interp *in, const char **name, size_t *len)
{
    if (*len > 7 && strncasecmp(*name, "global.", 7) == 0) {
        *name += 7;
        *len -= 7;
        return &in->globals;
    }
    return store_find(&in->f.declared, *name, *len) ? &in->globals : &in->f.vars;
}

static variable *find_var(sg_interp *in, const char *name, size_t len)
{
    varstore *st = store_of(in, &name, &len);
    return store_find(st, name, len);
}

/* RFC 5229 §6 lets implementations limit a variable's size: the value is cut
 * at the limit, never in the middle of a UTF-8 character. */
static sg_strview bounded(const sg_interp *in, sg_strview value)
{
    size_t max = in->opt->max_variable_size ? in->opt->max_variable_size : SG_DEFAULT_MAX_VARIABLE_SIZE;
    if (value.len <= max)
        return value;
    size_t n = max;
    while (n > 0 && ((unsigned char)value.data[n] & 0xC0) == 0x80)
        n--;
    char *cut = sg_arena_strndup(in->arena, value.data, n);
    return (sg_strview){cut, n};
}

void sg_interp_var_set(sg_interp *in, const char *name, sg_strview value)
{
    value = bounded(in, value);
    if (in->opt->trace) {
        const sg_node *at = in->cmd_node ? in->cmd_node : in->test_node;
        sg_trace_event ev = {SG_TRACE_SET, at ? at->loc : (sg_loc){0, 0}, name, value.data,
                             value.len, NULL, 0, NULL, NULL, true, false};
        in->opt->trace(in->opt->trace_ctx, &ev);
    }
    size_t len = strlen(name);
    varstore *st = store_of(in, &name, &len);
    variable *v = store_find(st, name, len);
    if (!v)
        v = store_add(in, st, name, len);
    v->value = value;
}

sg_strview sg_interp_var_get(sg_interp *in, const char *name)
{
    variable *v = find_var(in, name, strlen(name));
    return v ? v->value : (sg_strview){"", 0};
}

void sg_interp_declare_global(sg_interp *in, const char *name, size_t len)
{
    if (!store_find(&in->f.declared, name, len))
        store_add(in, &in->f.declared, name, len);
}

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Length of a variable reference "${...}" at s (0 if none) and its value.
 * RFC 5229 §3: "${" variable-name "}" where the name is an identifier (with
 * optional namespace parts, which nothing here defines) or digits. */
static size_t var_ref(sg_interp *in, const char *s, size_t len, sg_strview *value)
{
    if (len < 4 || s[0] != '$' || s[1] != '{')
        return 0;
    size_t i = 2;
    if (s[i] >= '0' && s[i] <= '9') {
        unsigned long n = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (n < 1000)
                n = n * 10 + (unsigned long)(s[i] - '0');
            i++;
        }
        if (i >= len || s[i] != '}')
            return 0;
        *value = n < in->f.nmatch ? in->f.match[n] : (sg_strview){"", 0};
        return i + 1;
    }
    if (!is_ident_start(s[i]))
        return 0;
    size_t start = i;
    while (i < len && (is_ident_char(s[i]) || s[i] == '.')) {
        if (s[i] == '.' && (i + 1 >= len || !is_ident_start(s[i + 1])))
            return 0;
        i++;
    }
    if (i >= len || s[i] != '}')
        return 0;
    variable *v = find_var(in, s + start, i - start);
    *value = v ? v->value : (sg_strview){"", 0};
    return i + 1;
}

static sg_strview expand(sg_interp *in, const sg_string *str)
{
    sg_strview plain = {str->data, str->len};
    if (!in->f.variables || !memchr(str->data, '$', str->len))
        return plain;
    /* Two passes: measure, then copy (values may be long, the string short). */
    size_t out_len = 0;
    for (size_t i = 0; i < str->len;) {
        sg_strview v;
        size_t n = var_ref(in, str->data + i, str->len - i, &v);
        if (n) {
            out_len += v.len;
            i += n;
        } else {
            out_len++;
            i++;
        }
    }
    char *out = sg_arena_alloc(in->arena, out_len + 1);
    size_t o = 0;
    for (size_t i = 0; i < str->len;) {
        sg_strview v;
        size_t n = var_ref(in, str->data + i, str->len - i, &v);
        if (n) {
            memcpy(out + o, v.data, v.len);
            o += v.len;
            i += n;
        } else {
            out[o++] = str->data[i++];
        }
    }
    out[o] = '\0';
    return (sg_strview){out, o};
}

sg_strview sg_interp_string(sg_interp *in, const sg_arg *arg)
{
    if (arg->kind == SG_ARG_STRING)
        return expand(in, &arg->u.string);
    if (arg->kind == SG_ARG_STRING_LIST && arg->u.list.count > 0)
        return expand(in, &arg->u.list.items[0]);
    return (sg_strview){"", 0};
}

size_t sg_interp_strings(sg_interp *in, const sg_arg *arg, sg_strview **items)
{
    const sg_string *src = arg->kind == SG_ARG_STRING ? &arg->u.string : arg->u.list.items;
    size_t n = arg->kind == SG_ARG_STRING ? 1 : arg->kind == SG_ARG_STRING_LIST ? arg->u.list.count : 0;
    sg_strview *out = sg_arena_alloc(in->arena, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = expand(in, &src[i]);
    *items = out;
    return n;
}

/* ---- flags (RFC 5232) ---- */

sg_flags sg_flags_from(sg_interp *in, const sg_strview *items, size_t n)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++)
        cap += items[i].len / 2 + 1;
    sg_flags f = {sg_arena_alloc(in->arena, (cap ? cap : 1) * sizeof(char *)), 0};
    for (size_t i = 0; i < n; i++) {
        const char *p = items[i].data, *end = p + items[i].len;
        while (p < end) {
            while (p < end && *p == ' ')
                p++;
            const char *start = p;
            while (p < end && *p != ' ')
                p++;
            if (p == start)
                continue;
            size_t len = (size_t)(p - start);
            bool seen = false;
            /* Flags compare case-insensitively (RFC 3501 §2.3.2). */
            for (size_t k = 0; k < f.count && !seen; k++)
                seen = strlen(f.items[k]) == len && strncasecmp(f.items[k], start, len) == 0;
            if (!seen)
                f.items[f.count++] = sg_arena_strndup(in->arena, start, len);
        }
    }
    return f;
}

/* RFC 5232 §5: flags that cannot be stored are ignored: \Recent and other
 * unknown system flags, and keywords that are not IMAP atoms (RFC 3501 §9). */
static bool storable_flag(const char *f)
{
    static const char *const system[] = {"\\seen", "\\answered", "\\flagged", "\\deleted", "\\draft"};
    if (f[0] == '\\') {
        for (size_t i = 0; i < sizeof system / sizeof system[0]; i++)
            if (strcasecmp(f, system[i]) == 0)
                return true;
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)f; *p; p++)
        if (*p <= 0x20 || *p >= 0x7F || strchr("(){%*\"\\]", *p))
            return false;
    return *f != '\0';
}

static sg_flags storable(sg_interp *in, sg_flags f)
{
    sg_flags out = {sg_arena_alloc(in->arena, (f.count ? f.count : 1) * sizeof(char *)), 0};
    for (size_t i = 0; i < f.count; i++)
        if (storable_flag(f.items[i]))
            out.items[out.count++] = f.items[i];
    return out;
}

sg_flags sg_action_flags(sg_interp *in, const sg_bound *b)
{
    const sg_bound_tag *t = sg_bound_tag_find(b, "flags");
    if (t && t->param) {
        sg_strview *items;
        size_t n = sg_interp_strings(in, t->param, &items);
        return storable(in, sg_flags_from(in, items, n));
    }
    return storable(in, in->flags);
}

/* ---- matching ---- */

void sg_interp_matcher(sg_interp *in, const sg_bound *b, const sg_arg *keys, sg_matcher *m)
{
    m->match = b->match ? b->match->id : SG_MATCH_IS;
    m->relop = SG_REL_NONE;
    if (b->match_param) {
        sg_strview op = sg_interp_string(in, b->match_param);
        m->relop = sg_relop_parse(op.data);
    }
    /* RFC 5228 §2.7.3: i;ascii-casemap is the default comparator. */
    m->comparator = b->comparator ? b->comparator->id : SG_CMP_ASCII_CASEMAP;
    m->nkeys = keys ? sg_interp_strings(in, keys, &m->keys) : 0;
    in->trace_matchers++;
}

static const char *match_name(const sg_matcher *m)
{
    /* RFC 5231 §5: indexed by sg_relop */
    static const char *const value_ops[] = {":value",         ":value \"gt\"", ":value \"ge\"", ":value \"lt\"",
                                            ":value \"le\"", ":value \"eq\"", ":value \"ne\""};
    static const char *const count_ops[] = {":count",         ":count \"gt\"", ":count \"ge\"", ":count \"lt\"",
                                            ":count \"le\"", ":count \"eq\"", ":count \"ne\""};
    switch (m->match) {
    case SG_MATCH_IS: return ":is";
    case SG_MATCH_CONTAINS: return ":contains";
    case SG_MATCH_MATCHES: return ":matches";
    case SG_MATCH_REGEX: return ":regex";
    case SG_MATCH_VALUE: return value_ops[m->relop];
    case SG_MATCH_COUNT: return count_ops[m->relop];
    case SG_MATCH_LIST: return ":list";
    }
    return ":is";
}

static const char *comparator_name(int comparator)
{
    switch (comparator) {
    case SG_CMP_OCTET: return "i;octet";
    case SG_CMP_ASCII_NUMERIC: return "i;ascii-numeric";
    default: return "i;ascii-casemap";
    }
}

/* --trace: one comparison of a test (sg_run_options.trace). */
static void trace_compare(sg_interp *in, const sg_matcher *m, const char *value, size_t len, size_t k, bool result)
{
    if (!in->opt->trace)
        return;
    in->trace_compares++;
    sg_trace_event ev = {SG_TRACE_COMPARE, in->test_node ? in->test_node->loc : (sg_loc){0, 0},
                         in->test_node ? in->test_node->def->name : "", value, len, m->keys[k].data,
                         m->keys[k].len, match_name(m), comparator_name(m->comparator), result, false};
    in->opt->trace(in->opt->trace_ctx, &ev);
}

bool sg_interp_match(sg_interp *in, const sg_matcher *m, const char *value, size_t len)
{
    sg_captures caps;
    bool want = in->f.variables && (m->match == SG_MATCH_MATCHES || m->match == SG_MATCH_REGEX);
    for (size_t k = 0; k < m->nkeys; k++) {
        if (m->match == SG_MATCH_LIST) {
            /* RFC 6134 §2: the keys name lists; the value matches when it is a
             * member of one. A list that does not exist is a runtime error. */
            const sg_list_store *ls = in->opt->lists;
            if (in->stopped)
                return false;
            int rc = -1;
            if (sg_list_name_valid(m->keys[k].data, m->keys[k].len) && strlen(m->keys[k].data) == m->keys[k].len)
                rc = ls ? ls->lookup(ls->ctx, m->keys[k].data, value, len, m->comparator) : -1;
            if (rc < 0) {
                sg_interp_error(in, in->test_node, "unknown-list", "no external list \"%s\" for :list", m->keys[k].data);
                return false;
            }
            trace_compare(in, m, value, len, k, rc == 1);
            if (rc == 1)
                return true;
            continue;
        }
        if (m->match == SG_MATCH_REGEX) {
            /* draft-murchison-sieve-regex-07 §3: a pattern built from variables
             * that does not compile matches nothing; logged, the run goes on (as Pigeonhole). */
            char why[256];
            int rc = sg_regex_match(m->comparator == SG_CMP_ASCII_CASEMAP, value, len, m->keys[k].data,
                                    m->keys[k].len, want ? &caps : NULL, why, sizeof why);
            if (rc < 0) {
                sg_diags *w = &in->r->warnings;
                sg_loc loc = in->test_node ? in->test_node->loc : (sg_loc){0, 0};
                bool repeated = w->count && w->items[w->count - 1].loc.line == loc.line &&
                                w->items[w->count - 1].loc.column == loc.column;
                if (!repeated)
                    sg_interp_warning(in, in->test_node, "invalid-regex",
                                      "invalid regular expression \"%s\" for :regex: %s", m->keys[k].data, why);
            }
            /* One regexec can take long (compare.h): the clock is read after
             * each, not every CPU_CHECK_EVERY nodes, so max_cpu_time bounds
             * a run of many costly patterns. */
            if (cpu_exceeded(in, in->test_node))
                return false;
            trace_compare(in, m, value, len, k, rc == 1);
            if (rc != 1)
                continue;
        } else if (!sg_match(m->match, m->relop, m->comparator, value, len, m->keys[k].data, m->keys[k].len,
                             want ? &caps : NULL)) {
            trace_compare(in, m, value, len, k, false);
            continue;
        } else {
            trace_compare(in, m, value, len, k, true);
        }
        if (want) {
            /* The captures point into `value`; copy them, it may not outlive the test. */
            in->f.nmatch = caps.count;
            for (unsigned i = 0; i < caps.count; i++)
                in->f.match[i] = (sg_strview){sg_arena_strndup(in->arena, caps.start[i], caps.len[i]), caps.len[i]};
        }
        return true;
    }
    return false;
}

bool sg_interp_match_count(sg_interp *in, const sg_matcher *m, size_t count)
{
    char num[32];
    int n = snprintf(num, sizeof num, "%zu", count);
    for (size_t k = 0; k < m->nkeys; k++) {
        bool holds =
            sg_relop_holds(m->relop, sg_compare_order(m->comparator, num, (size_t)n, m->keys[k].data, m->keys[k].len));
        trace_compare(in, m, num, (size_t)n, k, holds);
        if (holds)
            return true;
    }
    return false;
}

/* ---- control flow (RFC 5228 §3) ---- */

/* max_cpu_time: reads the clock now; true (and a runtime error) when over. */
static bool cpu_exceeded(sg_interp *in, const sg_node *node)
{
    if (in->opt->max_cpu_seconds <= 0 || cpu_used(in) <= in->opt->max_cpu_seconds)
        return false;
    sg_interp_error(in, node, "limit-cpu-time", "script exceeded its CPU time limit (max_cpu_time %g s)",
                    in->opt->max_cpu_seconds);
    return true;
}

static bool over_budget(sg_interp *in, const sg_node *node)
{
    if (in->opt->max_cpu_seconds <= 0 || ++in->steps % CPU_CHECK_EVERY)
        return false;
    return cpu_exceeded(in, node);
}

static bool eval(sg_interp *in, const sg_node *node);

static bool eval(sg_interp *in, const sg_node *node)
{
    if (in->stopped || over_budget(in, node))
        return false;
    switch (node->def->id) {
    case SG_TEST_TRUE:
        return true;
    case SG_TEST_FALSE:
        return false;
    case SG_TEST_NOT:
        return !eval(in, node->tests);
    case SG_TEST_ALLOF: /* short-circuit, left to right (RFC 5228 §5.2, RFC 5229 §3.2) */
        for (const sg_node *t = node->tests; t; t = t->next)
            if (!eval(in, t))
                return false;
        return !in->stopped;
    case SG_TEST_ANYOF:
        for (const sg_node *t = node->tests; t; t = t->next)
            if (eval(in, t))
                return !in->stopped;
        return false;
    default: {
        in->test_node = node;
        in->trace_matchers = in->trace_compares = 0;
        bool result = node->def->test ? node->def->test(in, node, node->bound) : false;
        if (in->opt->trace) {
            sg_trace_event ev = {SG_TRACE_TEST, node->loc, node->def->name, NULL, 0, NULL, 0, NULL, NULL, result, false};
            /* A matching test that compared nothing: the header, address or part was not there. */
            ev.nothing_compared = in->trace_matchers && !in->trace_compares;
            in->opt->trace(in->opt->trace_ctx, &ev);
        }
        return result;
    }
    }
}

static void run_list(sg_interp *in, const sg_node *list)
{
    bool chain_done = false; /* an if/elsif of the current chain was taken */
    for (const sg_node *n = list; n && !in->stopped && !in->returned && !in->breaking; n = n->next) {
        if (over_budget(in, n))
            return;
        in->cmd_node = n;
        if (in->opt->trace && n->def->id != SG_CMD_REQUIRE) {
            sg_trace_event ev = {SG_TRACE_COMMAND, n->loc, n->def->name, NULL, 0, NULL, 0, NULL, NULL, false, false};
            in->opt->trace(in->opt->trace_ctx, &ev);
        }
        switch (n->def->id) {
        case SG_CMD_REQUIRE:
            break;
        case SG_CMD_IF:
            chain_done = eval(in, n->tests);
            if (chain_done && !in->stopped)
                run_list(in, n->block);
            break;
        case SG_CMD_ELSIF:
            if (!chain_done) {
                chain_done = eval(in, n->tests);
                if (chain_done && !in->stopped)
                    run_list(in, n->block);
            }
            break;
        case SG_CMD_ELSE:
            if (!chain_done)
                run_list(in, n->block);
            chain_done = true;
            break;
        case SG_CMD_STOP:
            in->stopped = true;
            break;
        case SG_CMD_RETURN: /* RFC 6609 §3.3: in the main script, as "stop" */
            if (in->depth)
                in->returned = true;
            else
                in->stopped = true;
            break;
        default:
            if (n->def->exec) {
                size_t before = in->r->count;
                n->def->exec(in, n, n->bound);
                /* RFC 5293 §7: an action works on the header as it is now */
                const sg_header_snapshot *h = in->r->count > before ? sg_message_snapshot(in->msg) : NULL;
                for (size_t i = before; h && i < in->r->count; i++)
                    in->r->actions[i].header = h;
            }
            break;
        }
    }
}

static bool was_included(const sg_interp *in, const sg_script *script)
{
    for (size_t i = 0; i < in->nincluded; i++)
        if (in->included[i] == script)
            return true;
    return false;
}

void sg_interp_include(sg_interp *in, const sg_script *script, bool once)
{
    if (!script || (once && was_included(in, script))) /* a missing :optional one, or §3.2 :once */
        return;
    if (!was_included(in, script)) {
        if (in->nincluded == in->capincluded) {
            in->capincluded = in->capincluded ? in->capincluded * 2 : 8;
            const sg_script **grown = sg_arena_alloc(in->arena, in->capincluded * sizeof *grown);
            if (in->nincluded)
                memcpy(grown, in->included, in->nincluded * sizeof *grown);
            in->included = grown;
        }
        in->included[in->nincluded++] = script;
    }
    /* Validation refused loops and deep nesting; :once recursion ends above. */
    frame saved = in->f;
    memset(&in->f, 0, sizeof in->f);
    in->f.script = script;
    in->f.variables = sg_interp_enabled(in, "variables");
    const char *outer_file = in->r->errors.file;
    in->r->errors.file = script->name; /* runtime errors name the included file */
    in->depth++;
    run_list(in, script->commands);
    in->depth--;
    in->r->errors.file = outer_file;
    in->returned = false;
    in->f = saved;
}

bool sg_interp_loop_body(sg_interp *in, const sg_node *block, size_t part, const char *name)
{
    size_t saved = in->part;
    in->part = part;
    in->loop_depth++;
    run_list(in, block);
    in->loop_depth--;
    in->part = saved;
    if (in->breaking) {
        if (!in->break_name || (name && strcasecmp(name, in->break_name) == 0))
            in->breaking = false;
        return false;
    }
    return !in->stopped;
}

bool sg_interp_run(const sg_registry *reg, const sg_script *script, sg_message *msg, const sg_envelope *env,
                   const sg_run_options *opt, sg_result *result)
{
    static const sg_run_options defaults = {.limits = {32, 4}, .subaddress_separator = "+"};
    sg_interp in;
    memset(&in, 0, sizeof in);
    in.reg = reg;
    in.f.script = script;
    in.msg = msg;
    in.env = env;
    in.opt = opt ? opt : &defaults;
    in.r = result;
    in.arena = result->arena;
    in.wall_start = in.opt->max_cpu_seconds > 0 ? clock_now(CLOCK_MONOTONIC) : 0;
    in.cpu_base = -1;
    in.f.variables = sg_interp_enabled(&in, "variables");
    run_list(&in, script->commands);
    result->keep_flags = storable(&in, in.flags);
    /* RFC 5293 §7: the implicit keep takes the edited header, unless an
     * error ended the run (then the original one). */
    result->keep_header = result->failed ? NULL : sg_message_snapshot(msg);
    return !result->failed;
}
