/* ms_parse.c - see ms_parse.h: a byte-driven state machine, so that input
 * in any pieces costs one pass, and a literal is copied (or dropped) in
 * blocks. */
#include "server/managesieve/ms_parse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

#define MAX_LITERAL 4294967295ULL /* RFC 5804 §4: a 32-bit number */

typedef enum {
    ST_BEGIN,      /* where a token may start */
    ST_ATOM,
    ST_QUOTED,
    ST_QUOTED_ESC, /* after '\' */
    ST_LIT_NUM,    /* after '{' */
    ST_LIT_PLUS,   /* after "{N+" */
    ST_LIT_CLOSE,  /* after "{N}" or "{N+}": CRLF */
    ST_LIT_CR,
    ST_LIT_DATA,
    ST_AFTER,      /* after a token: SP or the line end */
    ST_CR,         /* after CR: LF */
    ST_SKIP,       /* a bad line, read to its end */
    ST_SKIP_LIT,   /* a literal announced on a bad line */
} state;

typedef struct tok {
    sg_ms_arg_kind kind;
    size_t off, len;
    bool literal, too_large;
} tok;

struct sg_ms_parser {
    sg_ms_parse_limits limits;
    size_t max_script;
    bool response; /* this line is a SASL response */
    state st;
    char *buf;
    size_t blen, bcap;
    tok toks[SG_MS_MAX_ARGS + 1]; /* the verb and the arguments */
    size_t ntoks;
    size_t line; /* octets of the line outside literals */
    unsigned long long lit_n;
    unsigned lit_digits;
    unsigned long long lit_left;
    bool lit_drop;
    const char *error;
    bool fatal;
    /* a bad line's own literal headers: 0 none, 1 "{digits", 2 "{N+", 3 "{N}" or "{N+}", 4 and CR */
    int skip_lit;
    unsigned long long skip_n;
    unsigned skip_digits;
};

sg_ms_parser *sg_ms_parser_new(const sg_ms_parse_limits *limits)
{
    sg_ms_parser *p = sg_xmalloc(sizeof *p);
    memset(p, 0, sizeof *p);
    p->limits = *limits;
    p->max_script = limits->max_script;
    p->bcap = 1024;
    p->buf = sg_xmalloc(p->bcap);
    return p;
}

void sg_ms_parser_free(sg_ms_parser *p)
{
    if (!p)
        return;
    free(p->buf);
    free(p);
}

void sg_ms_parser_set_max_script(sg_ms_parser *p, size_t max_script)
{
    p->max_script = max_script;
}

void sg_ms_parser_expect_response(sg_ms_parser *p)
{
    p->response = true;
}

/* Ready for the next line (keeps the buffer's memory, unless a script made it large). */
static void next_line(sg_ms_parser *p)
{
    p->st = ST_BEGIN;
    p->blen = 0;
    p->ntoks = 0;
    p->line = 0;
    p->error = NULL;
    p->fatal = false;
    p->skip_lit = 0;
    if (p->bcap > (1 << 20)) {
        free(p->buf);
        p->bcap = 1024;
        p->buf = sg_xmalloc(p->bcap);
    }
}

void sg_ms_parser_reset(sg_ms_parser *p)
{
    p->response = false;
    next_line(p);
}

size_t sg_ms_parser_buffered(const sg_ms_parser *p)
{
    return p->blen;
}

static void reserve(sg_ms_parser *p, size_t more)
{
    if (p->blen + more <= p->bcap)
        return;
    while (p->blen + more > p->bcap)
        p->bcap *= 2;
    p->buf = sg_xrealloc(p->buf, p->bcap);
}

static void put(sg_ms_parser *p, char c)
{
    reserve(p, 1);
    p->buf[p->blen++] = c;
}

static bool begin_token(sg_ms_parser *p, sg_ms_arg_kind kind)
{
    if (p->ntoks == SG_MS_MAX_ARGS + 1) {
        p->error = "too many arguments";
        return false;
    }
    if (p->ntoks == 0 && !p->response && kind != SG_MS_ATOM) {
        p->error = "expected a command name";
        return false;
    }
    tok *t = &p->toks[p->ntoks];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->off = p->blen;
    return true;
}

static void end_token(sg_ms_parser *p)
{
    tok *t = &p->toks[p->ntoks++];
    if (!t->too_large)
        t->len = p->blen - t->off;
    reserve(p, 2);
    p->buf[p->blen++] = '\0';
    p->buf[p->blen++] = '\0';
    if (p->ntoks == 1 && !p->response) /* the verb */
        for (size_t i = 0; i < t->len; i++)
            p->buf[t->off + i] = (char)toupper((unsigned char)p->buf[t->off + i]);
}

/* RFC 5804 §4 ATOM-CHAR: any CHAR but ATOM-SPECIALS "(" ")" "{" SP CTL '"' '\'. */
static bool atom_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '{' && c != '"' && c != '\\';
}

/* The limit of a literal starting now. */
static size_t literal_limit(const sg_ms_parser *p)
{
    if (p->response)
        return p->limits.max_line;
    const char *verb = p->buf + p->toks[0].off;
    if ((strcmp(verb, "PUTSCRIPT") == 0 && p->ntoks == 2) || (strcmp(verb, "CHECKSCRIPT") == 0 && p->ntoks == 1))
        return p->max_script;
    return p->limits.max_line;
}

/* The literal's header is complete: its octets follow. */
static void literal_begins(sg_ms_parser *p)
{
    tok *t = &p->toks[p->ntoks];
    t->literal = true;
    p->lit_left = p->lit_n;
    p->lit_drop = p->lit_n > literal_limit(p);
    if (p->lit_drop) {
        t->too_large = true;
        t->len = (size_t)p->lit_n;
    } else {
        reserve(p, (size_t)p->lit_n + 2);
    }
    if (p->lit_left == 0) {
        end_token(p);
        p->st = ST_AFTER;
    } else {
        p->st = ST_LIT_DATA;
    }
}

static void complete(sg_ms_parser *p, sg_ms_command *cmd)
{
    memset(cmd, 0, sizeof *cmd);
    cmd->verb = "";
    if (!p->error && p->response && p->ntoks > 1)
        p->error = "expected one string";
    cmd->error = p->error;
    cmd->fatal = p->fatal;
    if (!p->error) {
        size_t first = p->response ? 0 : 1;
        if (!p->response)
            cmd->verb = p->buf + p->toks[0].off;
        for (size_t i = first; i < p->ntoks; i++) {
            sg_ms_arg *a = &cmd->args[cmd->nargs++];
            a->kind = p->toks[i].kind;
            a->data = p->buf + p->toks[i].off;
            a->len = p->toks[i].len;
            a->literal = p->toks[i].literal;
            a->too_large = p->toks[i].too_large;
        }
    }
    p->response = false;
}

/* A literal announced at the end of a bad line: track "{N}" / "{N+}" CRLF. */
static void skip_track(sg_ms_parser *p, unsigned char c)
{
    if (c == '{') {
        p->skip_lit = 1;
        p->skip_n = 0;
        p->skip_digits = 0;
    } else if (p->skip_lit == 1 && isdigit(c)) {
        p->skip_n = p->skip_n * 10 + (unsigned)(c - '0');
        if (++p->skip_digits > 10 || p->skip_n > MAX_LITERAL) {
            p->error = "literal too large";
            p->fatal = true;
        }
    } else if (p->skip_lit == 1 && c == '+' && p->skip_digits) {
        p->skip_lit = 2;
    } else if ((p->skip_lit == 1 || p->skip_lit == 2) && c == '}' && p->skip_digits) {
        p->skip_lit = 3;
    } else if (p->skip_lit == 3 && c == '\r') {
        p->skip_lit = 4;
    } else {
        p->skip_lit = 0;
    }
}

bool sg_ms_parser_feed(sg_ms_parser *p, const char *data, size_t len, size_t *used, sg_ms_command *cmd)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)data[i];
        if (p->st == ST_LIT_DATA || p->st == ST_SKIP_LIT) {
            size_t n = len - i < p->lit_left ? len - i : (size_t)p->lit_left;
            if (p->st == ST_LIT_DATA && !p->lit_drop) {
                memcpy(p->buf + p->blen, data + i, n);
                p->blen += n;
            }
            i += n;
            p->lit_left -= n;
            if (p->lit_left == 0 && p->st == ST_LIT_DATA) {
                end_token(p);
                p->st = ST_AFTER;
            } else if (p->lit_left == 0) {
                p->st = ST_SKIP;
            }
            continue;
        }
        i++;
        if (++p->line > p->limits.max_line && p->st != ST_SKIP && !p->error) {
            p->error = "line too long";
            p->st = ST_SKIP;
        }
        switch (p->st) {
        case ST_BEGIN:
            if (c == '"') {
                if (begin_token(p, SG_MS_STRING))
                    p->st = ST_QUOTED;
            } else if (c == '{') {
                if (begin_token(p, SG_MS_STRING)) {
                    p->st = ST_LIT_NUM;
                    p->lit_n = 0;
                    p->lit_digits = 0;
                }
            } else if (atom_char(c)) {
                if (begin_token(p, SG_MS_ATOM)) {
                    put(p, (char)c);
                    p->st = ST_ATOM;
                }
            } else if (c == '\r') {
                p->st = ST_CR;
            } else if (c == '\n') {
                if (p->ntoks == 0 && !p->response) { /* an empty line */
                    next_line(p);
                    continue;
                }
                complete(p, cmd);
                next_line(p);
                *used = i;
                return true;
            } else {
                p->error = p->ntoks == 0 && !p->response ? "expected a command name" : "unexpected character";
            }
            break;
        case ST_ATOM:
            if (atom_char(c)) {
                if (p->blen - p->toks[p->ntoks].off >= SG_MS_MAX_ATOM)
                    p->error = "atom too long";
                else
                    put(p, (char)c);
            } else if (c == ' ' || c == '\r' || c == '\n') {
                end_token(p);
                p->st = ST_AFTER;
                i--; /* the separator, once more in ST_AFTER */
                p->line--;
            } else {
                p->error = "unexpected character in an atom";
            }
            break;
        case ST_QUOTED:
            if (c == '\\')
                p->st = ST_QUOTED_ESC;
            else if (c == '"') {
                end_token(p);
                p->st = ST_AFTER;
            } else if (c == '\0' || c == '\r' || c == '\n')
                p->error = "unterminated quoted string";
            else
                put(p, (char)c);
            break;
        case ST_QUOTED_ESC:
            if (c == '"' || c == '\\') {
                put(p, (char)c);
                p->st = ST_QUOTED;
            } else {
                p->error = "invalid escape in a quoted string";
            }
            break;
        case ST_LIT_NUM:
            if (isdigit(c)) {
                p->lit_n = p->lit_n * 10 + (unsigned)(c - '0');
                if (++p->lit_digits > 10 || p->lit_n > MAX_LITERAL) {
                    p->error = "literal too large";
                    p->fatal = true;
                }
            } else if (c == '+' && p->lit_digits) {
                p->st = ST_LIT_PLUS;
            } else if (c == '}' && p->lit_digits) {
                p->st = ST_LIT_CLOSE;
            } else {
                p->error = "invalid literal";
            }
            break;
        case ST_LIT_PLUS:
            if (c == '}')
                p->st = ST_LIT_CLOSE;
            else
                p->error = "invalid literal";
            break;
        case ST_LIT_CLOSE:
            if (c == '\r')
                p->st = ST_LIT_CR;
            else if (c == '\n')
                literal_begins(p);
            else
                p->error = "a literal's size must end its line";
            break;
        case ST_LIT_CR:
            if (c == '\n')
                literal_begins(p);
            else
                p->error = "a literal's size must end its line";
            break;
        case ST_AFTER:
            if (c == ' ')
                p->st = ST_BEGIN;
            else if (c == '\r')
                p->st = ST_CR;
            else if (c == '\n') {
                complete(p, cmd);
                next_line(p);
                *used = i;
                return true;
            } else
                p->error = "expected a space";
            break;
        case ST_CR:
            if (c == '\n') {
                if (p->ntoks == 0 && !p->response) {
                    next_line(p);
                    continue;
                }
                complete(p, cmd);
                next_line(p);
                *used = i;
                return true;
            }
            p->error = "CR without LF";
            break;
        case ST_SKIP:
            if (c == '\n' && p->skip_lit >= 3) {
                p->st = ST_SKIP_LIT;
                p->lit_left = p->skip_n;
                p->skip_lit = 0;
            } else if (c == '\n') {
                complete(p, cmd);
                next_line(p);
                *used = i;
                return true;
            } else {
                skip_track(p, c);
            }
            break;
        case ST_LIT_DATA:
        case ST_SKIP_LIT:
            break; /* above */
        }
        if (p->fatal) {
            complete(p, cmd);
            next_line(p);
            *used = i;
            return true;
        }
        if (p->error && p->st != ST_SKIP && p->st != ST_SKIP_LIT) {
            /* read the bad line to its end; this octet may end it or open a literal */
            p->st = ST_SKIP;
            p->skip_lit = 0;
            i--;
            p->line--;
        }
    }
    *used = i;
    return false;
}
