/* policy_cache_int.h - what the files of the policy cache share, for them
 * alone: policy_cache.c (the client, reads and writes),
 * policy_cache_auth.c (the entries' HMAC) and policy_cache_shared.c (the
 * failure memory every process of a host shares). See policy_cache.h. */
#ifndef SG_POLICY_CACHE_INT_H
#define SG_POLICY_CACHE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hash.h"

/* ---- policy_cache_auth.c: authenticated entries ---- */

#define SG_CACHE_KEY_MIN 16 /* bytes of key, at least */

typedef struct sg_cache_auth {
    sg_hmac_sha256_ctx mac; /* keyed with the file's key, kept for every entry */
    bool ready;
} sg_cache_auth;

/* Reads the key (the file's bytes, a trailing newline left out): refused
 * when the file is readable by every user or the key is shorter than
 * SG_CACHE_KEY_MIN bytes. False with err ("memcached_key_file PATH: ..."). */
bool sg_cache_auth_load(sg_cache_auth *a, const char *path, char *err, size_t errlen);
void sg_cache_auth_free(sg_cache_auth *a);

/* "SGM1 " HEX(HMAC-SHA256(key, "sievegate-cache-v1" NUL cache_key NUL value)) "\n" value:
 * malloc'd, *out_len bytes. The MAC binds the value to its cache key: an
 * entry copied under another key (another generation, another owner) is
 * as forged as one written without the key. */
char *sg_cache_auth_seal(sg_cache_auth *a, const char *cache_key, const char *value, size_t len, size_t *out_len);
/* The value inside a sealed entry of `cache_key` (a pointer into `sealed`)
 * when its MAC is right (compared in constant time); NULL otherwise. */
const char *sg_cache_auth_open(sg_cache_auth *a, const char *cache_key, const char *sealed, size_t len,
                               size_t *value_len);

/* ---- policy_cache_shared.c: failure memory shared by a host's processes ---- */

/* A number of the host's shared state, by name ("generation"); 0 when none. */
int64_t sg_cache_shared_read(const char *dir, const char *name);
void sg_cache_shared_write(const char *dir, const char *name, int64_t value);

/* Until when (milliseconds since the epoch) the server host:port is left
 * out, as any process of this host recorded it in `dir`; 0 when not. */
int64_t sg_cache_shared_dead_until(const char *dir, const char *host, unsigned port);
/* Records that host:port is left out until `until_ms`; best effort (a
 * directory that does not exist or cannot be written: this process alone
 * remembers). */
void sg_cache_shared_mark_dead(const char *dir, const char *host, unsigned port, int64_t until_ms);

#endif
