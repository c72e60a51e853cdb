/* fuzz_mailto.c - libFuzzer target: the mailto URI parser (engine/mail/mailto.c)
 * through sg_notify_method_parse, as notify and valid_notify_method use it.
 *
 * Takes: any byte string as a notify :method.
 * Checks: no crash or sanitizer report; on success the RFC 6068 results are
 * safe to put into a header: no CR, LF or NUL in any recipient, header name
 * or value (the body may hold CRLF), names in ftext.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mail/mailto.h"
#include "base/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *s)
{
    if (!s)
        abort();
    for (; *s; s++)
        if (*s == '\r' || *s == '\n')
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_arena *arena = sg_arena_new();
    sg_mailto m;
    memset(&m, 0, sizeof m);
    const char *error = NULL;
    if (sg_notify_method_parse((const char *)data, size, arena, &m, &error) == SG_METHOD_OK) {
        if (m.nrcpts > SG_MAILTO_MAX_RECIPIENTS || m.nheaders > SG_MAILTO_MAX_HEADERS)
            abort();
        for (size_t i = 0; i < m.nrcpts; i++)
            check_line(m.rcpts[i].address);
        for (size_t i = 0; i < m.nheaders; i++) {
            check_line(m.headers[i].name);
            check_line(m.headers[i].value);
            for (const char *s = m.headers[i].name; *s; s++)
                if ((unsigned char)*s <= 32 || (unsigned char)*s >= 127 || *s == ':')
                    abort();
        }
        if (m.subject)
            check_line(m.subject);
    } else if (!error) {
        abort();
    }
    sg_arena_free(arena);
    return 0;
}
