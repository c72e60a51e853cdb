/* mailtext.h - writing the text of a generated message (the bounce DSN of
 * engine/enforce/bounce.c, the vacation reply of engine/deliver/vacation.c).
 *
 * Takes: text from a message or a script (any bytes, possibly invalid UTF-8),
 * a host name, a time, a caller's arena. Returns: header-safe and 7-bit-safe
 * text - a growing buffer of bytes, header fields folded at 78 (RFC 5322
 * §2.1.1), RFC 2047 encoded words, quoted-printable lines (RFC 2045 §6.7), an
 * RFC 5322 date (Message-IDs: base/msgid.h). Every allocation is in the caller's arena; nothing
 * here is freed on its own. Line ends are CRLF.
 */
#ifndef SG_MAILTEXT_H
#define SG_MAILTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/arena.h"
#include "grammar/diag.h"

#define SG_MT_WORD_MAX 900  /* a longer word is encoded so no line reaches 998 */
#define SG_MT_DATE_SIZE 128 /* room for sg_mt_date's text */
#define SG_MT_HOST_SIZE 256 /* room for a cleaned host name */

/* A growing buffer in the arena: s is always NUL-terminated, len excludes it. */
typedef struct sg_mtbuf {
    char *s;
    size_t len, cap;
    sg_arena *arena;
} sg_mtbuf;

sg_mtbuf sg_mt_new(sg_arena *arena); /* an empty buffer ("" already allocated) */
void sg_mt_put(sg_mtbuf *b, const char *s, size_t n);
void sg_mt_puts(sg_mtbuf *b, const char *s);
/* At most 1023 bytes of formatted text per call. */
void sg_mt_putf(sg_mtbuf *b, const char *fmt, ...) SG_PRINTF(2, 3);

/* Every control, C1 control and line break (CR, LF, NUL, U+2028, U+2029)
 * becomes one space, runs of white space collapse, leading white space goes,
 * invalid UTF-8 becomes U+FFFD: the text cannot end a header line. NULL is "". */
const char *sg_mt_clean_text(sg_arena *arena, const char *text);

/* Whether every byte is printable ASCII (0x20-0x7E). */
bool sg_mt_printable_ascii(const char *s);

/* " =?UTF-8?B?...?=" words of whole characters, starting at column col,
 * folded before any word that would pass 78 (RFC 2047 §2, §5 (1)). */
void sg_mt_put_encoded_words(sg_mtbuf *b, const char *s, size_t col);

/* "NAME:" then text already cleaned (sg_mt_clean_text) then CRLF: plain words
 * when it is printable ASCII no reader would take for an encoded word and no
 * word passes SG_MT_WORD_MAX, else encoded words; folded at 78 either way. */
void sg_mt_put_unstructured(sg_mtbuf *b, const char *name, const char *text);

/* One line of n bytes as quoted-printable then CRLF (RFC 2045 §6.7). */
void sg_mt_qp_line(sg_mtbuf *b, const char *line, size_t n);

/* HOST lowercased, only letters, digits, '.' and '-'; NULL or "" is
 * gethostname(); "localhost" when nothing is left. */
const char *sg_mt_clean_host(sg_arena *arena, const char *host);
/* The same into a caller\'s buffer (no arena at hand). */
void sg_mt_clean_host_into(const char *host, char out[SG_MT_HOST_SIZE]);

/* RFC 5322 §3.3 date-time of t in UTC ("Mon, 2 Jan 2006 15:04:05 +0000"). */
void sg_mt_date(time_t t, char out[SG_MT_DATE_SIZE]);

/* Whether text can go as 7bit: printable ASCII and tabs, lines < 998 octets. */
bool sg_mt_seven_bit_text(const char *s, size_t len);
/* Text whose lines end in CRLF, LF or CR, each line then CRLF; as
 * quoted-printable lines when qp (RFC 2045 §6.7). */
void sg_mt_put_text(sg_mtbuf *b, const char *s, size_t len, bool qp);

struct sg_message;
/* The message's header section up to its empty line (never the body), lines
 * ending CRLF, without the field skip_field (NULL: none) and its
 * continuation lines. Returns whether it had to be written quoted-printable
 * (8-bit, controls or a line longer than 998 octets). */
bool sg_mt_put_header_section(sg_mtbuf *b, struct sg_message *m, const char *skip_field);

/* A multipart boundary (RFC 2046 §5.1.1): the given one cleaned to bchars
 * (at most 70), unless it is empty or a line of one of the parts starts with
 * "--" and it; then a fresh random one. */
const char *sg_mt_pick_boundary(sg_arena *arena, const char *given, const sg_mtbuf *parts, size_t nparts);

/* Whether the first token of a structured value, past CFWS (RFC 5322 §3.2.2),
 * is word (ASCII case-insensitive). */
bool sg_mt_token_is(const char *v, const char *word);

#endif
