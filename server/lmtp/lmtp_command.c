/* lmtp_command.c - see lmtp_command.h. */
#include "server/lmtp/lmtp_command.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    sg_lmtp_verb verb;
} verbs[] = {
    {"LHLO", SG_LMTP_LHLO}, {"HELO", SG_LMTP_HELO}, {"EHLO", SG_LMTP_HELO}, {"MAIL", SG_LMTP_MAIL},
    {"RCPT", SG_LMTP_RCPT}, {"DATA", SG_LMTP_DATA}, {"BDAT", SG_LMTP_BDAT}, {"RSET", SG_LMTP_RSET},
    {"NOOP", SG_LMTP_NOOP}, {"QUIT", SG_LMTP_QUIT}, {"VRFY", SG_LMTP_VRFY}, {"EXPN", SG_LMTP_EXPN},
    {"HELP", SG_LMTP_HELP},
};

static bool fail(char *reply, size_t replylen, const char *text)
{
    snprintf(reply, replylen, "%s", text);
    return false;
}

/* Digits only, at most 20 of them, no overflow. */
static bool parse_number(const char *s, unsigned long long *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    errno = 0;
    *out = strtoull(s, NULL, 10);
    return errno == 0;
}

/* "<path>" at *p (after "FROM:" / "TO:"): cuts the path out in place and
 * moves *p past the '>'. RFC 5321 §4.1.2: quoted strings may hold '>' and
 * '@'; a source route "@a,@b:" before the mailbox is dropped. */
static bool parse_path(char **p, const char **path)
{
    char *s = *p;
    if (*s == ' ')
        s++; /* "MAIL FROM: <a@b>", as Postfix's smtpd accepts */
    if (*s != '<')
        return false;
    char *start = ++s;
    bool quoted = false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            return false;
        if (quoted && c == '\\') {
            if (!s[1] || (unsigned char)s[1] < 0x20)
                return false;
            s++;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && c == ' ') {
            return false;
        } else if (!quoted && c == '>') {
            break;
        }
    }
    if (*s != '>')
        return false;
    *s = '\0';
    *p = s + 1;
    if (*start == '@') { /* a source route: up to its ':' */
        char *colon = strchr(start, ':');
        if (!colon)
            return false;
        start = colon + 1;
    }
    *path = start;
    return true;
}

/* "FROM:" / "TO:" after the verb, any case. */
static char *after_keyword(char *args, const char *kw)
{
    size_t n = strlen(kw);
    return strncasecmp(args, kw, n) == 0 ? args + n : NULL;
}

static bool parse_mail_params(char *s, sg_lmtp_command *cmd, char *reply, size_t replylen)
{
    char *save = NULL;
    for (char *tok = strtok_r(s, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        const char *value = eq ? eq + 1 : NULL;
        if (eq)
            *eq = '\0';
        if (strcasecmp(tok, "SIZE") == 0 && value && !cmd->has_size) { /* RFC 1870 */
            if (!parse_number(value, &cmd->size))
                return fail(reply, replylen, "501 5.5.4 Syntax: SIZE=NUMBER");
            cmd->has_size = true;
        } else if (strcasecmp(tok, "BODY") == 0 && value && cmd->body == SG_LMTP_BODY_NONE) { /* RFC 6152 */
            if (strcasecmp(value, "7BIT") == 0)
                cmd->body = SG_LMTP_BODY_7BIT;
            else if (strcasecmp(value, "8BITMIME") == 0)
                cmd->body = SG_LMTP_BODY_8BITMIME;
            else
                return fail(reply, replylen, "501 5.5.4 Syntax: BODY=7BIT or BODY=8BITMIME");
        } else {
            if (eq)
                *eq = '=';
            snprintf(reply, replylen, "555 5.5.4 Unsupported parameter: %.200s", tok);
            return false;
        }
    }
    return true;
}

static bool parse_mail_rcpt(char *args, sg_lmtp_command *cmd, char *reply, size_t replylen)
{
    bool mail = cmd->verb == SG_LMTP_MAIL;
    const char *syntax = mail ? "501 5.5.4 Syntax: MAIL FROM:<address>" : "501 5.5.4 Syntax: RCPT TO:<address>";
    char *p = args ? after_keyword(args, mail ? "FROM:" : "TO:") : NULL;
    if (!p || !parse_path(&p, &cmd->path))
        return fail(reply, replylen, syntax);
    if (*p && *p != ' ')
        return fail(reply, replylen, syntax);
    while (*p == ' ')
        p++;
    if (!*p)
        return true;
    if (!mail) {
        char *sp = strchr(p, ' ');
        if (sp)
            *sp = '\0';
        snprintf(reply, replylen, "555 5.5.4 Unsupported parameter: %.200s", p);
        return false;
    }
    return parse_mail_params(p, cmd, reply, replylen);
}

static bool parse_bdat(char *args, sg_lmtp_command *cmd, char *reply, size_t replylen)
{
    static const char syntax[] = "501 5.5.4 Syntax: BDAT SIZE [LAST]";
    if (!args)
        return fail(reply, replylen, syntax);
    char *save = NULL;
    char *size = strtok_r(args, " ", &save), *last = strtok_r(NULL, " ", &save);
    if (!size || !parse_number(size, &cmd->size) || strtok_r(NULL, " ", &save))
        return fail(reply, replylen, syntax);
    if (last && strcasecmp(last, "LAST") != 0)
        return fail(reply, replylen, syntax);
    cmd->last = last != NULL;
    return true;
}

bool sg_lmtp_parse_command(char *line, sg_lmtp_command *cmd, char *reply, size_t replylen)
{
    memset(cmd, 0, sizeof *cmd);
    cmd->arg = "";
    size_t vlen = strcspn(line, " ");
    char *args = line[vlen] ? line + vlen + 1 : NULL;
    line[vlen] = '\0';
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcasecmp(line, verbs[i].name) == 0)
            cmd->verb = verbs[i].verb;
    switch (cmd->verb) {
    case SG_LMTP_UNKNOWN: return fail(reply, replylen, "500 5.5.2 Unknown command");
    case SG_LMTP_LHLO:
        if (!args || !*args || strchr(args, ' '))
            return fail(reply, replylen, "501 5.5.4 Syntax: LHLO hostname");
        cmd->arg = args;
        return true;
    case SG_LMTP_MAIL:
    case SG_LMTP_RCPT: return parse_mail_rcpt(args, cmd, reply, replylen);
    case SG_LMTP_BDAT: return parse_bdat(args, cmd, reply, replylen);
    case SG_LMTP_DATA:
    case SG_LMTP_RSET:
    case SG_LMTP_QUIT:
        if (args && *args)
            return fail(reply, replylen, "501 5.5.4 Syntax: no parameters allowed");
        return true;
    case SG_LMTP_HELO:
    case SG_LMTP_NOOP: /* RFC 5321 §4.1.1.9: NOOP may take a string, ignored */
    case SG_LMTP_VRFY:
    case SG_LMTP_EXPN:
    case SG_LMTP_HELP: cmd->arg = args ? args : ""; return true;
    }
    return fail(reply, replylen, "500 5.5.2 Unknown command");
}
