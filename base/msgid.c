/* msgid.c - see msgid.h. */
#include "base/msgid.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/atext.h"
#include "base/hex.h"

/* "<id>" or "<id@host>" from what the caller gave; NULL when nothing is left. */
static const char *given_id(sg_arena *arena, const char *given, const char *host)
{
    char id[256];
    size_t n = 0;
    for (const char *p = given ? given : ""; *p && n < 200; p++)
        if (sg_is_atext((unsigned char)*p) || *p == '.' || *p == '@' || *p == '[' || *p == ']')
            id[n++] = *p;
    id[n] = '\0';
    if (!n)
        return NULL;
    char out[512];
    bool at = strchr(id, '@') != NULL;
    snprintf(out, sizeof out, "<%s%s%s>", id, at ? "" : "@", at ? "" : host);
    return sg_arena_strdup(arena, out);
}

const char *sg_message_id(sg_arena *arena, const char *given, const char *left, const char *host)
{
    const char *id = given_id(arena, given, host);
    if (id)
        return id;
    char hex[25], out[512];
    sg_random_hex(hex, 24);
    snprintf(out, sizeof out, "<%s.%s@%s>", left, hex, host);
    return sg_arena_strdup(arena, out);
}
