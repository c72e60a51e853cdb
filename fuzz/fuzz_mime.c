/* fuzz_mime.c - libFuzzer target: the MIME walker (engine/mail/mime.c) as the body
 * test (RFC 5173) and the mime extensions (RFC 5703) use it.
 *
 * Takes: any byte string as an RFC 5322 message, parsed with sg_message_parse
 * and split into MIME parts with the default limits (SG_MIME_DEFAULT_MAX_DEPTH,
 * SG_MIME_DEFAULT_MAX_PARTS).
 * Checks: no crash, sanitizer report, leak or timeout; the part tree is
 * consistent (part 0 is the message, parents come before their children, a
 * part's descendants end within its parent's, depths within the limit, at most
 * max_parts parts, bodies inside the input); every part's header fields are
 * readable, its content decoded raw and as UTF-8 and its text (the HTML
 * stripper) are NUL-terminated and, for the raw decoding, never longer than
 * the undecoded body (base64 and quoted-printable only shrink).
 * Seeds: fuzz/seeds/fuzz_mime/ and the MIME bombs of fuzz/gen_mime_bombs.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mail/message.h"
#include "engine/mail/mime.h"
#include "base/arena.h"

/* Reads every byte (true); ASan stops at one it may not read. */
static bool touch(const char *s, size_t n)
{
    volatile unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (unsigned char)s[i];
    (void)sum;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_arena *arena = sg_arena_new();
    char *copy = malloc(size + 1); /* the parts point into it: freed last */
    if (!copy)
        abort();
    memcpy(copy, data, size);
    copy[size] = '\0';
    sg_message *msg = sg_message_parse(copy, size, arena);
    const sg_mime_limits limits = {0}; /* the defaults, as a run without configuration */
    sg_mime *mime = sg_mime_parse(msg, &limits, arena);
    size_t n = sg_mime_count(mime);
    check(n >= 1 && n <= SG_MIME_DEFAULT_MAX_PARTS);
    check(sg_mime_part_at(mime, n) == NULL);
    const char *hit = sg_mime_limit_hit(mime);
    check(!hit || strcmp(hit, "mime-depth-limit") == 0 || strcmp(hit, "mime-part-limit") == 0);
    for (size_t i = 0; i < n; i++) {
        const sg_mime_part *p = sg_mime_part_at(mime, i);
        check(p != NULL && p->headers != NULL && p->type && p->subtype && p->encoding);
        check(p->depth <= SG_MIME_DEFAULT_MAX_DEPTH);
        check(p->end > i && p->end <= n);
        if (i == 0) {
            check(p->parent == 0 && p->depth == 0 && p->headers == msg && p->end == n);
        } else {
            const sg_mime_part *parent = sg_mime_part_at(mime, p->parent);
            check(p->parent < i && p->end <= parent->end && p->depth == parent->depth + 1);
            check(parent->multipart || parent->message);
        }
        check(p->body_len == 0 || (p->body >= copy && p->body + p->body_len <= copy + size));
        for (size_t k = 0; k < p->nparams; k++)
            check(p->params[k].name && p->params[k].value);
        size_t nh = sg_message_header_count(p->headers);
        for (size_t k = 0; k < nh; k++)
            check(sg_message_header_at(p->headers, k) != NULL);
        const char *const *values;
        size_t nv = sg_message_header_values(p->headers, "content-type", &values);
        for (size_t k = 0; k < nv; k++) {
            const char *type, *subtype;
            sg_mime_param *params;
            size_t nparams;
            sg_mime_content_type(values[k], strlen(values[k]), arena, &type, &subtype, &params, &nparams);
            check((type == NULL) == (subtype == NULL));
        }
        /* the content is *len bytes, not NUL-terminated (mime.h): every byte is
         * read, so that ASan sees any that lies outside what it may */
        size_t len = 0;
        const char *raw = sg_mime_content(mime, i, false, &len);
        check(raw && len <= p->body_len && touch(raw, len));
        const char *utf8 = sg_mime_content(mime, i, true, &len);
        check(utf8 && touch(utf8, len));
        const char *text = sg_mime_text(mime, i, &len);
        check(text && touch(text, len));
    }
    sg_arena_free(arena);
    free(copy);
    return 0;
}
