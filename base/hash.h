/* hash.h - SHA-1, SHA-256 (FIPS 180-4), HMAC-SHA1 and HMAC-SHA256 (RFC
 * 2104) from GNU Nettle (Debian libnettle8), loaded at run time: the SRS hash
 * (engine/deliver/srs.c), the per-user state keys (store/user_state.c) and
 * the authentication of the policy cache's entries (store/policy_cache.h).
 *
 * Why Nettle and why loaded late: a well-kept library instead of our own
 * hashing code; Nettle is small (one 310 KiB library that needs only libc)
 * where libcrypto is 4.6 MiB. Linked, it still cost every process about
 * 0.4 ms of start-up and 200-270 KiB of RSS, while most processes hash
 * nothing (a delivery hashes only for SRS or state tracking; `test`, `check`
 * and `filter` never). Measured with bench/bench_timeit, interleaved runs on
 * the 2-core VM, medians:
 *   a trivial C program:      5.41 ms, 1,092 KiB; linked to Nettle 5.79 ms, 1,368 KiB
 *   `sievegate test` (40 rules), 1,000 runs over 100 corpus messages, wall / cpu / RSS:
 *     our own SHA code        8.24 / 6.51 ms, 2,244 KiB
 *     Nettle loaded (here)    7.97 / 6.38 ms, 2,180 KiB (the same: never loaded)
 *     Nettle linked           8.48 / 6.86 ms, 2,436 KiB
 *   a process's first hash with Nettle loaded here: 0.62 ms; each later: 2.3 us.
 * So, as SQLite (store/sqlite_lib.h), it is dlopen()ed by the context that
 * needs it, RTLD_NODELETE: the first load in a process maps and relocates
 * it, later ones only count a reference.
 *
 * Each context below owns its reference to the library: *_begin loads it
 * (false, with err "cannot load libnettle.so.8: ...", when it cannot be
 * loaded; nothing to end then), *_update adds bytes, *_end writes the digest
 * and lets the library go. An HMAC-SHA256 context may also be kept for many
 * messages with one key (sg_hmac_sha256_digest: the MAC, and the context
 * ready for the next message; sg_hmac_sha256_free lets it go). No global
 * state. nettle's headers are used for
 * the context types only (compile time). */
#ifndef SG_HASH_H
#define SG_HASH_H

#include <stdbool.h>
#include <stddef.h>

#include <nettle/hmac.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#define SG_HASH_LIB_SONAME "libnettle.so.8"
#define SG_SHA1_SIZE 20
#define SG_SHA256_SIZE 32

/* X(symbol, return type, parameters): the Nettle functions used. */
#define SG_HASH_FUNCTIONS(X)                                                                                      \
    X(nettle_sha1_init, void, (struct sha1_ctx *))                                                                \
    X(nettle_sha1_update, void, (struct sha1_ctx *, size_t, const uint8_t *))                                     \
    X(nettle_sha1_digest, void, (struct sha1_ctx *, size_t, uint8_t *))                                           \
    X(nettle_sha256_init, void, (struct sha256_ctx *))                                                            \
    X(nettle_sha256_update, void, (struct sha256_ctx *, size_t, const uint8_t *))                                 \
    X(nettle_sha256_digest, void, (struct sha256_ctx *, size_t, uint8_t *))                                       \
    X(nettle_hmac_sha1_set_key, void, (struct hmac_sha1_ctx *, size_t, const uint8_t *))                          \
    X(nettle_hmac_sha1_update, void, (struct hmac_sha1_ctx *, size_t, const uint8_t *))                           \
    X(nettle_hmac_sha1_digest, void, (struct hmac_sha1_ctx *, size_t, uint8_t *))                                \
    X(nettle_hmac_sha256_set_key, void, (struct hmac_sha256_ctx *, size_t, const uint8_t *))                      \
    X(nettle_hmac_sha256_update, void, (struct hmac_sha256_ctx *, size_t, const uint8_t *))                       \
    X(nettle_hmac_sha256_digest, void, (struct hmac_sha256_ctx *, size_t, uint8_t *))

typedef struct sg_hash_lib {
    void *handle; /* from dlopen; NULL when not loaded */
#define SG_HASH_FIELD(name, ret, params) ret(*name) params;
    SG_HASH_FUNCTIONS(SG_HASH_FIELD)
#undef SG_HASH_FIELD
} sg_hash_lib;

typedef struct sg_sha1_ctx {
    sg_hash_lib lib;
    struct sha1_ctx ctx;
} sg_sha1_ctx;

typedef struct sg_sha256_ctx {
    sg_hash_lib lib;
    struct sha256_ctx ctx;
} sg_sha256_ctx;

typedef struct sg_hmac_sha1_ctx {
    sg_hash_lib lib;
    struct hmac_sha1_ctx ctx;
} sg_hmac_sha1_ctx;

typedef struct sg_hmac_sha256_ctx {
    sg_hash_lib lib;
    struct hmac_sha256_ctx ctx;
} sg_hmac_sha256_ctx;

bool sg_sha1_begin(sg_sha1_ctx *h, char *err, size_t errlen);
void sg_sha1_update(sg_sha1_ctx *h, const void *data, size_t len);
void sg_sha1_end(sg_sha1_ctx *h, unsigned char out[SG_SHA1_SIZE]);

bool sg_sha256_begin(sg_sha256_ctx *h, char *err, size_t errlen);
void sg_sha256_update(sg_sha256_ctx *h, const void *data, size_t len);
void sg_sha256_end(sg_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE]);

/* RFC 2104 with SHA-1; a key longer than 64 bytes is hashed first (§2). */
bool sg_hmac_sha1_begin(sg_hmac_sha1_ctx *h, const void *key, size_t keylen, char *err, size_t errlen);
void sg_hmac_sha1_update(sg_hmac_sha1_ctx *h, const void *data, size_t len);
void sg_hmac_sha1_end(sg_hmac_sha1_ctx *h, unsigned char out[SG_SHA1_SIZE]);

/* RFC 2104 with SHA-256 (RFC 4868 §2.1); a key longer than 64 bytes is hashed first. */
bool sg_hmac_sha256_begin(sg_hmac_sha256_ctx *h, const void *key, size_t keylen, char *err, size_t errlen);
void sg_hmac_sha256_update(sg_hmac_sha256_ctx *h, const void *data, size_t len);
/* The MAC of what was added since begin (or the last digest); the context
 * is then ready for another message with the same key. */
void sg_hmac_sha256_digest(sg_hmac_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE]);
void sg_hmac_sha256_end(sg_hmac_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE]);
/* Lets the library go without a digest (a kept context); the key is wiped. */
void sg_hmac_sha256_free(sg_hmac_sha256_ctx *h);

/* One call each: begin, update, end. */
bool sg_sha1(const void *data, size_t len, unsigned char out[SG_SHA1_SIZE], char *err, size_t errlen);
bool sg_sha256(const void *data, size_t len, unsigned char out[SG_SHA256_SIZE], char *err, size_t errlen);
bool sg_hmac_sha1(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[SG_SHA1_SIZE],
                  char *err, size_t errlen);

#endif
