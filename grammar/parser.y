/* parser.y - generic, reentrant Bison grammar for Sieve (RFC 5228 §8.2).
 *
 * Takes: tokens from lexer.l. Returns: the AST (ast.h) in ctx->script.
 * The grammar knows only the shapes of Sieve; command and test names are
 * resolved by engine/validate. Lists use left recursion so the parser stack
 * grows only with real nesting. Syntax errors resynchronise at ';' and '}'.
 * Every semantic value lives in the script's arena, so values discarded during
 * error recovery need no %destructor to be freed.
 */
%define api.pure full
%define api.prefix {sg_yy}
%define parse.error custom
/* Reduce only on real lookaheads: after an error, tokens are discarded up to
 * ';' or a block instead of ending the script (the end-of-input rule below). */
%define lr.type canonical-lr /* exact "expecting" lists; the grammar is small */
%define lr.default-reduction accepting
%locations
%param {yyscan_t scanner}
%parse-param {sg_parse_ctx *ctx}

%code requires {
#include "grammar/parse_ctx.h"
#ifndef SG_YYSCAN_T_DEFINED
#define SG_YYSCAN_T_DEFINED
typedef void *yyscan_t;
#endif
typedef struct { sg_arg *head, *tail; uint32_t count; } sg_arglist;
typedef struct { sg_node *head, *tail; } sg_nodelist;
typedef struct { sg_string *items; uint32_t count, cap; } sg_strvec;
typedef struct { sg_arglist args; sg_nodelist tests; bool list; } sg_arguments;
}

%code {
#include <string.h>

#define YYMAXDEPTH 2000 /* deeper input is rejected long before it could hurt */

int sg_yylex(SG_YYSTYPE *lval, SG_YYLTYPE *lloc, yyscan_t scanner);
static void sg_yyerror(SG_YYLTYPE *lloc, yyscan_t scanner, sg_parse_ctx *ctx, const char *msg);
static sg_node *new_node(sg_parse_ctx *ctx, const char *name, const SG_YYLTYPE *loc, sg_arguments *a);
static sg_arg *new_arg(sg_parse_ctx *ctx, sg_arg_kind kind);
static void push_string(sg_parse_ctx *ctx, sg_strvec *v, sg_string s);
static void append_node(sg_nodelist *list, sg_node *node);
}

%union {
    const char *id;
    uint64_t num;
    sg_string str;
    sg_arg *arg;
    sg_arglist args;
    sg_strvec strs;
    sg_node *node;
    sg_nodelist nodes;
    sg_arguments arguments;
}

%token <id> IDENT "identifier"
%token <id> TAG "tag"
%token <num> NUMBER "number"
%token <str> STRING "string"
%token SEMI ";" LBRACE "{" RBRACE "}" LBRACKET "[" RBRACKET "]" COMMA "," LPAREN "(" RPAREN ")"

%type <nodes> commands block test_list tests
%type <node> command test
%type <arguments> arguments
%type <args> argument_list
%type <arg> argument
%type <strs> strings

%%

start
    : commands                  { ctx->script->commands = $1.head; }
    | commands error            { ctx->script->commands = $1.head; } /* an error at the end of input */
    ;

commands
    : %empty                    { $$.head = $$.tail = NULL; }
    | commands command          { $$ = $1; append_node(&$$, $2); }
    | commands error ";"        { $$ = $1; yyerrok; }
    | commands error block      { $$ = $1; yyerrok; } /* e.g. a bad test before its block */
    ;

command
    : IDENT arguments ";"       { $$ = new_node(ctx, $1, &@1, &$2); $$->end = sg_loc_of(&@3); }
    | IDENT arguments block     {
                                  $$ = new_node(ctx, $1, &@1, &$2);
                                  $$->has_block = true;
                                  $$->block = $3.head;
                                  $$->end = sg_loc_of(&@3);
                                }
    ;

block
    : "{" commands "}"          { $$ = $2; }
    | "{" commands error "}"    { $$ = $2; yyerrok; }
    ;

arguments
    : argument_list             { $$.args = $1; $$.tests.head = $$.tests.tail = NULL; $$.list = false; }
    | argument_list test        { $$.args = $1; $$.tests.head = $$.tests.tail = $2; $$.list = false; }
    | argument_list test_list   { $$.args = $1; $$.tests = $2; $$.list = true; }
    ;

argument_list
    : %empty                    { $$.head = $$.tail = NULL; $$.count = 0; }
    | argument_list argument    {
                                  $$ = $1;
                                  if ($$.tail) $$.tail->next = $2; else $$.head = $2;
                                  $$.tail = $2;
                                  $$.count++;
                                }
    ;

argument
    : STRING                    { $$ = new_arg(ctx, SG_ARG_STRING); $$->u.string = $1; }
    | "[" strings "]"           {
                                  $$ = new_arg(ctx, SG_ARG_STRING_LIST);
                                  $$->u.list.items = $2.items;
                                  $$->u.list.count = $2.count;
                                  $$->u.list.loc = sg_loc_of(&@1);
                                }
    | NUMBER                    {
                                  $$ = new_arg(ctx, SG_ARG_NUMBER);
                                  $$->u.number.value = $1;
                                  $$->u.number.loc = sg_loc_of(&@1);
                                }
    | TAG                       {
                                  $$ = new_arg(ctx, SG_ARG_TAG);
                                  $$->u.tag.name = $1;
                                  $$->u.tag.loc = sg_loc_of(&@1);
                                }
    ;

strings
    : STRING                    { $$.items = NULL; $$.count = $$.cap = 0; push_string(ctx, &$$, $1); }
    | strings "," STRING        { $$ = $1; push_string(ctx, &$$, $3); }
    ;

test
    : IDENT arguments           { $$ = new_node(ctx, $1, &@1, &$2); }
    ;

test_list
    : "(" tests ")"             { $$ = $2; }
    ;

tests
    : test                      { $$.head = $$.tail = $1; }
    | tests "," test            { $$ = $1; append_node(&$$, $3); }
    ;

%%

static sg_node *new_node(sg_parse_ctx *ctx, const char *name, const SG_YYLTYPE *loc, sg_arguments *a)
{
    sg_node *n = sg_arena_calloc(ctx->arena, sizeof *n);
    n->name = name;
    n->loc = sg_loc_of(loc);
    n->args = a->args.head;
    n->nargs = a->args.count;
    n->tests = a->tests.head;
    n->has_test_list = a->list;
    return n;
}

static sg_arg *new_arg(sg_parse_ctx *ctx, sg_arg_kind kind)
{
    sg_arg *a = sg_arena_alloc(ctx->arena, sizeof *a);
    a->next = NULL;
    a->kind = (uint8_t)kind;
    return a;
}

static void push_string(sg_parse_ctx *ctx, sg_strvec *v, sg_string s)
{
    if (v->count == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 2;
        sg_string *items = sg_arena_alloc(ctx->arena, cap * sizeof *items);
        if (v->count)
            memcpy(items, v->items, v->count * sizeof *items);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->count++] = s;
}

static void append_node(sg_nodelist *list, sg_node *node)
{
    if (list->tail)
        list->tail->next = node;
    else
        list->head = node;
    list->tail = node;
}

static const char *describe(yysymbol_kind_t sym)
{
    switch (sym) {
    case YYSYMBOL_YYEOF: return "end of script";
    case YYSYMBOL_IDENT: return "identifier";
    case YYSYMBOL_TAG: return "tag";
    case YYSYMBOL_NUMBER: return "number";
    case YYSYMBOL_STRING: return "string";
    case YYSYMBOL_SEMI: return "';'";
    case YYSYMBOL_LBRACE: return "'{'";
    case YYSYMBOL_RBRACE: return "'}'";
    case YYSYMBOL_LBRACKET: return "'['";
    case YYSYMBOL_RBRACKET: return "']'";
    case YYSYMBOL_COMMA: return "','";
    case YYSYMBOL_LPAREN: return "'('";
    case YYSYMBOL_RPAREN: return "')'";
    default: return yysymbol_name(sym);
    }
}

static bool expects(const yysymbol_kind_t *expected, int n, yysymbol_kind_t sym)
{
    for (int i = 0; i < n; i++)
        if (expected[i] == sym)
            return true;
    return false;
}

/* Names what may come next in the user's terms: the four kinds of literal
 * argument are "an argument", an identifier with '(' is "a test". */
static const char *expected_list(const yysymbol_kind_t *expected, int n, char *list, size_t size)
{
    const char *words[16];
    int count = 0;
    bool argument = expects(expected, n, YYSYMBOL_STRING) &&
                    expects(expected, n, YYSYMBOL_NUMBER) &&
                    expects(expected, n, YYSYMBOL_TAG) &&
                    expects(expected, n, YYSYMBOL_LBRACKET);
    bool test = argument && expects(expected, n, YYSYMBOL_IDENT) &&
                expects(expected, n, YYSYMBOL_LPAREN);
    if (argument)
        words[count++] = "an argument";
    if (test)
        words[count++] = "a test";
    for (int i = 0; i < n && count < 16; i++) {
        yysymbol_kind_t k = expected[i];
        if (argument && (k == YYSYMBOL_STRING || k == YYSYMBOL_NUMBER || k == YYSYMBOL_TAG || k == YYSYMBOL_LBRACKET))
            continue;
        if (test && (k == YYSYMBOL_IDENT || k == YYSYMBOL_LPAREN))
            continue;
        words[count++] = describe(k);
    }
    list[0] = '\0';
    for (int i = 0; i < count; i++) {
        if (i > 0)
            strncat(list, i == count - 1 ? " or " : ", ", size - strlen(list) - 1);
        strncat(list, words[i], size - strlen(list) - 1);
    }
    return list;
}

/* Custom messages (RFC 5228 §8.2 shapes, in the user's terms). */
static int yyreport_syntax_error(const yypcontext_t *yyctx, yyscan_t scanner, sg_parse_ctx *ctx)
{
    (void)scanner;
    yysymbol_kind_t expected[16];
    int n = yypcontext_expected_tokens(yyctx, expected, 16);
    if (n < 0)
        n = 0;
    yysymbol_kind_t got = yypcontext_token(yyctx);
    sg_loc loc = sg_loc_of(yypcontext_location(yyctx));
    bool want_semicolon = expects(expected, n, YYSYMBOL_SEMI);  

    /* The scanner stopped at an unterminated string or comment and said so. */
    if (got == YYSYMBOL_YYEOF && ctx->eof_reported)
        return 0;

    /* At the end of input the scanner returns '}' for each open block. */
    bool eof = got == YYSYMBOL_YYEOF || (got == YYSYMBOL_RBRACE && ctx->at_eof);
    if (want_semicolon && (got == YYSYMBOL_RBRACE || eof)) {
        sg_error(ctx->diags, loc, "syntax", "expected ';' before %s", eof ? "end of script" : "'}'");
    } else if (eof && ctx->at_eof && got == YYSYMBOL_RBRACE) {
        sg_error(ctx->diags, loc, "syntax", "unexpected end of script");
    } else if (n > 0) {
        char list[160];
        sg_error(ctx->diags, loc, "syntax", "unexpected %s, expecting %s", describe(got),
                 expected_list(expected, n, list, sizeof list));
    } else {
        sg_error(ctx->diags, loc, "syntax", "unexpected %s", describe(got));
    }
    return 0;
}

static void sg_yyerror(SG_YYLTYPE *lloc, yyscan_t scanner, sg_parse_ctx *ctx, const char *msg)
{
    (void)scanner;
    /* Only "memory exhausted" reaches here: the parser stack hit YYMAXDEPTH. */
    sg_error(ctx->diags, sg_loc_of(lloc), "limit-nesting", "script is nested too deeply to parse (%s)",
             msg);
}
