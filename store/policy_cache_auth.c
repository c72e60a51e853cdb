/* policy_cache_auth.c - the policy cache's entries, authenticated
 * (policy_cache_int.h, policy_cache.h "Authentication").
 *
 * Takes: the key file (memcached_key_file), a cache key and its value.
 * Returns: the sealed entry to store; the value of an entry read back, or
 * NULL when it was not sealed with this key for this cache key (forged,
 * replayed under another key, or garbled): the cache then treats it as a
 * miss and asks the store. memcached has no access control: a checksum
 * (policy_codec.h) finds accidents, only a MAC finds an attacker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/hex.h"
#include "base/secret_file.h"
#include "store/policy_cache_int.h"

#define SEAL_MAGIC "SGM1 "
#define SEAL_HEAD (sizeof SEAL_MAGIC - 1 + 2 * SG_SHA256_SIZE + 1)
#define DOMAIN_TAG "sievegate-cache-v1"
#define KEY_FILE_MAX 4096

bool sg_cache_auth_load(sg_cache_auth *a, const char *path, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (!path || !*path) {
        snprintf(err, errlen, "no memcached_key_file: the cache is used only with authenticated entries");
        return false;
    }
    char *data;
    size_t len;
    if (!sg_secret_read("memcached_key_file", path, KEY_FILE_MAX, &data, &len, err, errlen))
        return false;
    bool ok = len >= SG_CACHE_KEY_MIN;
    if (ok)
        sg_hmac_sha256_begin(&a->mac, data, len);
    else
        snprintf(err, errlen, "memcached_key_file %s holds %zu bytes: a key has %d at least (e.g. head -c 32 "
                              "/dev/urandom | base64)", path, len, SG_CACHE_KEY_MIN);
    sg_secret_free(data, len);
    a->ready = ok;
    return ok;
}

void sg_cache_auth_free(sg_cache_auth *a)
{
    if (a->ready)
        sg_hmac_sha256_free(&a->mac);
    a->ready = false;
}

static void mac_of(sg_cache_auth *a, const char *cache_key, const char *value, size_t len,
                   unsigned char out[SG_SHA256_SIZE])
{
    sg_hmac_sha256_update(&a->mac, DOMAIN_TAG, sizeof DOMAIN_TAG); /* with its NUL */
    sg_hmac_sha256_update(&a->mac, cache_key, strlen(cache_key) + 1);
    sg_hmac_sha256_update(&a->mac, value, len);
    sg_hmac_sha256_digest(&a->mac, out);
}

char *sg_cache_auth_seal(sg_cache_auth *a, const char *cache_key, const char *value, size_t len, size_t *out_len)
{
    unsigned char mac[SG_SHA256_SIZE];
    mac_of(a, cache_key, value, len, mac);
    char *out = sg_xmalloc(SEAL_HEAD + len + 1);
    memcpy(out, SEAL_MAGIC, sizeof SEAL_MAGIC - 1);
    sg_hex_encode(mac, sizeof mac, false, out + sizeof SEAL_MAGIC - 1);
    out[SEAL_HEAD - 1] = '\n';
    memcpy(out + SEAL_HEAD, value, len);
    out[SEAL_HEAD + len] = '\0';
    *out_len = SEAL_HEAD + len;
    return out;
}

const char *sg_cache_auth_open(sg_cache_auth *a, const char *cache_key, const char *sealed, size_t len,
                               size_t *value_len)
{
    if (!a->ready || !sealed || len < SEAL_HEAD || memcmp(sealed, SEAL_MAGIC, sizeof SEAL_MAGIC - 1) != 0 ||
        sealed[SEAL_HEAD - 1] != '\n')
        return NULL;
    unsigned char mac[SG_SHA256_SIZE];
    char want[2 * SG_SHA256_SIZE + 1];
    mac_of(a, cache_key, sealed + SEAL_HEAD, len - SEAL_HEAD, mac);
    sg_hex_encode(mac, sizeof mac, false, want);
    unsigned char diff = 0; /* constant time: no early exit on the first differing digit */
    for (size_t i = 0; i < 2 * SG_SHA256_SIZE; i++)
        diff |= (unsigned char)(want[i] ^ sealed[sizeof SEAL_MAGIC - 1 + i]);
    if (diff)
        return NULL;
    *value_len = len - SEAL_HEAD;
    return sealed + SEAL_HEAD;
}
