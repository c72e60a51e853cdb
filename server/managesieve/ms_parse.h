/* ms_parse.h - the client's side of ManageSieve (RFC 5804 §4) read as it
 * arrives: commands (an atom, then atoms, numbers and strings separated by
 * one space, ending with CRLF) and SASL responses (one string and CRLF).
 * Nothing here knows what a command means (ms_session.c does) or does I/O;
 * the fuzzer feeds it alone.
 *
 * Takes: bytes in pieces of any size (sg_ms_parser_feed stops after each
 * complete command, so that the session can answer it, switch to reading a
 * SASL response, or stop at STARTTLS); limits.
 * Returns: one command at a time, or why its line was not one.
 *
 * The syntax, exactly (RFC 5804 §4; verbs and atoms case-insensitive):
 *  - atom: 1 to 1024 ATOM-CHARs; the verb is returned upper-cased.
 *  - quoted: '"' QUOTED-CHAR* '"', where QUOTED-CHAR is any octet but NUL,
 *    CR, LF, '"' and '\', or "\\" / "\"" (other escapes are errors). UTF-8
 *    is the caller's to check where it matters (names).
 *  - literal: "{" number ["+"] "}" CRLF then exactly number octets (both
 *    {N+} and {N} are taken, and no continuation is ever sent: ManageSieve
 *    has none). number: at most 4294967295.
 *  - a bare LF ends a line as CRLF does; a space before the line end is
 *    allowed; an empty line is ignored.
 * Limits: max_line bounds a command's octets outside its literals; a
 * literal longer than its limit (max_script for the script of PUTSCRIPT and
 * CHECKSCRIPT, max_line for any other) is read and dropped, and the
 * command is returned with that argument marked too_large (its len is the
 * size announced): the session answers NO (QUOTA/MAXSIZE) and the stream
 * stays in step. A line that breaks the syntax or the limits is read to its
 * end (literals announced at the ends of its lines included) and returned
 * with `error`. Only a literal size over 4294967295 is `fatal`: what
 * follows cannot be told apart (the session says BYE).
 */
#ifndef SG_MS_PARSE_H
#define SG_MS_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define SG_MS_MAX_ARGS 8
#define SG_MS_MAX_ATOM 1024

typedef enum { SG_MS_ATOM, SG_MS_STRING } sg_ms_arg_kind;

typedef struct sg_ms_arg {
    sg_ms_arg_kind kind;
    const char *data; /* followed by two NULs (a literal may hold NULs: len counts) */
    size_t len;       /* too_large: the size announced */
    bool literal;
    bool too_large;   /* a literal over its limit: its octets were dropped, data is "" */
} sg_ms_arg;

typedef struct sg_ms_command {
    const char *verb; /* upper-cased; "" for a SASL response */
    sg_ms_arg args[SG_MS_MAX_ARGS];
    size_t nargs;
    const char *error; /* NULL, or why the line is no command (verb and args are then unusable) */
    bool fatal;        /* the stream cannot be followed after this */
} sg_ms_command;

typedef struct sg_ms_parse_limits {
    size_t max_line;   /* octets outside literals (at least 1100) */
    size_t max_script; /* the script argument of PUTSCRIPT and CHECKSCRIPT */
} sg_ms_parse_limits;

typedef struct sg_ms_parser sg_ms_parser;

sg_ms_parser *sg_ms_parser_new(const sg_ms_parse_limits *limits);
void sg_ms_parser_free(sg_ms_parser *p);

/* The limit of scripts from the next command on (before a login, the
 * session keeps it at max_line: a stranger's literal is not buffered). */
void sg_ms_parser_set_max_script(sg_ms_parser *p, size_t max_script);
/* The next line is a SASL response (RFC 5804 §2.1): one string, or an atom
 * such as *, returned as the one argument of a command with verb "". */
void sg_ms_parser_expect_response(sg_ms_parser *p);
/* Forgets a partial line (STARTTLS: what came before the handshake is not
 * trusted after it). */
void sg_ms_parser_reset(sg_ms_parser *p);

/* Reads from data[0..len) and sets *used to the octets taken. True when a
 * command (or an error) is complete: cmd is valid until the next call. */
bool sg_ms_parser_feed(sg_ms_parser *p, const char *data, size_t len, size_t *used, sg_ms_command *cmd);

/* Bytes buffered for the command being read (for tests of the bounds). */
size_t sg_ms_parser_buffered(const sg_ms_parser *p);

#endif
