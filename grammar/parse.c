/* parse.c - sg_parse(): runs the Flex scanner and Bison parser over one script. */
#include "grammar/parse.h"

#include <stdlib.h>
#include <string.h>

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
