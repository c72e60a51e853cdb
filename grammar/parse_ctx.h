/* parse_ctx.h - state shared by the Flex scanner and the Bison parser of one
 * parse (internal to grammar/). One per sg_parse() call: nothing is global. */
#ifndef SG_PARSE_CTX_H
#define SG_PARSE_CTX_H

#include <stdbool.h>

#include "grammar/ast.h"
#include "grammar/parse.h"

#define SG_BRACE_STACK 64
#define SG_INTERN_SLOTS 512 /* distinct identifiers kept once per script (a power of two) */

typedef struct sg_parse_ctx {
    sg_arena *arena;
    sg_diags *diags;
    const sg_limits *limits;
    sg_script *script;
    sg_loc pos;         /* position of the next unscanned byte */
    sg_loc text_start;  /* where the current "text:" string began */
    sg_loc comment_start;
    char *buf;          /* multi-line string being collected (malloc) */
    size_t buf_len, buf_cap;
    bool buf_too_long;
    sg_loc braces[SG_BRACE_STACK]; /* unclosed '{' positions, innermost last */
    uint32_t brace_depth;
    bool eof_reported; /* the scanner ended early on an error it reported */
    bool at_eof;       /* input is exhausted: '}' tokens now only close open blocks */
    sg_loc last_end;   /* just after the last token: where "end of script" errors point */
    /* Identifiers and tags repeat thousands of times in a large script: each
     * distinct lower-cased name is stored once (open addressing). */
    const char *intern[SG_INTERN_SLOTS];
    uint32_t interned;
    /* Flex NUL-terminates each token in the buffer and puts the byte back on
     * the next call; this remembers it so sg_parse_buffer can too. */
    char *held_at;
    char held;
} sg_parse_ctx;

/* Location type shared by Flex (bison-locations) and Bison (%locations). */
typedef struct sg_yyltype {
    int first_line, first_column, last_line, last_column;
} sg_yyltype;
#define SG_YYLTYPE sg_yyltype
#define SG_YYLTYPE_IS_DECLARED 1
#define SG_YYLTYPE_IS_TRIVIAL 1

static inline sg_loc sg_loc_of(const sg_yyltype *l)
{
    sg_loc loc = {(uint32_t)l->first_line, (uint32_t)l->first_column};
    return loc;
}

#endif
