/* message.h - an RFC 5322 message as the interpreter sees it.
 *
 * Takes: the message bytes (not copied; they must outlive the message) and an
 * arena that owns everything derived from them. Returns: header fields in order
 * (parsed on first use, never the body), unfolded and RFC 2047-decoded values
 * on demand, the body offset and the size. Never fails on malformed input: no
 * header/body separator, NUL bytes, 8-bit bytes, huge lines, many fields and a
 * missing final newline are all handled (RFC 5322 §2.2, §3.6; RFC 5228 §2.4.2.2).
 */
#ifndef SG_MESSAGE_H
#define SG_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

typedef struct sg_header_field {
    const char *name; /* points into the message; not NUL-terminated */
    size_t name_len;
    const char *raw;  /* value after the ':' up to the field's final line break, folded */
    size_t raw_len;
    /* message.c's own: the unfolded and the decoded value, once computed, so
     * that rebuilding the index after an edit never decodes a value twice */
    const char *unfolded_cache, *decoded_cache;
} sg_header_field;

typedef struct sg_message sg_message;

sg_message *sg_message_parse(const char *data, size_t len, sg_arena *arena);

size_t sg_message_size(const sg_message *m);
const char *sg_message_data(const sg_message *m);

/* Header fields in order. A line in the header section that is not a field
 * ("name:" with a valid name) is skipped with its continuation lines, and the
 * section goes on, as Pigeonhole's sieve-test does. */
size_t sg_message_header_count(sg_message *m);
const sg_header_field *sg_message_header_at(sg_message *m, size_t index);

/* The values of every field named `name` (ASCII case-insensitive), in order:
 * unfolded (CRLF before WSP removed), leading and trailing whitespace removed,
 * RFC 2047 encoded words decoded to UTF-8 (RFC 5228 §2.7.2); a NUL byte in a
 * value becomes U+FFFD (values are C strings). Returns the count; *values gets
 * an arena array of NUL-terminated strings, itself NULL-terminated (never NULL,
 * also when there is no such field), valid until the arena is freed. A later
 * call for the same name returns the same array. */
size_t sg_message_header_values(sg_message *m, const char *name, const char *const **values);

/* Same, but without RFC 2047 decoding: addresses must be parsed first. */
size_t sg_message_header_raw_values(sg_message *m, const char *name, const char *const **values);

/* Offset of the body (after the empty line), or the size when there is none. */
size_t sg_message_body_offset(sg_message *m);

/* ---- header edits (RFC 5293 editheader) ----
 * An overlay on the header index: every edit makes a new field array (copy on
 * write), so a snapshot taken before stays valid, and the lookups above see
 * the current state (§7). The body and its offset never change, so body and
 * MIME code reading the bytes after sg_message_body_offset() are unaffected. */

/* The header fields at one moment; immutable, in the message's arena. */
typedef struct sg_header_snapshot {
    const sg_header_field *fields;
    size_t count;
} sg_header_snapshot;

/* Adds a field, first (RFC 5293 §4 default) or last. `text` is the whole
 * field "Name: value" without its final line break (continuation lines inside
 * end in sg_message_eol()), already valid; it is copied. */
void sg_message_add_field(sg_message *m, const char *text, size_t len, bool last);
/* Deletes the current fields i where del[i] is true (del has
 * sg_message_header_count() entries). */
void sg_message_delete_fields(sg_message *m, const bool *del);
/* How many edits changed the header (each costs a copy of the field array:
 * the caller bounds them). */
size_t sg_message_edit_count(const sg_message *m);
/* Whether an edit happened since the parse. */
bool sg_message_edited(const sg_message *m);
/* The current fields, or NULL when the header is still the original one. */
const sg_header_snapshot *sg_message_snapshot(sg_message *m);
/* Looks at the original header (true) or the edited one (false): RFC 5293 §7,
 * MDNs and DSNs and the keep after a failed run use the original. */
void sg_message_use_original(sg_message *m, bool original);
/* "\r\n" when the message's first line ends in CRLF, else "\n". */
const char *sg_message_eol(sg_message *m);
/* A copy of the message with the header of `snap` (NULL: the original bytes):
 * the fields, each ending in sg_message_eol(), an empty line, then the
 * original body. *header gets the new header section (in arena), *body the
 * original body (pointing into the message). */
void sg_message_render(sg_message *m, const sg_header_snapshot *snap, sg_arena *arena, const char **header,
                       size_t *header_len, const char **body, size_t *body_len);

#endif
