/* mailto.h - mailto URIs (RFC 6068) as notification methods of the "enotify"
 * extension (RFC 5435 §3.2, RFC 5436 §2).
 *
 * Takes: a URI string (a notify method, after variable expansion) and an arena.
 * Returns: whether it is a supported, valid notification method and, for
 * mailto, its recipients (the "to" path and the "to"/"cc" URI headers, RFC
 * 5436 §2.7), subject, body and the other URI headers that may go into the
 * notification, percent-decoded. URI headers RFC 5436 §2.7 (and Pigeonhole)
 * say must be ignored are dropped with a warning; malformed input is an error
 * with a short reason. Pure functions; everything lives in the arena.
 */
#ifndef SG_MAILTO_H
#define SG_MAILTO_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

/* Pigeonhole's limits (ntfy-mailto.c): more are dropped with a warning. */
#define SG_MAILTO_MAX_RECIPIENTS 8
#define SG_MAILTO_MAX_HEADERS 16
#define SG_MAILTO_MAX_WARNINGS 8

typedef struct sg_mailto_recipient {
    const char *address; /* the addr-spec alone (display name dropped), percent-decoded */
    bool cc;             /* from a "cc" URI header; else the path or a "to" header */
} sg_mailto_recipient;

typedef struct sg_mailto_header {
    const char *name;  /* as written (decoded): RFC 5322 ftext only */
    const char *value; /* decoded; never holds CR, LF or NUL */
} sg_mailto_header;

typedef struct sg_mailto {
    sg_mailto_recipient *rcpts; /* unique (local part exact, domain case-insensitive) */
    size_t nrcpts;
    const char *subject; /* "subject" URI header, or NULL */
    const char *body;    /* "body" URI header (may hold CRLF), or NULL */
    sg_mailto_header *headers; /* other URI headers kept (e.g. Reply-To, Keywords) */
    size_t nheaders;
    const char *warnings[SG_MAILTO_MAX_WARNINGS]; /* things ignored, for `check` */
    size_t nwarnings;
} sg_mailto;

/* Parses a mailto URI ("mailto:" case-insensitive). On failure returns false
 * and sets *error (a sentence fragment, e.g. "invalid %-encoding"). */
bool sg_mailto_parse(const char *uri, size_t len, sg_arena *arena, sg_mailto *out, const char **error);

typedef enum {
    SG_METHOD_OK,          /* supported and valid: *mailto filled in */
    SG_METHOD_NOT_URI,     /* no URI scheme (RFC 3986 §3.1) */
    SG_METHOD_UNSUPPORTED, /* a scheme other than mailto */
    SG_METHOD_INVALID,     /* mailto, but malformed */
} sg_method_status;

/* The check RFC 5435 §3.2 and §4 (valid_notify_method) share. On anything but
 * SG_METHOD_OK, *error says why ("unsupported notification method 'xmpp'"). */
sg_method_status sg_notify_method_parse(const char *uri, size_t len, sg_arena *arena, sg_mailto *mailto,
                                        const char **error);

/* RFC 5435 §6 ":encodeurl": every octet outside RFC 3986 "unreserved" as
 * %XX (upper-case hex, RFC 3986 §2.1). */
char *sg_uri_percent_encode(sg_arena *arena, const char *s, size_t len, size_t *out_len);

/* RFC 5435 §3.5: "<optionname>=<value>", optionname = l-d *l-d-p. */
bool sg_notify_option_valid(const char *s, size_t len);

/* Two addresses are one recipient: local part exact, domain case-insensitive. */
bool sg_mailto_address_equal(const char *a, const char *b);

#endif
