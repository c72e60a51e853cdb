/* fuzz_message.c - libFuzzer target: the message parser (engine/mail/message.c),
 * RFC 2047 decoding (rfc2047.c) and address lists (addrlist.c).
 *
 * Takes: any byte string as an RFC 5322 message.
 * Checks: no crash, sanitizer report or leak; every header field read both
 * raw and decoded, every address-bearing field parsed as an address list and
 * as an envelope path; the decoder on the whole input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mail/addrlist.h"
#include "engine/mail/message.h"
#include "engine/mail/rfc2047.h"
#include "base/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"from", "to", "cc", "bcc", "sender", "reply-to", "return-path",
                                    "subject", "message-id", "resent-to", "x-sieve-redirected-from"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_arena *arena = sg_arena_new();
    char *copy = malloc(size + 1); /* the parser may keep pointers into it: freed last */
    memcpy(copy, data, size);
    copy[size] = '\0';
    sg_message *m = sg_message_parse(copy, size, arena);
    size_t n = sg_message_header_count(m);
    for (size_t i = 0; i < n; i++) {
        const sg_header_field *h = sg_message_header_at(m, i);
        if (!h)
            abort();
    }
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const char *const *values;
        size_t nv = sg_message_header_values(m, names[k], &values);
        for (size_t i = 0; i < nv; i++)
            if (!values[i])
                abort();
        nv = sg_message_header_raw_values(m, names[k], &values);
        for (size_t i = 0; i < nv; i++) {
            sg_mailbox *list = NULL;
            sg_addrlist_parse(values[i], strlen(values[i]), arena, &list);
            sg_mailbox mb;
            sg_envelope_address_parse(values[i], arena, &mb);
        }
    }
    if (sg_message_body_offset(m) > size)
        abort();
    size_t out_len = 0;
    sg_rfc2047_decode(copy, size, arena, &out_len);
    sg_arena_free(arena);
    free(copy);
    return 0;
}
