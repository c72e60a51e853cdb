/* lmtp_command.h - one LMTP command line parsed (RFC 2033 over RFC 5321
 * §4.1): the verb, and for MAIL and RCPT the path and the parameters.
 * Nothing here has state or does I/O: lmtp_session.c decides what a command
 * means in the session, and the fuzzer calls the parser alone.
 *
 * Takes: a command line without its CRLF, NUL-terminated and writable (the
 * path and arguments are cut out of it in place).
 * Returns: the command, or false with the complete reply line for the
 * client ("501 5.5.4 Syntax: MAIL FROM:<address>", "555 5.5.4 Unsupported
 * parameter: RET=HDRS", ...).
 *
 * Accepted, beyond the letter of RFC 5321: verbs and parameter names in any
 * case; a space after "FROM:" / "TO:" (as Postfix's smtpd); a source route
 * ("<@a,@b:user@c>", §4.1.2), dropped. A path holds no control character,
 * space or unbalanced quote (RFC 5321 §4.1.2 Mailbox); its quoted local part
 * may hold '>' and '@'. MAIL parameters: SIZE=digits (RFC 1870), BODY=7BIT
 * or 8BITMIME (RFC 6152); RCPT takes none (no DSN is advertised). BDAT
 * (RFC 3030): a size of at most 20 digits and an optional LAST.
 */
#ifndef SG_LMTP_COMMAND_H
#define SG_LMTP_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    SG_LMTP_UNKNOWN = 0,
    SG_LMTP_LHLO,
    SG_LMTP_HELO, /* HELO and EHLO: refused, RFC 2033 §4.1 */
    SG_LMTP_MAIL,
    SG_LMTP_RCPT,
    SG_LMTP_DATA,
    SG_LMTP_BDAT,
    SG_LMTP_RSET,
    SG_LMTP_NOOP,
    SG_LMTP_QUIT,
    SG_LMTP_VRFY,
    SG_LMTP_EXPN,
    SG_LMTP_HELP,
} sg_lmtp_verb;

typedef enum { SG_LMTP_BODY_NONE = 0, SG_LMTP_BODY_7BIT, SG_LMTP_BODY_8BITMIME } sg_lmtp_body;

typedef struct sg_lmtp_command {
    sg_lmtp_verb verb;
    const char *arg;             /* LHLO: the client's name; VRFY, EXPN, HELP: the argument ("" none) */
    const char *path;            /* MAIL, RCPT: the address without <> ("" for the null path <>) */
    bool has_size;               /* MAIL SIZE= given */
    unsigned long long size;     /* MAIL SIZE=, BDAT's chunk size */
    sg_lmtp_body body;           /* MAIL BODY= */
    bool last;                   /* BDAT ... LAST */
} sg_lmtp_command;

bool sg_lmtp_parse_command(char *line, sg_lmtp_command *cmd, char *reply, size_t replylen);

#endif
