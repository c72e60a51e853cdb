/* parse.c - sg_parse(): runs the Flex scanner and Bison parser over one script. */
#include "grammar/parse.h"

#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "grammar/parse_ctx.h"
#include "grammar/parser.h"
#define YYSTYPE SG_YYSTYPE
#define YYLTYPE SG_YYLTYPE
#include "grammar/lexer.h"

void sg_limits_default(sg_limits *limits)
{
    limits->max_script_size = SG_DEFAULT_MAX_SCRIPT_SIZE;
    limits->max_string_length = SG_DEFAULT_MAX_STRING_LENGTH;
    limits->max_nesting = SG_DEFAULT_MAX_NESTING;
    limits->max_arguments = SG_DEFAULT_MAX_ARGUMENTS;
}

void sg_script_free(sg_script *script)
{
    if (!script)
        return;
    sg_arena *arena = script->arena;
    sg_arena_free(arena); /* the script itself lives in its arena */
}

/* Line and column (in characters, as the lexer counts) of byte `off`. */
static sg_loc loc_of(const char *buf, size_t off)
{
    sg_loc loc = {1, 1};
    size_t line_start = 0;
    for (size_t i = 0; i < off; i++)
        if (buf[i] == '\n')
            loc.line++, line_start = i + 1;
    loc.column = (uint32_t)sg_utf8_columns(buf + line_start, off - line_start) + 1;
    return loc;
}

/* A file that is not a script at all gets one error, not one a byte: NUL
 * bytes, which RFC 5228 §2.1 never permits (an executable, an archive). One
 * stray NUL is left to the lexer, which says where it is. The error has no
 * line (diag_print shows no excerpt of binary data). */
static bool refuse_binary(const char *buf, size_t len, sg_diags *diags)
{
    const char *nul = memchr(buf, '\0', len);
    const char *second = nul ? memchr(nul + 1, '\0', len - (size_t)(nul + 1 - buf)) : NULL;
    if (!second)
        return false;
    sg_loc at = loc_of(buf, (size_t)(nul - buf)), none = {0, 0};
    sg_error(diags, none, "binary",
             "not a Sieve script: it holds binary data (a NUL byte at line %u, column %u), which RFC 5228 §2.1 "
             "never permits",
             at.line, at.column);
    return true;
}

/* A script saved in another charset: the lexer reports each string that is
 * not UTF-8; two or more become one error at the first, saying what to do
 * (comments may hold any bytes, RFC 5228 §2.1, so only strings count). */
static void collapse_not_utf8(sg_diags *diags, size_t from)
{
    size_t first = (size_t)-1, n = 0;
    for (size_t i = from; i < diags->count; i++)
        if (!diags->items[i].file && strcmp(diags->items[i].code, "invalid-utf8") == 0 && n++ == 0)
            first = i;
    if (n < 2)
        return;
    sg_diag *f = &diags->items[first];
    size_t len = strlen(f->message) + 300;
    char *msg = malloc(len);
    if (!msg)
        return;
    snprintf(msg, len,
             "%s, and %zu more strings: the script is not UTF-8; save it as UTF-8 (e.g. iconv -f latin1 -t "
             "utf-8) or write such characters with encoded-character (RFC 5228 §2.4.2.4)",
             f->message, n - 1);
    free(f->message);
    f->message = msg;
    f->code = "not-utf8";
    size_t out = first + 1;
    for (size_t i = first + 1; i < diags->count; i++) {
        sg_diag *g = &diags->items[i];
        if (!g->file && strcmp(g->code, "invalid-utf8") == 0) {
            free(g->message);
            free(g->file);
            diags->errors--;
            continue;
        }
        diags->items[out++] = *g;
    }
    diags->count = out;
}

static sg_script *parse(const char *name, char *buf, size_t len, const sg_limits *limits, sg_diags *diags)
{
    sg_limits defaults;
    if (!limits) {
        sg_limits_default(&defaults);
        limits = &defaults;
    }
    sg_arena *arena = sg_arena_new();
    sg_script *script = sg_arena_calloc(arena, sizeof *script);
    script->arena = arena;
    script->name = sg_arena_strdup(arena, name ? name : "<script>");
    script->source = buf;
    script->source_len = len;

    sg_loc start = {1, 1};
    if (len > limits->max_script_size) {
        sg_error(diags, start, "limit-script-size",
                 "script is too large (%zu bytes > limit max_script_size %zu)", len,
                 limits->max_script_size);
        return script;
    }
    if (refuse_binary(buf, len, diags))
        return script;
    size_t first_diag = diags->count;

    sg_parse_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.arena = arena;
    ctx.diags = diags;
    ctx.limits = limits;
    ctx.script = script;
    ctx.pos = start;
    ctx.last_end = start;

    yyscan_t scanner;
    if (sg_yylex_init_extra(&ctx, &scanner) != 0) {
        sg_error(diags, start, "internal", "cannot initialise the scanner");
        return script;
    }
    YY_BUFFER_STATE state = sg_yy_scan_buffer(buf, len + 2, scanner);
    sg_yyparse(scanner, &ctx);
    if (ctx.held_at)
        *ctx.held_at = ctx.held; /* the parser may have stopped before Flex put it back */
    sg_yy_delete_buffer(state, scanner);
    sg_yylex_destroy(scanner);
    free(ctx.buf);
    collapse_not_utf8(diags, first_diag);
    return script;
}

sg_script *sg_parse_buffer(const char *name, char *buf, size_t len, const sg_limits *limits, sg_diags *diags)
{
    return parse(name, buf, len, limits, diags);
}

sg_script *sg_parse(const char *name, const char *source, size_t len, const sg_limits *limits,
                    sg_diags *diags)
{
    /* Flex scans in place and needs two trailing NULs: give it a private copy. */
    char *buf = sg_xmalloc(len + 2);
    if (len)
        memcpy(buf, source, len);
    buf[len] = buf[len + 1] = '\0';
    sg_script *script = parse(name, buf, len, limits, diags);
    script->source = source;
    free(buf);
    return script;
}
