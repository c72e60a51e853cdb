/* mime.h - the MIME structure of a message (RFC 2045, RFC 2046), for the
 * body test (RFC 5173) and the mime extensions (RFC 5703).
 *
 * Takes: a parsed message (engine/mail/message.h), limits and an arena. Returns:
 * the parts in depth-first order (the message itself is part 0), each with its
 * header section (as an sg_message over the part's bytes), its parsed
 * Content-Type, and on demand its content decoded from its transfer encoding
 * (base64, quoted-printable; 7bit, 8bit, binary as they are) and, for text,
 * converted from its charset to UTF-8. Built once, when first asked for.
 * Never fails: a multipart without a boundary or without any delimiter line,
 * an unknown encoding or charset, parts past the limits are all leaves read as
 * plain text, as RFC 5173 §5.2 and RFC 2046 §5.1.1 allow.
 */
#ifndef SG_MIME_H
#define SG_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/mail/message.h"

#define SG_MIME_DEFAULT_MAX_DEPTH 100    /* as Dovecot's message parser */
#define SG_MIME_DEFAULT_MAX_PARTS 10000

typedef struct sg_mime_limits {
    unsigned max_depth; /* 0: SG_MIME_DEFAULT_MAX_DEPTH; deeper multiparts are leaves */
    size_t max_parts;   /* 0: SG_MIME_DEFAULT_MAX_PARTS; later parts are not split off */
    /* 0: SG_MIME_DEFAULT_MAX_SCAN; the bytes of one part's body (and of the
     * raw body, RFC 5173 :raw) that body, mime and extracttext tests look at:
     * what lies beyond is not looked at (a large message's body is neither
     * read whole nor decoded whole; a match there is not seen). */
    size_t max_scan;
} sg_mime_limits;

#define SG_MIME_DEFAULT_MAX_SCAN ((size_t)10 << 20)

typedef struct sg_mime_param {
    const char *name;  /* lower-case */
    const char *value; /* quotes removed */
} sg_mime_param;

typedef struct sg_mime_part {
    sg_message *headers;   /* the part's header section (part 0: the message) */
    const char *body;      /* the content after the header section, undecoded */
    size_t body_len;
    const char *type;      /* lower-case; RFC 2045 §5.2 default "text" */
    const char *subtype;   /* lower-case; default "plain" */
    sg_mime_param *params; /* of Content-Type */
    size_t nparams;
    const char *encoding;  /* Content-Transfer-Encoding, lower-case, "7bit" by default */
    unsigned depth;        /* 0 for the message */
    size_t parent;         /* index of the enclosing part (part 0: itself) */
    size_t end;            /* one past the last descendant */
    bool multipart;        /* split into children */
    bool message;          /* message/rfc822 with its message as child */
    /* RFC 2046 §5.1.1 preamble and epilogue of a multipart */
    const char *preamble, *epilogue;
    size_t preamble_len, epilogue_len;
} sg_mime_part;

typedef struct sg_mime sg_mime;

sg_mime *sg_mime_parse(sg_message *msg, const sg_mime_limits *limits, sg_arena *arena);

size_t sg_mime_count(const sg_mime *mime);
const sg_mime_part *sg_mime_part_at(const sg_mime *mime, size_t index);
/* Whether a limit stopped the split ("mime-depth-limit", "mime-part-limit"), or NULL. */
const char *sg_mime_limit_hit(const sg_mime *mime);

/* The content decoded from its transfer encoding; for "text" parts also
 * converted to UTF-8 when `to_utf8` (an unknown charset: the octets as they
 * are); at most limits.max_scan bytes of the body are read. *len bytes, not
 * NUL-terminated: a part that needs no decoding nor conversion is the
 * message's own bytes (a large body is not copied), the others are in the
 * arena. Computed once per part. */
const char *sg_mime_content(sg_mime *mime, size_t index, bool to_utf8, size_t *len);

/* The content as text, as Pigeonhole's body :text and extracttext read it:
 * sg_mime_content in UTF-8, and for text/html the text without its markup
 * (tags, script and style elements removed, common entities decoded). */
const char *sg_mime_text(sg_mime *mime, size_t index, size_t *len);

/* A Content-Type value split (RFC 2045 §5.1): lower-case type and subtype
 * (NULL when malformed) and parameters. */
void sg_mime_content_type(const char *value, size_t len, sg_arena *arena, const char **type, const char **subtype,
                          sg_mime_param **params, size_t *nparams);

/* Decoders (RFC 2045 §6.7, §6.8), lenient like Dovecot: base64 skips
 * characters outside the alphabet and stops at '='; a quoted-printable '='
 * not followed by two hex digits or a line break is kept. */
char *sg_mime_decode_base64(const char *in, size_t len, sg_arena *arena, size_t *out_len);
char *sg_mime_decode_qp(const char *in, size_t len, sg_arena *arena, size_t *out_len);

#endif
