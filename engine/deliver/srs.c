/* srs.c - SRS forward rewriting (see srs.h), libsrs2's guarded scheme. */
#include "engine/deliver/srs.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/base64.h"
#include "base/hash.h"

#define SRS_HASH_LEN 4

/* HMAC-SHA1 over the ASCII-lowercased fields, the first SRS_HASH_LEN base64 characters. */
static void srs_hash(const char *secret, const char *const *fields, size_t nfields, char out[SRS_HASH_LEN + 1])
{
    sg_hmac_sha1_ctx h;
    sg_hmac_sha1_begin(&h, secret, strlen(secret));
    for (size_t i = 0; i < nfields; i++) {
        char lower[64];
        size_t n = 0;
        for (const char *p = fields[i]; *p; p++) {
            lower[n++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
            if (n == sizeof lower || !p[1]) {
                sg_hmac_sha1_update(&h, lower, n);
                n = 0;
            }
        }
    }
    unsigned char mac[SG_SHA1_SIZE];
    sg_hmac_sha1_end(&h, mac);
    char text[SG_BASE64_ENCODED_SIZE(SG_SHA1_SIZE)];
    sg_base64_encode(mac, sizeof mac, SG_BASE64_PADDED, text);
    memcpy(out, text, SRS_HASH_LEN);
    out[SRS_HASH_LEN] = '\0';
}

static bool srs_separator(char c)
{
    return c == '=' || c == '-' || c == '+';
}

const char *sg_srs_forward(const char *secret, const char *domain, const char *sender, time_t now, sg_arena *arena)
{
    const char *at = strrchr(sender, '@');
    if (!at || !at[1] || strcasecmp(at + 1, domain) == 0)
        return sg_arena_strdup(arena, sender);
    char *user = sg_arena_strndup(arena, sender, (size_t)(at - sender));
    const char *host = at + 1;
    char hash[SRS_HASH_LEN + 1];
    size_t cap = strlen(sender) + strlen(domain) + 32;
    char *out = sg_arena_alloc_bytes(arena, cap);

    if (strncasecmp(user, "SRS1", 4) == 0 && srs_separator(user[4])) {
        /* SRS1=HHHH=h1==rest: keep the first forwarder's host and the rest, new hash */
        char *first = strchr(user + 5, '=');
        char *rest = first ? strchr(first + 1, '=') : NULL;
        if (first && first[1] && rest && rest[1]) {
            char *h1 = sg_arena_strndup(arena, first + 1, (size_t)(rest - first - 1));
            const char *fields[2] = {h1, rest + 1};
            srs_hash(secret, fields, 2, hash);
            snprintf(out, cap, "SRS1=%s=%s=%s@%s", hash, h1, rest + 1, domain);
            return out;
        }
    } else if (strncasecmp(user, "SRS0", 4) == 0 && srs_separator(user[4])) {
        const char *fields[2] = {host, user + 4};
        srs_hash(secret, fields, 2, hash);
        snprintf(out, cap, "SRS1=%s=%s=%s@%s", hash, host, user + 4, domain);
        return out;
    }
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    if (now == 0)
        now = time(NULL);
    uint64_t day = (uint64_t)now / 86400u;
    char stamp[3] = {b32[(day >> 5) & 31], b32[day & 31], '\0'};
    const char *fields[3] = {stamp, host, user};
    srs_hash(secret, fields, 3, hash);
    snprintf(out, cap, "SRS0=%s=%s=%s=%s@%s", hash, stamp, host, user, domain);
    return out;
}
